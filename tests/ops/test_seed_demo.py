"""`manage.py seed_demo`: the demo organizations, written through the services as the app role."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db import transaction

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
from iop.tenancy.context import tenant_context
from iop.tenancy.demo import DEFAULT_DEMO_PASSWORD
from iop.tenancy.models import Membership, Organization, Program, StaffProfile
from scheduling import selectors
from scheduling.models import (
    FacilitatorAbsence,
    FacilitatorQualification,
    Group,
    GroupType,
    Placement,
    RosterEntry,
    Session,
    SessionFacilitator,
    WeeklySlot,
)

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
)


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


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


@pytest.fixture(scope="module")
def _seeded_once(django_db_setup, django_db_blocker):
    """The first seed takes seconds (a term of sessions and rosters), so it runs once for the
    module, in a transaction rolled back at the end; each test runs in a savepoint inside it (as
    Django's setUpTestData does), so what one test changes is gone for the next."""
    with django_db_blocker.unblock(), pytest.MonkeyPatch.context() as patch:
        patch.delenv("DEMO_PASSWORD", raising=False)
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield seed()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def seeded(_seeded_once, db, monkeypatch):
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    return {org.slug: org for org in Organization.objects.all()}, _seeded_once


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


def test_the_output_warns_when_mfa_enforcement_is_off(settings):
    settings.IOP_REQUIRE_MFA = False
    assert "WARNING: MFA enforcement is OFF for this demo" in seed()


# --- The group schedule ------------------------------------------------------------------------------


def _next_week(organization) -> tuple[dt.date, dt.datetime, dt.datetime]:
    """Next week of the organization: wholly in the future, so the seed's schedule is all there."""
    start = selectors.week_start_for(organization, organization.local_today()) + dt.timedelta(days=7)
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
        assert 6 <= len(groups) <= 8
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
