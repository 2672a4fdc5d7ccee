"""Transition plans: started at admission (and by the nightly sync for episodes admitted before),
updated as care goes, refused input changing nothing; the checklist from the template; manual
ticks and automatic items; the termination session on a real roster."""

from __future__ import annotations

import datetime as dt

import pytest

from discharge.checklist import DEFAULT_ITEMS
from discharge.models import ChecklistItem, ChecklistTemplateItem, PlanOrigin, TerminationSession, TransitionPlan
from discharge.plans import selectors, services
from iop.clients.models import EpisodeStatus
from iop.clients.services import episode_transition
from iop.common.exceptions import ApplicationError
from scheduling.models import RosterEntry, RosterStatus, Session

from ...factories import EpisodeFactory

pytestmark = pytest.mark.django_db


def test_an_admission_starts_the_plan_with_the_default_checklist(in_harbor, harbor_program, harbor_va):
    episode = EpisodeFactory(
        organization=in_harbor, program=harbor_program, status=EpisodeStatus.INTAKE, admission_date=None
    )
    assert not TransitionPlan.objects.filter(episode=episode).exists()

    episode_transition(episode=episode, to_status="active", effective_date=in_harbor.local_today(), actor=harbor_va)

    plan = TransitionPlan.objects.get(episode=episode)
    assert plan.origin == PlanOrigin.ADMISSION
    assert [i.key for i in plan.items.order_by("position")] == [str(d.key) for d in DEFAULT_ITEMS]


def test_the_organization_template_replaces_the_defaults(in_harbor, episode, harbor_va):
    ChecklistTemplateItem.objects.create(organization=in_harbor, key="termination_session", position=1)
    ChecklistTemplateItem.objects.create(organization=in_harbor, key="custom", label="Alumni group invite", position=2)
    ChecklistTemplateItem.objects.create(organization=in_harbor, key="crisis_resources", is_active=False)

    plan = services.plan_start(episode=episode, origin=PlanOrigin.CLINICIAN, actor=harbor_va)

    assert [(i.key, i.label) for i in plan.items.order_by("position")] == [
        ("termination_session", "Termination session scheduled"),
        ("custom", "Alumni group invite"),
    ]


def test_the_sync_gives_every_admitted_episode_a_plan_once(in_harbor, make_active_episode):
    first, second = make_active_episode(), make_active_episode()

    created = services.plans_sync(organization=in_harbor)

    assert {p.episode_id for p in created} == {first.pk, second.pk}
    assert services.plans_sync(organization=in_harbor) == []


def test_a_plan_is_updated_and_the_first_type_names_who_started_it(plan, harbor_clinician, provider, today):
    TransitionPlan.objects.filter(pk=plan.pk).update(origin=PlanOrigin.ADMISSION)
    plan.refresh_from_db()

    services.plan_update(
        plan=plan,
        data={
            "transition_type": "step_down",
            "target_date": today + dt.timedelta(days=4),
            "reason": "Goals met; weekly therapy.",
            "receiving_provider": provider,
            "receiving_level_of_care": "op",
        },
        actor=harbor_clinician,
        origin=PlanOrigin.CLINICIAN,
    )

    plan.refresh_from_db()
    assert (plan.transition_type, plan.receiving_provider, plan.receiving_level_of_care) == (
        "step_down",
        provider,
        "op",
    )
    assert plan.origin == PlanOrigin.CLINICIAN


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"transition_type": "vacation"}, "invalid_transition_type"),
        ({"receiving_level_of_care": "spa"}, "invalid_level_of_care"),
        ({"target_date": dt.date(2000, 1, 1)}, "target_date_before_admission"),
        ({"reason": "x" * 4001}, "text_too_long"),
    ],
)
def test_bad_input_is_refused_and_nothing_changes(plan, harbor_va, data, code):
    before = TransitionPlan.objects.values().get(pk=plan.pk)

    with pytest.raises(ApplicationError) as refused:
        services.plan_update(plan=plan, data={"reason": "changed", **data}, actor=harbor_va)

    assert refused.value.code == code
    assert TransitionPlan.objects.values().get(pk=plan.pk) == before


def test_another_organizations_provider_is_refused(plan, harbor_va, summit):
    from discharge.models import AftercareProvider
    from iop.tenancy.context import tenant_context

    with tenant_context(summit.id):
        foreign = AftercareProvider.objects.create(organization=summit, name="Elsewhere")

    with pytest.raises(ApplicationError) as refused:
        services.plan_update(plan=plan, data={"receiving_provider": foreign.pk}, actor=harbor_va)

    assert refused.value.code == "provider_unknown"


def test_a_manual_item_is_ticked_with_who_when_and_a_note_and_reopened(plan, harbor_va):
    item = plan.items.get(key="crisis_resources")

    services.checklist_item_tick(item=item, actor=harbor_va, note="988 card and safety plan")

    item.refresh_from_db()
    assert (item.done_by, item.note) == (harbor_va, "988 card and safety plan") and item.done_at is not None
    with pytest.raises(ApplicationError) as twice:
        services.checklist_item_tick(item=item, actor=harbor_va)
    assert twice.value.code == "item_unchanged"

    services.checklist_item_tick(item=item, actor=harbor_va, done=False)
    item.refresh_from_db()
    assert item.done_at is None


def test_an_automatic_item_cannot_be_ticked(plan, harbor_va):
    item = plan.items.get(key="aftercare_booked")

    with pytest.raises(ApplicationError) as refused:
        services.checklist_item_tick(item=item, actor=harbor_va)

    assert refused.value.code == "item_automatic"
    assert ChecklistItem.objects.get(pk=item.pk).done_at is None


def _sessions(group, start, end):
    return list(Session.objects.filter(group=group, local_date__gte=start, local_date__lte=end).order_by("starts_at"))


def test_the_termination_session_is_a_seat_on_the_roster(plan, group, harbor_va, today):
    session = _sessions(group, today + dt.timedelta(days=1), plan.target_date)[-1]

    services.termination_session_book(plan=plan, session=session, actor=harbor_va)

    assert TerminationSession.objects.get(plan=plan).session == session
    assert RosterEntry.objects.filter(session=session, episode=plan.episode, status=RosterStatus.BOOKED).exists()
    row = next(
        r
        for r in selectors.checklist_rows(selectors.plan_get(organization=plan.organization, plan_id=plan.pk))
        if r.item.key == "termination_session"
    )
    assert row.done and group.name in row.detail


def test_a_session_after_the_last_day_is_refused_and_nobody_is_seated(plan, group, harbor_va):
    later = _sessions(group, plan.target_date + dt.timedelta(days=1), plan.target_date + dt.timedelta(days=7))[0]

    with pytest.raises(ApplicationError) as refused:
        services.termination_session_book(plan=plan, session=later, actor=harbor_va)

    assert refused.value.code == "session_not_bookable"
    assert not TerminationSession.objects.filter(plan=plan).exists()
    assert not RosterEntry.objects.filter(session=later, episode=plan.episode).exists()
