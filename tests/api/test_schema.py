import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from iop.accounts.models import ApiToken, token_digest
from iop.accounts.services import api_token_create, api_token_revoke
from iop.clients.models import Client
from iop.tenancy.context import tenant_context, token_digest_context
from iop.tenancy.models import Membership

pytestmark = pytest.mark.django_db


def test_schema_generates_without_warnings(tmp_path):
    # --fail-on-warn turns every drf-spectacular warning into a failure; --validate checks OpenAPI 3.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))
    text = (tmp_path / "schema.yml").read_text()
    assert "/api/v1/o/{org_slug}/clients/" in text
    assert "bearerAuth" in text


def test_schema_and_docs_need_a_signed_in_user(client, harbor_va):
    assert client.get("/api/v1/schema/").status_code in (401, 403)
    assert client.get("/api/v1/docs/").status_code in (401, 403)
    client.force_login(harbor_va)
    assert client.get("/api/v1/schema/").status_code == 200
    assert client.get("/api/v1/docs/").status_code == 200


def _token(organization, user) -> str:
    with tenant_context(organization.id):
        return api_token_create(organization=organization, user=user, name="Integrator").raw


def _bearer(raw: str) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return api


def test_a_valid_token_of_any_organization_reads_the_schema_and_docs(harbor, summit, harbor_intake, summit_va):
    for raw in (_token(harbor, harbor_intake), _token(summit, summit_va)):
        response = _bearer(raw).get("/api/v1/schema/")
        assert response.status_code == 200
        assert b"/api/v1/o/{org_slug}/clients/" in response.content
        assert _bearer(raw).get("/api/v1/docs/").status_code == 200
    with tenant_context(harbor.id):
        assert ApiToken.objects.get().last_used_at is not None  # the use is recorded in its tenant


def test_anonymous_unknown_revoked_and_expired_tokens_cannot_read_the_schema(harbor, harbor_intake):
    assert APIClient().get("/api/v1/schema/").status_code in (401, 403)
    assert _bearer("iop_not-a-token").get("/api/v1/schema/").status_code == 401
    revoked, expired = _token(harbor, harbor_intake), _token(harbor, harbor_intake)
    with tenant_context(harbor.id):
        api_token_revoke(token=ApiToken.objects.get(digest=token_digest(revoked)))
        ApiToken.objects.filter(digest=token_digest(expired)).update(expires_at=timezone.now() - dt.timedelta(1))
    assert _bearer(revoked).get("/api/v1/schema/").status_code == 401
    assert _bearer(expired).get("/api/v1/schema/").status_code == 401


def test_a_token_read_by_its_digest_shows_that_token_only_and_no_tenant_data(
    harbor, summit, harbor_intake, summit_va, harbor_client
):
    harbor_raw, summit_raw = _token(harbor, harbor_intake), _token(summit, summit_va)

    with token_digest_context(token_digest(harbor_raw)):
        assert list(ApiToken.all_objects.values_list("organization", flat=True)) == [harbor.pk]
        assert Client.all_objects.count() == 0 and Membership.all_objects.count() == 0
        # Read-only: without its tenant the token cannot be changed.
        assert ApiToken.all_objects.update(revoked_at=timezone.now()) == 0
    assert ApiToken.all_objects.count() == 0  # the context ends with the block
    # On an organization's URLs a token is still its organization's only.
    assert _bearer(summit_raw).get("/api/v1/o/harbor/clients/").status_code == 401
    with pytest.raises(ValueError, match="SHA-256"):
        token_digest_context("x' OR true --").__enter__()
