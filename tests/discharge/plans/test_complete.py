"""Completing a discharge: refused while required items are open (naming every one) unless an org
admin overrides with a reason (kept on the plan and in its audited change history); on completion
the episode ends on the last day and every app below follows — the client leaves every later
roster (so tomorrow's reminder has nothing to say), open hours flags and absence alerts close, the
authorization ends with its chase tasks, the open review is cancelled — and the summary's
deadline starts, chased by the hourly clock escalation."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from attendance.models import AbsenceAlert, AttendanceRecord, ThresholdFlag
from authorizations.escalations import clocks_escalate
from authorizations.models import AuthorizationStatus, ChaseTask, ClockEscalation, ConcurrentReview, ReviewStatus
from discharge.models import DischargeSettings, PlanStatus, TransitionPlan
from discharge.plans import selectors, services
from iop.clients.models import Episode, EpisodeStatus
from iop.common.exceptions import ApplicationError
from iop.notifications.models import Notification
from scheduling.models import RosterEntry, RosterStatus, Session
from scheduling.reminders.selectors import reminders_preview
from scheduling.services.rosters import roster_book

from .conftest import admin_membership, aftercare_booked, records_sent

pytestmark = pytest.mark.django_db

MANUAL = ("medication_continuity", "crisis_resources", "final_authorization", "client_notified")


def _tick_manual(plan, user):
    for key in MANUAL:
        services.checklist_item_tick(item=plan.items.get(key=key), actor=user, note="done")


def _ready(plan, group, provider, user, today):
    """Every required item done, through the services and the rows the other areas write."""
    services.plan_update(plan=plan, data={"receiving_provider": provider}, actor=user)
    session = Session.objects.filter(group=group, local_date__gt=today, local_date__lte=plan.target_date).latest(
        "starts_at"
    )
    services.termination_session_book(plan=plan, session=session, actor=user)
    aftercare_booked(plan, provider, days_after=3, user=user)
    records_sent(plan, provider, user)
    _tick_manual(plan, user)
    return session


def test_open_required_items_refuse_completion_naming_each_and_nothing_changes(plan, harbor_va):
    with pytest.raises(ApplicationError) as refused:
        services.plan_complete(plan=plan, actor=harbor_va, membership=admin_membership(plan.organization, harbor_va))

    assert refused.value.code == "checklist_open"
    message = refused.value.message
    for label in (
        "Termination session scheduled",
        "Aftercare appointment booked",
        "Records packet sent",
        "Medication continuity noted",
        "Crisis and relapse-prevention resources given",
        "Final review / authorization closed",
        "Client (and partner, for a couple) notified",
    ):
        assert label in message
    assert "7 required items are open" in message
    assert "Discharge summary signed" not in message  # not required: due after the last day
    assert set(refused.value.extra["open_items"]) == {
        "termination_session",
        "aftercare_booked",
        "records_sent",
        *MANUAL,
    }
    plan.refresh_from_db()
    assert plan.status == PlanStatus.PLANNING
    assert Episode.objects.get(pk=plan.episode_id).status == EpisodeStatus.ACTIVE


def test_only_an_org_admin_may_override_and_only_with_a_reason(plan, harbor_va):
    with pytest.raises(ApplicationError) as refused:
        services.plan_complete(
            plan=plan,
            actor=harbor_va,
            membership=admin_membership(plan.organization, harbor_va),
            override_reason="Client moved out of state",
        )
    assert refused.value.code == "override_not_allowed"
    assert TransitionPlan.objects.get(pk=plan.pk).status == PlanStatus.PLANNING


def test_an_admin_override_completes_and_is_audited(plan, harbor_admin, today):
    reason = "Client moved out of state on short notice; records to follow."

    services.plan_complete(
        plan=plan,
        actor=harbor_admin,
        membership=admin_membership(plan.organization, harbor_admin),
        last_day=today,
        override_reason=reason,
    )

    plan.refresh_from_db()
    assert (plan.status, plan.override_reason, plan.completed_by) == (PlanStatus.COMPLETED, reason, harbor_admin)
    event = TransitionPlan.pgh_event_model.objects.filter(pgh_obj_id=plan.pk, override_reason=reason).get()
    assert event.pgh_context is not None
    metadata = event.pgh_context.metadata
    assert metadata["discharge_override"] is True
    assert metadata["discharge_completed_by"] == harbor_admin.pk
    assert "termination_session" in metadata["discharge_open_items"]


def test_a_completed_discharge_is_refused_again(plan, harbor_admin, today):
    membership = admin_membership(plan.organization, harbor_admin)
    services.plan_complete(plan=plan, actor=harbor_admin, membership=membership, last_day=today, override_reason="r")

    with pytest.raises(ApplicationError) as refused:
        services.plan_complete(plan=plan, actor=harbor_admin, membership=membership, override_reason="r")
    assert refused.value.code == "plan_closed"


def test_a_last_day_before_admission_is_refused(plan, harbor_admin):
    with pytest.raises(ApplicationError) as refused:
        services.plan_complete(
            plan=plan,
            actor=harbor_admin,
            membership=admin_membership(plan.organization, harbor_admin),
            last_day=dt.date(2001, 1, 1),
            override_reason="r",
        )
    assert refused.value.code == "last_day_invalid"


@pytest.fixture
def in_care(covered, approve, group, today, harbor_va):
    """An active client with an authorization (and its open review), seated in every session of
    the group for the next two weeks, with an open hours flag and an open absence alert."""
    episode, coverage = covered()
    authorization = approve(episode, coverage, today - dt.timedelta(days=7), days=30, number="PA-77")
    sessions = list(
        Session.objects.filter(group=group, local_date__gte=today, local_date__lte=today + dt.timedelta(days=14))
    )
    entries = [roster_book(session=s, episode=episode) for s in sessions]
    organization = episode.organization
    ThresholdFlag.objects.create(
        organization=organization,
        episode=episode,
        week_start=today - dt.timedelta(days=today.weekday()),
        state="at_risk",
        required_minutes=540,
        required_days=3,
        attended_minutes=180,
        remaining_minutes=360,
        days_attended=1,
        requirement_source="treatment_plan",
        raised_at=timezone.now(),
    )
    now = timezone.now()
    record = AttendanceRecord.objects.create(
        organization=organization,
        roster_entry=entries[0],
        session=entries[0].session,
        episode=episode,
        status="absent_unexcused",
        recorded_at=now,
        updated_at=now,
    )
    AbsenceAlert.objects.create(
        organization=organization, episode=episode, kind="no_reason", record=record, summary="s", raised_at=now
    )
    ChaseTask.objects.create(
        organization=organization, authorization=authorization, kind="ends_7", due_date=today, created_at=now
    )
    return episode, authorization


def test_completion_ends_the_episode_and_everything_below_follows(
    in_care, harbor_va, harbor_admin, provider, group, today
):
    episode, authorization = in_care
    plan = services.plan_start(episode=episode, origin="staff", actor=harbor_va)
    services.plan_update(
        plan=plan, data={"transition_type": "completed", "target_date": today + dt.timedelta(days=4)}, actor=harbor_va
    )
    plan.refresh_from_db()
    termination = _ready(plan, group, provider, harbor_va, today)
    assert (
        selectors.open_required(
            selectors.checklist_rows(selectors.plan_get(organization=plan.organization, plan_id=plan.pk))
        )
        == []
    )
    review = ConcurrentReview.objects.get(authorization=authorization, status__in=["upcoming", "submitted", "pended"])

    services.plan_complete(
        plan=plan, actor=harbor_va, membership=admin_membership(plan.organization, harbor_va), last_day=plan.target_date
    )

    plan.refresh_from_db()
    episode.refresh_from_db()
    assert plan.status == PlanStatus.COMPLETED and plan.override_reason == ""
    assert (episode.status, episode.discharge_date) == (EpisodeStatus.DISCHARGED, plan.target_date)
    # Rosters: every session after the last day is left; the termination session (on it) stays.
    later = RosterEntry.objects.filter(episode=episode, session__local_date__gt=plan.target_date)
    assert later.exists() and not later.filter(status__in=[RosterStatus.BOOKED, RosterStatus.WAITLISTED]).exists()
    assert RosterEntry.objects.get(episode=episode, session=termination).status == RosterStatus.BOOKED
    # Reminders: the day after the last day has nothing for this client.
    after = plan.target_date + dt.timedelta(days=1)
    assert all(
        r.client.pk != episode.client_id or not r.items
        for r in reminders_preview(organization=plan.organization, local_date=after)
    )
    # Hours flags and absence alerts are closed with why.
    assert not ThresholdFlag.objects.filter(episode=episode, resolved_at__isnull=True).exists()
    assert not AbsenceAlert.objects.filter(episode=episode, acknowledged_at__isnull=True).exists()
    assert "Discharged" in ThresholdFlag.objects.get(episode=episode).resolution
    # The authorization ends, its chase tasks close, its open review is cancelled.
    authorization.refresh_from_db()
    assert authorization.status == AuthorizationStatus.ENDED
    assert not ChaseTask.objects.filter(authorization=authorization, done_at__isnull=True).exists()
    review.refresh_from_db()
    assert review.status == ReviewStatus.CANCELLED
    # The summary is due the state's days after the last day.
    assert plan.summary_due_date == plan.target_date + dt.timedelta(days=7)


def test_a_step_down_plan_steps_the_episode_down(plan, harbor_admin, today):
    services.plan_update(plan=plan, data={"transition_type": "step_down"}, actor=harbor_admin)

    services.plan_complete(
        plan=plan,
        actor=harbor_admin,
        membership=admin_membership(plan.organization, harbor_admin),
        last_day=today,
        override_reason="Payer ended IOP days",
    )

    assert Episode.objects.get(pk=plan.episode_id).status == EpisodeStatus.STEP_DOWN


# --- The summary and its deadline ------------------------------------------------------------------------


def test_the_summary_deadline_follows_the_state_setting_and_is_chased_once_per_threshold(
    plan, harbor_admin, harbor_clinician, clinician_membership, today
):
    DischargeSettings.objects.create(organization=plan.organization, summary_due_days=10)
    services.plan_complete(
        plan=plan,
        actor=harbor_admin,
        membership=admin_membership(plan.organization, harbor_admin),
        last_day=today,
        override_reason="r",
    )
    plan.refresh_from_db()
    assert plan.summary_due_date == today + dt.timedelta(days=10)
    [clock] = selectors.summary_clocks(organization=plan.organization)
    assert clock.kind == "discharge_summary" and clock.recipients == (clinician_membership,)

    past_due = selectors.summary_due_at(plan.organization, plan.summary_due_date) + dt.timedelta(minutes=1)
    made = clocks_escalate(organization=plan.organization, now=past_due, sources=[selectors.summary_clocks])
    again = clocks_escalate(organization=plan.organization, now=past_due, sources=[selectors.summary_clocks])

    assert [(e.kind, e.threshold_hours) for e in made] == [("discharge_summary", 0)] and again == []
    assert ClockEscalation.objects.filter(subject_id=plan.pk).count() == 1
    assert Notification.objects.filter(recipient=clinician_membership, kind="clock_escalation").count() == 1

    services.summary_sign(
        plan=plan, actor=harbor_clinician, membership=clinician_membership, text="Goals met. Aftercare booked."
    )
    assert selectors.summary_clocks(organization=plan.organization) == []


def test_only_a_clinician_signs_and_an_empty_summary_is_refused(
    plan, harbor_va, harbor_clinician, clinician_membership
):
    with pytest.raises(ApplicationError) as va:
        services.summary_sign(
            plan=plan, actor=harbor_va, membership=admin_membership(plan.organization, harbor_va), text="x"
        )
    assert va.value.code == "summary_signer_not_clinical"
    with pytest.raises(ApplicationError) as empty:
        services.summary_sign(plan=plan, actor=harbor_clinician, membership=clinician_membership, text="  ")
    assert empty.value.code == "summary_empty"
    assert TransitionPlan.objects.get(pk=plan.pk).summary_signed_at is None
