"""`manage.py seed_demo`: the demo organizations, written through the services as the app role,
read at the three moments of `tests/demo/conftest.py`."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.utils import timezone

from attendance.models import (
    AbsenceAlert,
    AbsenceRuleKind,
    AttendanceRecord,
    AttendanceStatus,
    PaceState,
    ThresholdFlag,
)
from attendance.roll_call.selectors import sessions_missing_attendance
from demo.attendance import EXCUSED_AHEAD
from demo.people import DEFAULT_DEMO_PASSWORD
from iop.accounts.models import User
from iop.clients.models import (
    AvailabilityWindow,
    Client,
    Couple,
    Episode,
    EpisodeStatus,
    EpisodeStatusChange,
    TreatmentPlan,
)
from iop.common.weeks import week_start_for
from iop.notifications.models import Notification
from iop.tenancy.context import tenant_context
from iop.tenancy.models import Membership, Organization, Program, StaffProfile
from scheduling import selectors
from scheduling.models import (
    FacilitatorAbsence,
    FacilitatorQualification,
    Group,
    GroupType,
    Placement,
    RosterEntry,
    RosterStatus,
    Session,
    SessionFacilitator,
    WeeklySlot,
)
from tests.demo.conftest import WEEK, seed

pytestmark = pytest.mark.django_db


DEMO_EMAILS = {
    "admin@harbor.test": ("harbor", "org_admin"),
    "intake@harbor.test": ("harbor", "intake"),
    "va@harbor.test": ("harbor", "va"),
    "clinician@harbor.test": ("harbor", "clinician"),
    "bell@harbor.test": ("harbor", "clinician"),
    "park@harbor.test": ("harbor", "clinician"),
    "osei@harbor.test": ("harbor", "clinician"),
    "va@summit.test": ("summit", "va"),
    "counselor@summit.test": ("summit", "clinician"),
}
TENANT_MODELS = (
    Program,
    Membership,
    StaffProfile,
    Client,
    Episode,
    EpisodeStatusChange,
    TreatmentPlan,
    AvailabilityWindow,
    Couple,
    GroupType,
    FacilitatorQualification,
    Group,
    WeeklySlot,
    Session,
    SessionFacilitator,
    Placement,
    RosterEntry,
    FacilitatorAbsence,
    AttendanceRecord,
    ThresholdFlag,
    AbsenceAlert,
)


def snapshot() -> dict:
    """Row counts per organization and model, plus the global tables the seed writes."""
    counts: dict = {"organizations": Organization.objects.count(), "users": User.objects.count()}
    for organization in Organization.objects.all():
        with tenant_context(organization.id):
            for model in TENANT_MODELS:
                counts[(organization.slug, model.__name__)] = model.objects.count()
            counts[(organization.slug, "status changes")] = sorted(
                EpisodeStatusChange.objects.values_list("episode_id", "to_status", "effective_date")
            )
            counts[(organization.slug, "seats")] = sorted(
                RosterEntry.objects.values_list("session_id", "episode_id", "status")
            )
    return counts


def test_second_run_adds_and_changes_nothing(seeded):
    before = snapshot()
    output = seed()
    assert snapshot() == before
    assert "harbor: Harbor Virtual IOP (America/New_York): already seeded, nothing to add." in output
    assert "summit: Summit Recovery IOP (America/Chicago): already seeded, nothing to add." in output
    assert "Changed the password" not in output


def test_harbor_has_programs_clients_in_every_status_and_two_couples(seeded):
    orgs, output = seeded
    harbor = orgs["harbor"]
    assert (harbor.name, harbor.timezone, harbor.week_start) == ("Harbor Virtual IOP", "America/New_York", 0)
    assert "harbor: Harbor Virtual IOP (America/New_York): created" in output
    with tenant_context(harbor.id):
        programs = {p.name: p for p in Program.objects.all()}
        assert set(programs) == {"Adult Mental Health IOP", "Couples IOP"}
        adult = programs["Adult Mental Health IOP"]
        assert (adult.default_min_weekly_hours, adult.default_min_days_per_week) == (9, 3)

        assert Client.objects.count() >= 28
        statuses = {s: Episode.objects.filter(status=s).count() for s in EpisodeStatus.values}
        assert all(statuses.values()), statuses
        assert statuses["active"] >= 18
        assert statuses["active"] == max(statuses.values())
        # Every status was reached through the workflow, so its history is complete.
        discharged = Episode.objects.filter(status="discharged").first()
        assert [c.to_status for c in discharged.status_changes.order_by("changed_at")] == [
            "referred",
            "intake",
            "active",
            "discharged",
        ]
        assert discharged.admission_date
        assert discharged.discharge_date >= discharged.admission_date

        plan = TreatmentPlan.objects.filter(episode__program=adult).first()
        assert (plan.required_hours_per_week, plan.required_days_per_week) == (9, 3)
        windows = [(w.weekday, f"{w.start_time:%H:%M}", f"{w.end_time:%H:%M}") for w in plan.availability.all()]
        assert windows == [(day, "09:00", "12:30") for day in range(5)]

        couples = list(Couple.objects.filter(ended_on__isnull=True))
        assert len(couples) == 2
        for couple in couples:
            for partner in (couple.partner_a, couple.partner_b):
                episode = partner.episodes.get()
                assert (episode.program.name, episode.status) == ("Couples IOP", "active")


def test_summit_is_its_own_tenant(seeded):
    orgs, _ = seeded
    harbor, summit = orgs["harbor"], orgs["summit"]
    assert (summit.name, summit.timezone) == ("Summit Recovery IOP", "America/Chicago")
    with tenant_context(harbor.id):
        harbor_clients = set(Client.objects.values_list("pk", flat=True))
    with tenant_context(summit.id):
        summit_clients = set(Client.all_objects.values_list("pk", flat=True))
        assert list(Program.objects.values_list("name", flat=True)) == ["SUD IOP"]
        assert 3 <= len(summit_clients) <= 10
        assert not Couple.objects.exists()
        emails = set(Membership.objects.values_list("user__email", flat=True))
        assert emails == {"va@summit.test", "counselor@summit.test"}
    assert harbor_clients.isdisjoint(summit_clients)


def test_staff_logins_have_their_roles_and_the_printed_password(seeded):
    orgs, output = seeded
    assert f"Demo logins (password for all: {DEFAULT_DEMO_PASSWORD})" in output
    for email, (slug, role) in DEMO_EMAILS.items():
        assert email in output
        user = User.objects.get(email=email)
        assert user.is_active
        assert user.check_password(DEFAULT_DEMO_PASSWORD)
        assert not user.is_superuser
        with tenant_context(orgs[slug].id):
            assert Membership.objects.get(user=user).role == role
    with tenant_context(orgs["harbor"].id):
        profile = StaffProfile.objects.get(membership__user__email="clinician@harbor.test")
        assert profile.can_facilitate


def test_demo_password_comes_from_the_environment_and_a_changed_one_is_applied(seeded, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "another-demo-password")
    output = seed()
    assert "password for all: another-demo-password" in output
    assert f"Changed the password of {len(DEMO_EMAILS)} existing demo login(s) to DEMO_PASSWORD." in output
    assert User.objects.get(email="va@summit.test").check_password("another-demo-password")


def test_a_demo_login_signs_in_through_allauth_when_mfa_is_off(seeded, client, settings):
    settings.IOP_REQUIRE_MFA = False
    response = client.post("/accounts/login/", {"login": "va@harbor.test", "password": DEFAULT_DEMO_PASSWORD})
    assert response.status_code == 302, response.content[:500]
    assert client.session["_auth_user_id"] == str(User.objects.get(email="va@harbor.test").pk)


def test_the_output_warns_when_mfa_enforcement_is_off(seeded, settings):
    settings.IOP_REQUIRE_MFA = False
    assert "WARNING: MFA enforcement is OFF for this demo" in seed()


# --- The group schedule ------------------------------------------------------------------------------


def _next_week(organization) -> tuple[dt.date, dt.datetime, dt.datetime]:
    """Next week of the organization: wholly in the future, so the seed's schedule is all there."""
    start = week_start_for(organization, organization.local_today()) + dt.timedelta(days=7)
    midnight = dt.time(0)
    end = start + dt.timedelta(days=7)
    return start, organization.local_datetime(start, midnight), organization.local_datetime(end, midnight)


def test_harbor_has_a_realistic_week_of_groups(seeded):
    harbor = seeded[0]["harbor"]
    with tenant_context(harbor.id):
        types = {t.name: t for t in GroupType.objects.all()}
        assert {
            "Process group",
            "Skills training (DBT)",
            "Psychoeducation",
            "Couples group",
            "Relapse prevention",
        } <= set(types)
        assert not types["Community check-in"].counts_toward_hours
        assert all(t.counts_toward_hours for name, t in types.items() if name != "Community check-in")

        groups = list(Group.objects.all())
        assert 6 <= len(groups) <= 9
        assert all(8 <= g.capacity <= 12 for g in groups)
        facilitators = StaffProfile.objects.filter(can_facilitate=True, qualifications__isnull=False)
        facilitators = facilitators.distinct()
        assert facilitators.count() >= 3
        assert facilitators.filter(membership__user__email="clinician@harbor.test").exists()
        for group in groups:
            assert FacilitatorQualification.objects.filter(
                staff_profile=group.lead_facilitator, group_type=group.group_type
            ).exists(), group.name

        week_start, start, end = _next_week(harbor)
        sessions = list(selectors.session_list(organization=harbor, start=start, end=end))
        for offset in range(5):  # Monday to Friday, 9:00–12:30 Eastern
            day = [s for s in sessions if s.local_date == week_start + dt.timedelta(days=offset)]
            first = min(s.starts_at for s in day).astimezone(harbor.tzinfo)
            last = max(s.ends_at for s in day).astimezone(harbor.tzinfo)
            assert (f"{first:%H:%M}", f"{last:%H:%M}") == ("09:00", "12:30")
        assert {s.local_date.weekday() for s in sessions} == {0, 1, 2, 3, 4}
        assert all(s.booked_count <= s.capacity for s in sessions)


def test_harbor_has_a_full_group_with_a_waitlist(seeded):
    harbor = seeded[0]["harbor"]
    with tenant_context(harbor.id):
        _, start, end = _next_week(harbor)
        sessions = selectors.session_list(organization=harbor, start=start, end=end)
        full = [s for s in sessions if s.booked_count == s.capacity and s.waitlist_count > 0]
        assert full, "no full session with a waitlist next week"
        assert {s.group.name for s in full} == {"Relapse Prevention"}


def test_harbor_has_an_absence_next_week_leaving_sessions_uncovered(seeded):
    harbor = seeded[0]["harbor"]
    with tenant_context(harbor.id):
        week_start, start, end = _next_week(harbor)
        absence = FacilitatorAbsence.objects.get()
        assert week_start <= absence.start_date <= absence.end_date < week_start + dt.timedelta(days=7)
        uncovered = list(selectors.uncovered_sessions(organization=harbor, start=start, end=end))
        assert uncovered
        assert all(absence.start_date <= s.local_date <= absence.end_date for s in uncovered)
        assert {s.group.lead_facilitator for s in uncovered} == {absence.staff_profile}
        # Someone qualified and free can cover each of them.
        assert all(selectors.coverage_suggestions(session=s) for s in uncovered)


def test_every_active_harbor_client_is_placed_or_on_the_gaps_worklist(seeded):
    harbor = seeded[0]["harbor"]
    with tenant_context(harbor.id):
        active = list(Episode.objects.filter(status="active"))
        gaps = {gap.episode.pk: gap for gap in selectors.scheduling_gaps(organization=harbor)}
        placed = set(Placement.objects.filter(is_active=True).values_list("episode_id", flat=True))
        assert all(e.pk in placed or e.pk in gaps for e in active)
        # A couple of clients are deliberately short; everyone else gets their 9 hours on 3 days.
        assert 1 <= len(gaps) <= 3, [g.problems for g in gaps.values()]
        week_start, _, _ = _next_week(harbor)
        hours = selectors.scheduled_minutes_by_episode(
            organization=harbor, episode_ids=[e.pk for e in active], week_start=week_start
        )
        weeks = [hours.get(e.pk) for e in active]
        on_plan = [w for w in weeks if w is not None and w.scheduled_minutes >= 540 and w.days >= 3]
        assert len(on_plan) == len(active) - len(gaps)
        assert RosterEntry.objects.filter(status="waitlisted", episode_id__in=gaps).exists()


def test_summit_has_its_own_groups_with_its_clients_placed(seeded):
    summit = seeded[0]["summit"]
    with tenant_context(summit.id):
        assert 1 <= Group.objects.count() <= 2
        active = Episode.objects.filter(status="active")
        placed = set(Placement.objects.values_list("episode_id", flat=True))
        assert placed == set(active.values_list("pk", flat=True))
        assert not selectors.scheduling_gaps(organization=summit)
        assert not FacilitatorAbsence.objects.exists()


# --- Harbor's attendance ------------------------------------------------------------------------------


def test_every_session_held_in_four_weeks_and_this_week_has_its_roll_call(demo):
    now = timezone.now()
    first_week = demo.this_week - 4 * WEEK
    assert "attendance records" in demo.output
    held = RosterEntry.objects.filter(
        status=RosterStatus.BOOKED, session__local_date__gte=first_week, session__ends_at__lte=now
    )
    assert held.count() > 700
    assert not held.filter(attendance__isnull=True).exists()
    assert not sessions_missing_attendance(organization=demo.harbor, now=now).exists()
    for weeks_ago in (4, 3, 2, 1):
        start = demo.this_week - weeks_ago * WEEK
        week = AttendanceRecord.objects.filter(session__local_date__gte=start, session__local_date__lt=start + WEEK)
        assert week.count() > 150, start
    held_this_week = AttendanceRecord.objects.filter(session__local_date__gte=demo.this_week).exists()
    assert held_this_week == (demo.moment != "monday_early")

    # Recorded by the session's lead, a few minutes after it ended: never a late entry.
    records = list(AttendanceRecord.objects.select_related("session"))
    assert not [r for r in records if r.is_late_entry]
    assert all(r.session.ends_at <= r.recorded_at <= r.session.ends_at + dt.timedelta(hours=1) for r in records)
    leads = SessionFacilitator.objects.filter(role="lead")
    leads = dict(leads.values_list("session_id", "staff_profile__membership__user"))
    assert all(r.recorded_by_id == leads[r.session_id] for r in records if r.session_id in leads)


def test_attendance_is_realistic_mostly_present_with_reasons_for_absences(demo):
    records = list(AttendanceRecord.objects.select_related("session"))
    statuses = Counter(r.status for r in records)
    assert statuses[AttendanceStatus.PRESENT] > 0.8 * len(records)
    for status in (S := AttendanceStatus).LATE, S.LEFT_EARLY, S.ABSENT_EXCUSED, S.NO_SHOW:
        assert statuses[status], status
    late = [r for r in records if r.status == AttendanceStatus.LATE]
    assert all(5 <= (r.arrived_at - r.session.starts_at).total_seconds() / 60 <= 20 for r in late)
    absent = [r for r in records if r.is_absent]
    assert all(r.absence_reason for r in absent)
    assert {"illness", "transportation", "medical"} <= {r.absence_reason for r in absent}


def test_this_week_most_are_on_track_one_at_risk_and_some_cannot_reach(demo):
    states = Counter(s.state for s in demo.week(0).values())
    assert states[PaceState.ON_TRACK] > sum(states.values()) / 2, states
    assert states[PaceState.CANNOT_REACH] >= 1, states
    if demo.moment == "saturday":
        # Nothing left this week: nobody can be at risk; the at-risk flags are past weeks'.
        assert not states[PaceState.AT_RISK]
        assert ThresholdFlag.objects.filter(state=PaceState.AT_RISK, week_start__lt=demo.this_week).exists()
    else:
        assert states[PaceState.AT_RISK] >= 1, states
    # The sweep has flagged them.
    for summary in demo.week(0).values():
        if summary.state != PaceState.ON_TRACK:
            flag = ThresholdFlag.objects.get(episode=summary.episode, week_start=demo.this_week, state=summary.state)
            assert flag.is_open


def test_the_at_risk_client_missed_sessions_held_or_was_excused_from_some_ahead(demo):
    at_risk = [s for s in demo.week(0).values() if s.state == PaceState.AT_RISK]
    released = RosterEntry.objects.filter(status=RosterStatus.REMOVED, reason=EXCUSED_AHEAD)
    if demo.moment == "monday_early":
        # Nothing held yet: a day (or sessions) ahead given up, excused in advance.
        assert {e.episode_id for e in released} == {s.episode.pk for s in at_risk}
        assert all(e.session.starts_at > timezone.now() for e in released)
    elif demo.moment == "tuesday":
        assert not released.exists()
        for summary in at_risk:
            assert summary.remaining, "at risk means sessions are still ahead"
            assert any(line.record and line.record.is_absent for line in summary.lines)


def test_the_clients_short_of_hours_cannot_reach_them(demo):
    short = [s for s in demo.week(0).values() if s.scheduled_minutes < s.requirement.minutes_per_week]
    assert len(short) == 2
    assert {s.state for s in short} == {PaceState.CANNOT_REACH}


def test_past_weeks_closed_below_the_minimum_for_a_few_and_staff_followed_up(demo):
    below = ThresholdFlag.objects.filter(state=PaceState.BELOW_MINIMUM, week_start__lt=demo.this_week)
    assert below.exists()
    # Most past weeks met the hours.
    for weeks_ago in (1, 2, 3, 4):
        states = Counter(s.state for s in demo.week(weeks_ago).values())
        assert states[PaceState.ON_TRACK] > 0.7 * sum(states.values()), (weeks_ago, states)
        assert not states[PaceState.AT_RISK] and not states[PaceState.CANNOT_REACH]
    # The flu two weeks ago: at risk, then cannot reach, then below the minimum, resolved by staff.
    two_weeks_ago = demo.this_week - 2 * WEEK
    flu = AttendanceRecord.objects.filter(note="Flu.", session__local_date__gte=two_weeks_ago).first()
    flags = {f.state: f for f in ThresholdFlag.objects.filter(episode=flu.episode, week_start=two_weeks_ago)}
    assert set(flags) == {PaceState.AT_RISK, PaceState.CANNOT_REACH, PaceState.BELOW_MINIMUM}
    assert flags[PaceState.AT_RISK].raised_at < flags[PaceState.CANNOT_REACH].raised_at
    assert flags[PaceState.BELOW_MINIMUM].resolved_by is not None
    # Only last week's shortfalls are still open; flags the pace moved away from are closed.
    open_past = ThresholdFlag.objects.filter(resolved_at__isnull=True, week_start__lt=demo.this_week)
    assert set(open_past.values_list("week_start", "state")) <= {(demo.this_week - WEEK, PaceState.BELOW_MINIMUM)}


def test_two_no_shows_in_a_row_raise_an_open_absence_alert(demo):
    alert = AbsenceAlert.objects.get(kind=AbsenceRuleKind.CONSECUTIVE_UNEXCUSED, acknowledged_at__isnull=True)
    assert alert.record.status == AttendanceStatus.NO_SHOW
    assert alert.raised_at > timezone.now() - dt.timedelta(days=3)
    # Older alerts were followed up the next day.
    old = AbsenceAlert.objects.filter(raised_at__lt=timezone.now() - dt.timedelta(days=3))
    assert old.exists()
    assert all(a.acknowledged_at == a.raised_at + dt.timedelta(days=1) and a.action_taken for a in old)


def test_notices_of_what_staff_closed_are_read(demo):
    flag = ThresholdFlag.objects.filter(resolved_at__isnull=False).first()
    notices = Notification.objects.filter(dedupe_key=f"flag:{flag.pk}")
    assert notices.exists()
    assert not notices.filter(read_at__isnull=True).exists()
    assert Notification.objects.filter(read_at__isnull=True, kind="absence_alert").exists()


def test_a_second_run_records_nothing(demo):
    def counts() -> dict:
        return {
            "records": sorted(AttendanceRecord.objects.values_list("roster_entry_id", "status", "updated_at")),
            "flags": sorted(ThresholdFlag.objects.values_list("pk", "resolved_at")),
            "alerts": sorted(AbsenceAlert.objects.values_list("pk", "acknowledged_at")),
            "notices": Notification.objects.count(),
            "seats": sorted(RosterEntry.objects.values_list("pk", "status")),
        }

    before = counts()
    output = seed()
    assert counts() == before
    assert "harbor: Harbor Virtual IOP (America/New_York): already seeded, nothing to add." in output


# --- Authorizations ------------------------------------------------------------------------------


def test_every_client_has_coverage_and_a_verification_some_due_again(demo):
    from authorizations.coverage.selectors import verification_is_stale
    from authorizations.models import BenefitVerification, Coverage, FeeScheduleEntry, Payer, PayerRule

    clients = Client.objects.count()
    assert Coverage.objects.values("client").distinct().count() == clients
    assert BenefitVerification.objects.values("coverage").distinct().count() == clients
    assert Payer.objects.count() == 3 and PayerRule.objects.count() == 3 and FeeScheduleEntry.objects.exists()
    today = demo.harbor.local_today()
    stale = [v for v in BenefitVerification.objects.all() if verification_is_stale(v, today)]
    assert 0 < len(stale) < clients // 3


def test_one_client_is_verified_from_a_271_as_the_spouse_on_a_partners_plan(demo):
    from authorizations.models import BenefitVerification

    (verification,) = BenefitVerification.objects.filter(method="electronic").select_related("coverage__client")
    coverage, client = verification.coverage, verification.coverage.client
    assert (coverage.subscriber_relationship, coverage.subscriber_name) == ("spouse", f"Morgan {client.last_name}")
    assert (verification.plan_name, verification.coverage_level) == ("BLUE HARBOR PPO GOLD", "FAM")
    assert (verification.copay, verification.deductible_met) == (35, 350)
    lines = verification.benefit_lines.all()
    assert lines.count() == 13
    assert sorted((line.benefit, line.amount or line.percent) for line in lines.filter(network="out")) == [
        ("A", 40),
        ("B", 70),
        ("C", 3000),
        ("G", 12000),
    ]


def test_authorizations_one_nearly_used_up_one_ending_in_5_days_and_the_open_cases(demo):
    from authorizations.models import (
        Authorization,
        AuthorizationRequest,
        CertificationType,
        RequestPacket,
        RequestStatus,
        UnauthorizedDay,
    )
    from authorizations.units.selectors import unit_figures_load

    today = demo.harbor.local_today()
    active = list(Authorization.objects.filter(end_date__gte=today))
    assert len(active) >= 15
    assert [a.end_date - today for a in active].count(dt.timedelta(days=5)) == 1
    figures = unit_figures_load(active, organization=demo.harbor).values()
    assert sum(1 for f in figures if f.remaining == 1) >= 1
    pended = AuthorizationRequest.objects.get(status=RequestStatus.PENDED)
    assert pended.certification_type == CertificationType.RENEWAL and pended.information_due > today
    awaiting = AuthorizationRequest.objects.get(status=RequestStatus.SUBMITTED)
    assert UnauthorizedDay.objects.filter(episode=awaiting.episode, resolved_at__isnull=True).exists()
    packet = RequestPacket.objects.get()
    assert [r.status for r in packet.requests.all()] == [RequestStatus.DRAFT, RequestStatus.DRAFT]
    assert {r.coverage.client_id for r in packet.requests.all()} == {
        packet.couple.partner_a_id,
        packet.couple.partner_b_id,
    }
