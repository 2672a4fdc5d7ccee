"""The team page: org admins invite staff, change roles, deactivate members, end sessions."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from iop.accounts.models import Invitation
from iop.tenancy.context import tenant_context
from iop.tenancy.models import Membership
from tests.conftest import login, make_member
from tests.pages import org_url, post_refused

pytestmark = pytest.mark.django_db


def invitations(organization) -> list[Invitation]:
    with tenant_context(organization.id):
        return list(Invitation.objects.all())


def test_invite_creates_the_invitation_and_emails_the_link(
    as_admin, harbor, eager_celery, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = as_admin.post(org_url("invitation_create", harbor), {"email": "New.VA@Harbor.test", "role": "va"})

    assert response.status_code == 302
    [invitation] = invitations(harbor)
    assert (invitation.email, invitation.role, invitation.status) == ("new.va@harbor.test", "va", "pending")
    [email] = mail.outbox
    assert email.to == ["new.va@harbor.test"]
    assert "Harbor Virtual IOP" in email.subject
    assert re.search(r"/invitations/[^/\s]+/", email.body)
    page = as_admin.get(response["Location"]).content.decode()
    assert "Invitation sent to new.va@harbor.test." in page
    assert "new.va@harbor.test" in page.split("Pending invitations")[1]


def test_invite_with_bad_input_shows_errors_and_creates_nothing(as_admin, harbor):
    response = post_refused(
        as_admin,
        org_url("invitation_create", harbor),
        {"email": "not-an-address", "role": "owner"},
        page=org_url("team", harbor),
    )

    body = response.content.decode()
    assert 'value="not-an-address"' in body
    assert 'id="id_email_error"' in body
    assert 'id="id_role_error"' in body
    assert invitations(harbor) == []


def test_inviting_an_existing_member_is_refused(as_admin, harbor, harbor_va):
    response = post_refused(
        as_admin,
        org_url("invitation_create", harbor),
        {"email": "va@harbor.test", "role": "va"},
        page=org_url("team", harbor),
    )

    assert "Already a member." in response.content.decode()
    assert invitations(harbor) == []


def test_revoking_a_pending_invitation(as_admin, harbor):
    as_admin.post(org_url("invitation_create", harbor), {"email": "later@harbor.test", "role": "intake"})
    [invitation] = invitations(harbor)

    response = as_admin.post(org_url("invitation_revoke", harbor, invitation_id=invitation.pk))

    assert response.status_code == 302
    [invitation] = invitations(harbor)
    assert invitation.status == "revoked"
    page = as_admin.get(org_url("team", harbor)).content.decode()
    assert "The invitation for later@harbor.test was revoked." in page
    assert "later@harbor.test" not in page.split("Pending invitations")[1]


@pytest.mark.parametrize("role_fixture", ["harbor_va", "harbor_intake", "harbor_clinician"])
def test_non_admins_get_403_on_the_team_pages(client, harbor, role_fixture, request):
    login(client, request.getfixturevalue(role_fixture))

    assert client.get(org_url("team", harbor)).status_code == 403
    assert client.post(org_url("invitation_create", harbor), {"email": "x@y.test", "role": "va"}).status_code == 403
    assert invitations(harbor) == []


def test_admin_changes_a_members_role(as_admin, harbor, harbor_va):
    with tenant_context(harbor.id):
        membership = Membership.objects.get(user=harbor_va)

    response = as_admin.post(
        org_url("membership_edit", harbor, membership_id=membership.pk),
        {"role": "clinician", "is_active": "on"},
    )

    assert response.status_code == 302
    with tenant_context(harbor.id):
        assert Membership.objects.get(pk=membership.pk).role == "clinician"


def test_admin_cannot_remove_their_own_admin_access(as_admin, harbor, harbor_admin):
    with tenant_context(harbor.id):
        membership = Membership.objects.get(user=harbor_admin)

    response = as_admin.post(org_url("membership_edit", harbor, membership_id=membership.pk), {"role": "va"})

    assert response.status_code == 422
    assert "You cannot remove your own administrator access." in response.content.decode()
    with tenant_context(harbor.id):
        assert Membership.objects.get(pk=membership.pk).role == "org_admin"


def test_deactivated_member_loses_access(client, as_admin, harbor, harbor_va):
    from django.test import Client as WebClient

    va_browser = login(WebClient(), harbor_va)
    assert va_browser.get(org_url("client_list", harbor)).status_code == 200
    with tenant_context(harbor.id):
        membership = Membership.objects.get(user=harbor_va)

    as_admin.post(org_url("membership_edit", harbor, membership_id=membership.pk), {"role": "va"})

    after = va_browser.get(org_url("client_list", harbor))
    assert after.status_code == 302
    assert "/accounts/login/" in after["Location"]


def test_ending_a_members_sessions_signs_them_out(as_admin, harbor, harbor_va):
    from django.test import Client as WebClient

    va_browser = WebClient()
    assert va_browser.login(email="va@harbor.test", password="correct-horse-battery-staple")
    assert va_browser.get(org_url("client_list", harbor)).status_code == 200
    with tenant_context(harbor.id):
        membership = Membership.objects.get(user=harbor_va)

    response = as_admin.post(org_url("membership_sessions_end", harbor, membership_id=membership.pk))

    assert response.status_code == 302
    after = va_browser.get(org_url("client_list", harbor))
    assert after.status_code == 302
    assert "/accounts/login/" in after["Location"]


def test_a_member_of_another_organization_cannot_be_edited(as_admin, harbor, summit, summit_va):
    with tenant_context(summit.id):
        membership = Membership.objects.get(user=summit_va)

    assert as_admin.get(org_url("membership_edit", harbor, membership_id=membership.pk)).status_code == 404
    assert as_admin.post(org_url("membership_sessions_end", harbor, membership_id=membership.pk)).status_code == 404


def test_org_switcher_lists_the_users_other_organizations(client, harbor, summit):
    user = make_member(harbor, "va", "both@example.test")
    with tenant_context(summit.id):
        from tests.factories import MembershipFactory

        MembershipFactory(organization=summit, user=user, role="clinician")
    login(client, user)

    home = client.get("/")
    page = client.get(org_url("client_list", harbor)).content.decode()

    assert home.status_code == 200
    assert "Choose an organization" in home.content.decode()
    assert "Switch organization" in page
    assert reverse("today:today", kwargs={"org_slug": summit.slug}) in page


def test_home_goes_straight_to_the_only_organization(as_va, harbor):
    response = as_va.get("/")

    assert response.status_code == 302
    assert response["Location"] == reverse("today:today", kwargs={"org_slug": harbor.slug})
