"""Every refusal of the accounts app names its rule (`iop.accounts.errors`), never "invalid".

Accounts has no API endpoint: these refusals reach people through pages and the
`api_token_create` command, so they are checked at the services.
"""

from __future__ import annotations

import datetime as dt
from functools import partial

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from iop.accounts import services
from iop.accounts.errors import INVITATION_UNUSABLE
from iop.accounts.errors import AccountsErrorCode as Code
from iop.common.exceptions import ApplicationError
from iop.tenancy.context import tenant_context
from iop.tenancy.models import Membership
from tests.conftest import make_member

pytestmark = pytest.mark.django_db

STRONG = "a-long-and-unusual-passphrase-42"


@pytest.fixture
def invite(harbor, harbor_admin):
    def _invite(email="new@harbor.test", role="clinician"):
        with tenant_context(harbor.id):
            return services.invitation_create(organization=harbor, email=email, role=role, invited_by=harbor_admin)

    return _invite


def _code(call) -> str:
    with pytest.raises(ApplicationError) as refused:
        call()
    return refused.value.code


def test_invitation_refusals(harbor, harbor_admin, harbor_va, invite):
    with tenant_context(harbor.id):
        assert _code(lambda: invite(role="owner")) == Code.UNKNOWN_ROLE
        assert _code(lambda: invite(email=harbor_va.email)) == Code.ALREADY_MEMBER
        revoked = services.invitation_revoke(invitation=invite())
        assert _code(lambda: services.invitation_revoke(invitation=revoked)) == Code.INVITATION_NOT_PENDING
    token = services.invitation_signed_token(invitation=revoked)
    assert _code(lambda: services.invitation_from_token(token=token)) == Code.INVITATION_REVOKED
    assert _code(lambda: services.invitation_from_token(token="not-a-token")) == Code.INVITATION_LINK_BROKEN


def test_accepting_refusals(harbor, invite):
    invitation = invite()
    token = services.invitation_signed_token(invitation=invitation)
    accept = partial(services.invitation_accept, invitation=invitation, full_name="Dana")
    assert _code(partial(accept, password="123")) == Code.WEAK_PASSWORD
    accept(password=STRONG)
    assert _code(lambda: services.invitation_from_token(token=token)) == Code.INVITATION_USED
    assert _code(partial(accept, password=STRONG)) == Code.INVITATION_NOT_PENDING


def test_an_expired_link_is_refused(harbor, invite):
    token = services.invitation_signed_token(invitation=invite())
    later = timezone.now() + dt.timedelta(hours=settings.IOP_INVITATION_TTL_HOURS + 1)
    with time_machine.travel(later, tick=False):
        assert _code(lambda: services.invitation_from_token(token=token)) == Code.INVITATION_EXPIRED


def test_membership_and_token_refusals(harbor, harbor_admin, summit_va):
    with tenant_context(harbor.id):
        own = Membership.objects.get(user=harbor_admin)
        change = partial(services.membership_update, membership=own, is_active=True, actor=harbor_admin)
        assert _code(partial(change, role="owner")) == Code.UNKNOWN_ROLE
        assert _code(partial(change, role="va")) == Code.OWN_ADMIN_ACCESS
        token = partial(services.api_token_create, organization=harbor)
        assert _code(partial(token, user=harbor_admin, name="  ")) == Code.TOKEN_NAME_MISSING
        assert _code(partial(token, user=summit_va, name="export")) == Code.TOKEN_USER_NOT_MEMBER
        assert _code(partial(token, user=harbor_admin, name="export", expires_in_days=0)) == Code.TOKEN_LIFETIME_INVALID
    without_mfa = make_member(harbor, "va", "nomfa@harbor.test", mfa=False)
    with tenant_context(harbor.id):
        assert _code(partial(token, user=without_mfa, name="export")) == Code.TOKEN_MFA_REQUIRED


def test_the_refusals_that_make_a_link_unusable_are_the_links_own():
    assert Code.WEAK_PASSWORD not in INVITATION_UNUSABLE
    assert {Code.INVITATION_EXPIRED, Code.INVITATION_USED, Code.INVITATION_REVOKED} <= INVITATION_UNUSABLE
