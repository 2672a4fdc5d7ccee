"""Every member manages their own API tokens; the raw token is shown once."""

from __future__ import annotations

import re

import pytest

from iop.accounts import services
from iop.accounts.models import ApiToken, token_digest
from iop.tenancy.context import tenant_context
from tests.pages import org_url

pytestmark = pytest.mark.django_db


def tokens(organization) -> list[ApiToken]:
    with tenant_context(organization.id):
        return list(ApiToken.objects.all())


def test_token_is_shown_once_and_stored_as_a_digest(as_va, harbor, harbor_va):
    url = org_url("api_tokens", harbor)

    created = as_va.post(url, {"name": "EHR export", "expires_in_days": "90"})

    body = created.content.decode()
    assert created.status_code == 200
    assert "no-store" in created["Cache-Control"]
    raw = re.search(r'value="(iop_[^"]+)"', body).group(1)
    [token] = tokens(harbor)
    assert token.user_id == harbor_va.pk
    assert token.digest == token_digest(raw)
    assert token.expires_at
    assert "shown only this once" in body
    later = as_va.get(url).content.decode()
    assert raw not in later
    assert "EHR export" in later
    assert token.prefix in later


def test_token_without_a_name_is_refused(as_va, harbor):
    response = as_va.post(org_url("api_tokens", harbor), {"name": "  ", "expires_in_days": ""})

    assert response.status_code == 422
    assert 'id="id_name_error"' in response.content.decode()
    assert tokens(harbor) == []


def test_revoking_a_token(as_va, harbor, harbor_va):
    with tenant_context(harbor.id):
        issued = services.api_token_create(organization=harbor, user=harbor_va, name="Census import")

    response = as_va.post(org_url("api_token_revoke", harbor, token_id=issued.token.pk))

    assert response.status_code == 302
    [token] = tokens(harbor)
    assert token.revoked_at is not None
    assert "Revoked" in as_va.get(org_url("api_tokens", harbor)).content.decode()


def test_members_see_and_revoke_only_their_own_tokens(as_va, harbor, harbor_admin):
    with tenant_context(harbor.id):
        admins = services.api_token_create(organization=harbor, user=harbor_admin, name="Admin's own token")

    page = as_va.get(org_url("api_tokens", harbor)).content.decode()
    revoke = as_va.post(org_url("api_token_revoke", harbor, token_id=admins.token.pk))

    assert "Admin&#x27;s own token" not in page
    assert "Admin's own token" not in page
    assert revoke.status_code == 404
    assert tokens(harbor)[0].revoked_at is None
