"""The PAS rail on the API: `GET authorization-requests/<id>/pas-bundle/` answers the Bundle as
application/fhir+json (kept as sent, written to the access log as an export) and `POST
…/pas-claim-response/` records the payer's answer; another organization's request is a 404, a
role without the action a 403, a response for another member a 400 with nothing saved."""

from __future__ import annotations

import json

import pytest
from rest_framework.test import APIClient

from authorizations.models import Determination, InteropDirection, InteropMessage
from authorizations.pas.checks import pas_request_problems
from iop.accounts.services import api_token_create
from iop.audit.models import AccessEvent
from iop.tenancy.context import tenant_context
from tests.conftest import make_member

from .test_claim_response import response_bundle, review_item

pytestmark = pytest.mark.django_db

BASE = "/api/v1/o/harbor/authorization-requests"


def _bearer(organization, user) -> APIClient:
    with tenant_context(organization.id):
        raw = api_token_create(organization=organization, user=user, name="tests").raw
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def _approval(request, **kwargs) -> str:
    items = [review_item(line, n, "A1", number="AUTH-77") for n, line in enumerate(request.lines.all(), 1)]
    return response_bundle(request, items, **kwargs)


def test_the_bundle_is_fhir_json_kept_as_sent_and_audited(api, submitted, harbor_intake, harbor):
    response = api(harbor_intake).get(f"{BASE}/{submitted.pk}/pas-bundle/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+json"
    assert response["Content-Disposition"] == f'attachment; filename="pas-bundle-{str(submitted.pk)[:8]}.json"'
    bundle = json.loads(response.content)
    assert pas_request_problems(bundle) == []
    with tenant_context(harbor.id):
        message = InteropMessage.objects.get()
        assert (message.direction, message.format, message.request_id) == ("outbound", "fhir_pas_bundle", submitted.pk)
        assert json.loads(message.content) == bundle
        event = AccessEvent.objects.get(action="export")
        assert (event.channel, event.client_id) == ("api", submitted.episode.client_id)


def test_a_claim_response_is_recorded_as_the_determination(api, submitted, harbor_va, harbor):
    response = api(harbor_va).post(
        f"{BASE}/{submitted.pk}/pas-claim-response/", data=_approval(submitted), content_type="application/fhir+json"
    )
    assert response.status_code == 201, response.json()
    assert (response.json()["action"], response.json()["authorization_number"]) == ("A1", "AUTH-77")
    with tenant_context(harbor.id):
        determination = Determination.objects.get()
        assert determination.source_message.direction == InteropDirection.INBOUND


def test_plain_json_is_read_too_and_a_pend_takes_its_due_date_from_the_query(api, submitted, harbor_va):
    items = [review_item(line, n, "A4") for n, line in enumerate(submitted.lines.all(), 1)]
    url = f"{BASE}/{submitted.pk}/pas-claim-response/"
    body = response_bundle(submitted, items)
    refused = api(harbor_va).post(url, data=body, content_type="application/json")
    assert refused.status_code == 400 and "information_due" in refused.json()["extra"]["fields"]
    due = submitted.submitted_at.date().isoformat()
    response = api(harbor_va).post(f"{url}?information_due={due}", data=body, content_type="application/json")
    assert response.status_code == 201 and response.json()["action"] == "A4"


def test_another_members_response_is_a_400_and_nothing_is_saved(api, submitted, harbor_va, harbor):
    response = api(harbor_va).post(
        f"{BASE}/{submitted.pk}/pas-claim-response/",
        data=_approval(submitted, member_id="OTHER-1"),
        content_type="application/fhir+json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "member_mismatch"
    assert "claim_response" in response.json()["extra"]["fields"]
    with tenant_context(harbor.id):
        assert not Determination.objects.exists() and not InteropMessage.objects.exists()


def test_an_empty_body_or_another_media_type_is_refused(api, submitted, harbor_va):
    url = f"{BASE}/{submitted.pk}/pas-claim-response/"
    empty = api(harbor_va).post(url, data="", content_type="application/fhir+json")
    assert empty.status_code == 400 and empty.json()["message"] == "The file is empty."
    assert api(harbor_va).post(url, data="x", content_type="text/plain").status_code == 415


def test_another_organizations_request_is_a_404_and_a_role_without_the_action_a_403(api, submitted, summit, harbor_va):
    summit_admin = make_member(summit, "org_admin")
    other = _bearer(summit, summit_admin)
    for path in (f"/api/v1/o/summit/authorization-requests/{submitted.pk}", f"{BASE}/{submitted.pk}"):
        assert other.get(f"{path}/pas-bundle/").status_code in (401, 404)
        posted = other.post(
            f"{path}/pas-claim-response/", data=_approval(submitted), content_type="application/fhir+json"
        )
        assert posted.status_code in (401, 404)
    assert other.get(f"/api/v1/o/summit/authorization-requests/{submitted.pk}/pas-bundle/").status_code == 404
    # A VA records answers but does not send requests.
    assert api(harbor_va).get(f"{BASE}/{submitted.pk}/pas-bundle/").status_code == 403
