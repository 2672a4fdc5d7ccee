"""Every member manages their own API tokens; the raw token is shown once."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.test import APIClient

from iop.accounts import services
from iop.accounts.errors import AccountsErrorCode
from iop.accounts.models import ApiToken, token_digest
from iop.common.dates import date_full, datetime_full
from iop.common.exceptions import ApplicationError
from iop.tenancy.context import tenant_context
from tests.conftest import login, make_member
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


# --- MFA, expiry and last use ----------------------------------------------------------------------


def _bearer(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@pytest.fixture
def without_mfa(harbor):
    return make_member(harbor, "va", "nomfa@harbor.test", mfa=False)


def test_where_mfa_is_required_only_a_member_with_mfa_creates_tokens(settings, client, harbor, without_mfa):
    with tenant_context(harbor.id), pytest.raises(ApplicationError) as refused:
        services.api_token_create(organization=harbor, user=without_mfa, name="EHR export")
    assert refused.value.code == AccountsErrorCode.TOKEN_MFA_REQUIRED
    assert "two-factor authentication" in refused.value.message
    with pytest.raises(CommandError, match="Set up two-factor authentication"):
        call_command("api_token_create", "--email", without_mfa.email, "--org", "harbor", stdout=io.StringIO())

    # The page does not rely on the sign-in middleware (which sends such a member to MFA setup
    # first): without it, the page still explains and refuses.
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if not m.endswith("RequireMFAMiddleware")]
    login(client, without_mfa)
    page = client.get(org_url("api_tokens", harbor)).content.decode()
    assert 'id="token-mfa-required"' in page
    assert "Set up two-factor authentication before creating an API token" in page
    assert "Create token</button>" not in page
    posted = client.post(org_url("api_tokens", harbor), {"name": "EHR export", "expires_in_days": "30"})
    assert posted.status_code == 422
    assert "Set up two-factor authentication before creating an API token" in posted.content.decode()
    assert tokens(harbor) == []

    settings.IOP_REQUIRE_MFA = False  # where MFA is not required, anyone may
    allowed = client.post(org_url("api_tokens", harbor), {"name": "EHR export", "expires_in_days": "30"})
    assert allowed.status_code == 200
    assert [t.name for t in tokens(harbor)] == ["EHR export"]


def test_every_token_expires_by_default_after_the_configured_lifetime(settings, as_va, harbor, harbor_va):
    with tenant_context(harbor.id):
        default = services.api_token_create(organization=harbor, user=harbor_va, name="Default").token
    assert default.expires_at - default.created_at == pytest.approx(dt.timedelta(days=90), abs=dt.timedelta(seconds=5))

    settings.IOP_API_TOKEN_TTL_DAYS = 30
    url = org_url("api_tokens", harbor)
    page = as_va.get(url).content.decode()
    assert re.findall(r'<option value="(\d+)"', page) == ["7", "30"]
    assert "Never expires" not in page
    longer = as_va.post(url, {"name": "Too long", "expires_in_days": "90"})
    assert longer.status_code == 422
    with tenant_context(harbor.id), pytest.raises(ApplicationError) as refused:
        services.api_token_create(organization=harbor, user=harbor_va, name="Too long", expires_in_days=90)
    assert refused.value.code == AccountsErrorCode.TOKEN_LIFETIME_INVALID
    assert refused.value.message == "A token works for 1 to 30 days."

    created = as_va.post(url, {"name": "Census import", "expires_in_days": "30"})
    assert created.status_code == 200
    token = next(t for t in tokens(harbor) if t.name == "Census import")
    assert token.expires_at - token.created_at == pytest.approx(dt.timedelta(days=30), abs=dt.timedelta(seconds=5))
    row = re.search(r"<th scope=\"row\">Census import</th>.*?</tr>", created.content.decode(), re.S).group(0)
    assert date_full(token.expires_at, harbor.tzinfo) in row
    assert "Never</td>" in row  # not used yet
    assert {t.name for t in tokens(harbor)} == {"Default", "Census import"}


def test_an_expired_token_is_refused_with_a_clear_message(harbor, harbor_va, harbor_client):
    with tenant_context(harbor.id):
        issued = services.api_token_create(organization=harbor, user=harbor_va, name="Old export", expires_in_days=7)
    assert _bearer(issued.raw).get("/api/v1/o/harbor/clients/").status_code == 200
    with tenant_context(harbor.id):
        ApiToken.objects.filter(pk=issued.token.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))

    response = _bearer(issued.raw).get("/api/v1/o/harbor/clients/")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
    assert response.json()["message"].startswith("This token expired on ")
    assert "Create a new one on the API tokens page." in response.json()["message"]
    schema = _bearer(issued.raw).get("/api/v1/schema/")  # answered in the schema's own format
    assert schema.status_code == 401
    assert b"This token expired on " in schema.content
    assert _bearer("iop_not-a-token").get("/api/v1/o/harbor/clients/").json()["message"] == "Invalid or revoked token."


def test_last_use_is_recorded_at_most_once_a_minute_and_shown(time_machine, as_va, harbor, harbor_va, harbor_client):
    time_machine.move_to(timezone.now(), tick=False)
    with tenant_context(harbor.id):
        issued = services.api_token_create(organization=harbor, user=harbor_va, name="Census import")
    api = _bearer(issued.raw)

    def last_used():
        with tenant_context(harbor.id):
            return ApiToken.objects.get(pk=issued.token.pk).last_used_at

    assert api.get("/api/v1/o/harbor/clients/").status_code == 200
    first = last_used()
    assert first == timezone.now()
    time_machine.shift(dt.timedelta(seconds=50))
    assert api.get("/api/v1/o/harbor/clients/").status_code == 200
    assert last_used() == first  # within the minute: no write
    time_machine.shift(dt.timedelta(seconds=20))
    assert api.get("/api/v1/o/harbor/clients/").status_code == 200
    assert last_used() == timezone.now() > first

    page = as_va.get(org_url("api_tokens", harbor)).content.decode()
    assert datetime_full(last_used(), harbor.tzinfo) in page
