"""Accepting an invitation is the only way a staff account is created."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from iop.accounts import services
from iop.accounts.models import User
from iop.tenancy.context import tenant_context
from iop.tenancy.models import Membership
from tests.conftest import make_member

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-and-unusual-passphrase-42"


@pytest.fixture
def invitation(harbor, harbor_admin):
    with tenant_context(harbor.id):
        return services.invitation_create(
            organization=harbor, email="new.clinician@harbor.test", role="clinician", invited_by=harbor_admin
        )


@pytest.fixture
def link(invitation) -> str:
    return f"/invitations/{services.invitation_signed_token(invitation=invitation)}/"


def accept(client, link, **overrides):
    data = {"full_name": "Dana Whitfield", "password1": PASSWORD, "password2": PASSWORD, **overrides}
    return client.post(link, data)


def membership_of(organization, email):
    with tenant_context(organization.id):
        return Membership.objects.filter(user__email=email).first()


def test_valid_invitation_creates_the_account_and_membership(client, harbor, invitation, link):
    page = client.get(link)
    assert page.status_code == 200
    assert "Join Harbor Virtual IOP" in page.content.decode()

    response = accept(client, link)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    user = User.objects.get(email="new.clinician@harbor.test")
    assert user.full_name == "Dana Whitfield"
    assert user.check_password(PASSWORD)
    assert membership_of(harbor, user.email).role == "clinician"
    login_page = client.get("/accounts/login/").content.decode()
    assert "You have joined Harbor Virtual IOP." in login_page


def test_the_new_account_can_sign_in_with_its_password(client, harbor, link):
    accept(client, link)

    response = client.post("/accounts/login/", {"login": "new.clinician@harbor.test", "password": PASSWORD})

    # Signed in (MFA setup comes next when the organization requires it).
    assert response.status_code == 302
    assert "/accounts/login/" not in response["Location"]


def test_expired_invitation_is_refused(client, harbor, link):
    later = timezone.now() + dt.timedelta(hours=73)
    with time_machine.travel(later, tick=False):
        page = client.get(link)
        posted = accept(client, link)

    assert page.status_code == 400
    assert posted.status_code == 400
    assert "This invitation has expired. Ask your administrator for a new one." in page.content.decode()
    assert not User.objects.filter(email="new.clinician@harbor.test").exists()


def test_used_invitation_cannot_be_used_again(client, harbor, link):
    accept(client, link)

    again = client.get(link)
    reused = accept(
        client,
        link,
        full_name="Someone Else",
        password1="another-long-passphrase-7",
        password2="another-long-passphrase-7",
    )

    assert again.status_code == 400
    assert reused.status_code == 400
    assert "This invitation has already been used. Sign in instead." in again.content.decode()
    user = User.objects.get(email="new.clinician@harbor.test")
    assert user.full_name == "Dana Whitfield"
    assert user.check_password(PASSWORD)


def test_tampered_link_is_refused(client, harbor, invitation):
    token = services.invitation_signed_token(invitation=invitation)
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")

    page = client.get(f"/invitations/{tampered}/")
    posted = accept(client, f"/invitations/{tampered}/")

    assert page.status_code == 400
    assert posted.status_code == 400
    assert "This invitation link is not valid." in page.content.decode()
    assert not User.objects.filter(email="new.clinician@harbor.test").exists()


def test_revoked_invitation_is_refused(client, harbor, invitation, link):
    with tenant_context(harbor.id):
        services.invitation_revoke(invitation=invitation)

    assert "This invitation link is no longer valid." in client.get(link).content.decode()


def test_mismatched_or_weak_passwords_show_errors_and_create_nothing(client, harbor, link):
    mismatch = accept(client, link, password2=PASSWORD + "x")
    weak = accept(client, link, password1="password", password2="password")

    assert mismatch.status_code == 422
    assert "The two passwords do not match." in mismatch.content.decode()
    assert weak.status_code == 422
    assert 'id="id_password1_error"' in weak.content.decode()
    assert not User.objects.filter(email="new.clinician@harbor.test").exists()


def test_existing_staff_member_joins_without_a_new_password(client, harbor, summit, harbor_admin):
    existing = make_member(summit, "va", "shared@example.test")
    with tenant_context(harbor.id):
        invitation = services.invitation_create(
            organization=harbor, email="shared@example.test", role="intake", invited_by=harbor_admin
        )
    link = f"/invitations/{services.invitation_signed_token(invitation=invitation)}/"

    page = client.get(link).content.decode()
    response = client.post(link, {})

    assert "You already have an IOP Ops account." in page
    assert 'name="password1"' not in page
    assert response.status_code == 302
    assert membership_of(harbor, existing.email).role == "intake"


def test_signup_page_is_closed_and_creates_no_user(client, db):
    page = client.get("/accounts/signup/")
    posted = client.post(
        "/accounts/signup/", {"email": "walk-in@example.test", "password1": PASSWORD, "password2": PASSWORD}
    )

    assert "Accounts are by invitation only" in page.content.decode()
    assert "Accounts are by invitation only" in posted.content.decode()
    assert not User.objects.filter(email="walk-in@example.test").exists()


def test_login_page_explains_a_timeout(client, db):
    assert "your session timed out" in client.get("/accounts/login/?timeout=1").content.decode()
    assert "your session timed out" not in client.get("/accounts/login/").content.decode()
