"""The request page's PAS rail: "Download PAS bundle" (kept as sent, audited as an export) and
"Import ClaimResponse" (the determination recorded; a refusal shown on the form, nothing saved);
another organization's request is a 404."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from authorizations.models import Determination, InteropMessage
from authorizations.pas.checks import pas_request_problems
from iop.audit.models import AccessEvent
from tests.conftest import login, make_member
from tests.pages import post_refused

from .test_claim_response import response_bundle, review_item

pytestmark = pytest.mark.django_db


def url(name: str, org_slug: str = "harbor", **kwargs) -> str:
    return reverse(f"authorizations:{name}", kwargs={"org_slug": org_slug, **kwargs})


def _upload(content: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("claim-response.json", content.encode(), content_type="application/fhir+json")


def test_the_page_offers_the_bundle_and_its_download_is_kept_and_audited(as_intake, submitted):
    body = as_intake.get(url("request_detail", request_id=submitted.pk)).content.decode()
    assert "Download PAS bundle" in body and "Import ClaimResponse" in body
    response = as_intake.get(url("pas_bundle", request_id=submitted.pk))
    assert response.status_code == 200 and response["Content-Type"] == "application/fhir+json"
    assert pas_request_problems(json.loads(response.content)) == []
    assert InteropMessage.objects.get().direction == "outbound"
    event = AccessEvent.objects.get(action="export")
    assert (event.object_id, event.client_id, event.channel) == (
        str(submitted.pk),
        submitted.episode.client_id,
        "web",
    )


def test_an_imported_claim_response_is_the_determination(as_va, submitted):
    items = [review_item(line, n, "A1", number="AUTH-31") for n, line in enumerate(submitted.lines.all(), 1)]
    response = as_va.post(
        url("pas_claim_response", request_id=submitted.pk),
        {"pas-claim_response": _upload(response_bundle(submitted, items))},
    )
    assert response.status_code == 302
    determination = Determination.objects.get()
    assert (determination.action, determination.authorization_number) == ("A1", "AUTH-31")
    page = as_va.get(response["Location"]).content.decode()
    assert "The payer&#x27;s ClaimResponse was recorded." in page or "The payer's ClaimResponse was recorded." in page
    # A VA records answers but does not send requests.
    assert "Download PAS bundle" not in page
    assert as_va.get(url("pas_bundle", request_id=submitted.pk)).status_code == 403


def test_another_members_response_is_refused_on_the_form_and_nothing_saved(as_va, submitted):
    items = [review_item(line, n, "A1", number="AUTH-32") for n, line in enumerate(submitted.lines.all(), 1)]
    content = response_bundle(submitted, items, member_id="BHP-0000")
    response = post_refused(
        as_va,
        url("pas_claim_response", request_id=submitted.pk),
        {"pas-claim_response": _upload(content)},
        page=url("request_detail", request_id=submitted.pk),
    )
    assert "another member (member id BHP-0000)" in response.content.decode()
    assert not Determination.objects.exists() and not InteropMessage.objects.exists()


def test_another_organizations_request_is_a_404(client, submitted, summit):
    login(client, make_member(summit, "org_admin"))
    assert client.get(url("pas_bundle", org_slug="summit", request_id=submitted.pk)).status_code == 404
    items = [review_item(line, n, "A1", number="X") for n, line in enumerate(submitted.lines.all(), 1)]
    posted = client.post(
        url("pas_claim_response", org_slug="summit", request_id=submitted.pk),
        {"pas-claim_response": _upload(response_bundle(submitted, items))},
    )
    assert posted.status_code == 404
    assert not Determination.objects.exists()


def test_a_request_without_lines_is_refused_with_nothing_kept(as_intake, submitted):
    submitted.lines.all().delete()
    page = url("request_detail", request_id=submitted.pk)
    response = as_intake.get(url("pas_bundle", request_id=submitted.pk), follow=True)
    assert response.redirect_chain == [(page, 303)] and response.status_code == 422
    assert "a PAS Claim needs at least one item" in response.content.decode()
    assert not InteropMessage.objects.exists() and not AccessEvent.objects.filter(action="export").exists()
