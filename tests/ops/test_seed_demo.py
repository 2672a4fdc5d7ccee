"""`manage.py seed_demo`: the demo organizations, written through the services as the app role."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

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

pytestmark = pytest.mark.django_db

DEMO_EMAILS = {
    "admin@harbor.test": ("harbor", "org_admin"),
    "intake@harbor.test": ("harbor", "intake"),
    "va@harbor.test": ("harbor", "va"),
    "clinician@harbor.test": ("harbor", "clinician"),
    "va@summit.test": ("summit", "va"),
}
TENANT_MODELS = (Program, Membership, StaffProfile, Client, Episode, EpisodeStatusChange, TreatmentPlan,
                 AvailabilityWindow, Couple)


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
    return counts


@pytest.fixture
def seeded(monkeypatch):
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    output = seed()
    return {org.slug: org for org in Organization.objects.all()}, output


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
            "referred", "intake", "active", "discharged"
        ]
        assert discharged.admission_date
        assert discharged.discharge_date >= discharged.admission_date

        plan = TreatmentPlan.objects.filter(episode__program=adult).first()
        assert (plan.required_hours_per_week, plan.required_days_per_week) == (9, 3)
        windows = [
            (w.weekday, f"{w.start_time:%H:%M}", f"{w.end_time:%H:%M}") for w in plan.availability.all()
        ]
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
        assert list(Membership.objects.values_list("user__email", flat=True)) == ["va@summit.test"]
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
    assert "Changed the password of 5 existing demo login(s) to DEMO_PASSWORD." in output
    assert User.objects.get(email="va@summit.test").check_password("another-demo-password")


def test_a_demo_login_signs_in_through_allauth_when_mfa_is_off(seeded, client, settings):
    settings.IOP_REQUIRE_MFA = False
    response = client.post(
        "/accounts/login/", {"login": "va@harbor.test", "password": DEFAULT_DEMO_PASSWORD}
    )
    assert response.status_code == 302, response.content[:500]
    assert client.session["_auth_user_id"] == str(User.objects.get(email="va@harbor.test").pk)


def test_the_output_warns_when_mfa_enforcement_is_off(settings):
    settings.IOP_REQUIRE_MFA = False
    assert "WARNING: MFA enforcement is OFF for this demo" in seed()
