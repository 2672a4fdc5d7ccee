"""The platform's panels on Today, read from the page as each member sees it: the intake
specialist's referrals to admit (iop.clients) and the organization admin's team invitations
(iop.accounts). A line goes once what it names is done, another organization's rows never show,
and a member without the panel's permission does not get it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from iop.accounts.models import Invitation
from iop.accounts.services import invitation_create, invitation_revoke
from iop.clients.models import Episode
from iop.clients.services import episode_transition
from iop.tenancy import permissions
from iop.tenancy.context import tenant_context
from iop.tenancy.models import Role

from ..conftest import login, make_member
from ..factories import ClientFactory, EpisodeFactory
from .panels import keys, lines, panel, today_board

pytestmark = pytest.mark.django_db


def _referral(organization, program, *, days_ago: int = 3) -> Episode:
    return EpisodeFactory(
        organization=organization,
        client=ClientFactory(organization=organization, last_name="Rivera", first_name="Ana"),
        program=program,
        status="referred",
        referral_date=organization.local_today() - dt.timedelta(days=days_ago),
        admission_date=None,
    )


@pytest.fixture
def referral(in_harbor, harbor_program) -> Episode:
    return _referral(in_harbor, harbor_program)


# --- Referrals to admit (intake) --------------------------------------------------------------------------------


def test_intake_sees_a_referral_until_it_is_admitted(as_intake, referral, harbor_intake):
    (line,) = lines(as_intake, "referrals_to_admit")
    assert (line.text, line.status) == ("Rivera, Ana", "Referred")
    assert line.detail.startswith("Referred ") and line.detail.endswith("(3 days ago)")
    assert str(referral.client_id) in line.url and line.url.endswith("#status")
    assert line.client_id == referral.client_id

    today = referral.organization.local_today()
    episode_transition(episode=referral, to_status="intake", effective_date=today, actor=harbor_intake)
    assert lines(as_intake, "referrals_to_admit")[0].status == "Intake"

    episode_transition(episode=referral, to_status="active", effective_date=today, actor=harbor_intake)
    assert lines(as_intake, "referrals_to_admit") == []


def test_the_oldest_referral_comes_first(as_intake, in_harbor, harbor_program, referral):
    older = _referral(in_harbor, harbor_program, days_ago=9)
    assert [line.client_id for line in lines(as_intake, "referrals_to_admit")] == [older.client_id, referral.client_id]


def test_referrals_are_the_intake_specialist_s_day(as_va, referral):
    assert "referrals_to_admit" not in keys(as_va)


def test_an_admin_sees_the_referrals_as_a_count(as_admin, referral):
    loaded = panel(today_board(as_admin), "referrals_to_admit")
    assert loaded is not None and (loaded.items.count, loaded.lines_shown) == (1, False)


def test_another_organization_s_referrals_never_show(as_intake, summit, summit_program, referral):
    with tenant_context(summit.id):
        theirs = _referral(summit, summit_program)
    assert [line.client_id for line in lines(as_intake, "referrals_to_admit")] == [referral.client_id]
    assert theirs.client_id not in today_board(as_intake).client_ids


def test_without_the_permission_to_admit_there_is_no_panel(as_intake, referral, monkeypatch):
    actions = permissions.ROLE_ACTIONS[Role.INTAKE] - {permissions.EPISODE_TRANSITION}
    monkeypatch.setitem(permissions.ROLE_ACTIONS, Role.INTAKE, actions)
    assert "referrals_to_admit" not in keys(as_intake)


# --- Team invitations (admins) ------------------------------------------------------------------------------------


@pytest.fixture
def invitation(in_harbor, harbor_admin) -> Invitation:
    return invitation_create(organization=in_harbor, email="new.va@harbor.test", role=Role.VA, invited_by=harbor_admin)


def test_the_admin_sees_a_pending_invitation_until_it_is_revoked(as_admin, invitation):
    (line,) = lines(as_admin, "team_invitations")
    assert line.text == "new.va@harbor.test — Virtual assistant"
    assert line.status.startswith("Expires ") and line.detail == "Email not sent yet"
    assert line.url.endswith("/team/#pending-title") and line.client_id is None

    Invitation.objects.filter(pk=invitation.pk).update(sent_at=timezone.now())
    assert lines(as_admin, "team_invitations")[0].detail == ""

    invitation_revoke(invitation=invitation)
    assert lines(as_admin, "team_invitations") == []


@pytest.mark.parametrize("change", ["accepted", "expired"])
def test_accepted_or_expired_invitations_are_not_pending(as_admin, invitation, change):
    if change == "accepted":
        Invitation.objects.filter(pk=invitation.pk).update(accepted_at=timezone.now())
    else:
        Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    assert lines(as_admin, "team_invitations") == []


def test_an_invitation_expiring_within_a_day_is_a_warning(as_admin, invitation):
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() + dt.timedelta(hours=5))
    assert lines(as_admin, "team_invitations")[0].tone == "warn"


def test_another_organization_s_invitations_never_show(as_admin, summit, invitation):
    summit_admin = make_member(summit, Role.ORG_ADMIN, "admin@summit.test")
    with tenant_context(summit.id):
        invitation_create(organization=summit, email="their.va@summit.test", role=Role.VA, invited_by=summit_admin)
    assert [line.text.split(" — ")[0] for line in lines(as_admin, "team_invitations")] == ["new.va@harbor.test"]


@pytest.mark.parametrize("role", [Role.VA, Role.INTAKE, Role.CLINICIAN])
def test_invitations_are_the_admin_s_only(client, harbor, invitation, role):
    login(client, make_member(harbor, role, f"{role}-2@harbor.test"))
    assert "team_invitations" not in keys(client)


def test_an_admin_without_the_permission_to_manage_members_has_no_panel(as_admin, invitation, monkeypatch):
    actions = permissions.ROLE_ACTIONS[Role.ORG_ADMIN] - {permissions.MEMBER_MANAGE}
    monkeypatch.setitem(permissions.ROLE_ACTIONS, Role.ORG_ADMIN, actions)
    assert "team_invitations" not in keys(as_admin)
