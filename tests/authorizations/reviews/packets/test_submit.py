"""A VA assembles and submits a review packet, from the review page and through the API: the
review's renewal request is submitted (channel, payer reference, by whom, when) and shown on the
page, the review becomes `submitted`. Bad input and a decided review are refused and change
nothing; a clinician reads the packet but does not submit it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from authorizations.models import AuthorizationRequest, ConcurrentReview, RequestStatus, ReviewPacket, ReviewStatus
from iop.audit.models import AccessAction, AccessEvent

from ...conftest import BASE

pytestmark = pytest.mark.django_db


def page(name: str, review, org_slug: str = "harbor") -> str:
    return reverse(f"authorizations:{name}", kwargs={"org_slug": org_slug, "review_id": review.pk})


def reread(review) -> ConcurrentReview:
    return ConcurrentReview.objects.select_related("request__submitted_by").get(pk=review.pk)


@pytest.fixture
def review(make_review, today):
    return make_review(today + dt.timedelta(days=1)).review


def test_a_va_prepares_and_submits_the_packet_from_the_review_page(as_va, harbor_va, review):
    prepared = as_va.post(page("review_packet_prepare", review))
    assert prepared.status_code == 302
    assert ReviewPacket.objects.get(review=review).prepared_by == harbor_va

    shown = as_va.get(page("review", review))
    assert shown.status_code == 200
    html = shown.content.decode()
    assert "Review packet" in html and "Ready" in html and "Prepare again" in html

    sent = as_va.post(
        page("review_packet_submit", review),
        {"packet_submit-channel": "portal", "packet_submit-payer_reference": "AV-55102"},
    )
    assert sent.status_code == 302, [str(m) for m in sent.wsgi_request._messages]

    review = reread(review)
    request = review.request
    assert review.status == ReviewStatus.SUBMITTED
    assert (request.status, request.channel, request.payer_reference) == (RequestStatus.SUBMITTED, "portal", "AV-55102")
    assert request.submitted_by == harbor_va and request.submitted_at is not None
    assert request.certification_type == "R" and request.prior_authorization_id == review.authorization_id

    after = as_va.get(page("review", review)).content.decode()
    assert "AV-55102" in after and "payer portal" in after
    assert "Record as submitted" not in after


def test_a_va_submits_through_the_api_and_downloads_the_audited_pdf(api, harbor_va, review):
    client = api(harbor_va)
    url = f"{BASE}/review-packets/{review.pk}/"

    assert client.get(f"{url}pdf/").status_code == 404  # nothing prepared yet
    prepared = client.post(f"{url}prepare/")
    assert prepared.status_code == 200, prepared.content
    assert prepared.json()["packet"]["ready"] is True and prepared.json()["packet"]["missing"] == []

    pdf = client.get(f"{url}pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert f"review-packet-{str(review.pk)[:8]}.pdf" in pdf["Content-Disposition"]
    assert AccessEvent.objects.filter(action=AccessAction.EXPORT, actor=harbor_va, channel="api").count() == 1

    sent = client.post(f"{url}submit/", {"channel": "fax", "payer_reference": "FX-9"}, format="json")
    assert sent.status_code == 200, sent.content
    body = sent.json()
    assert body["status"] == "submitted"
    assert body["submission"]["channel"] == "fax" and body["submission"]["payer_reference"] == "FX-9"
    assert body["submission"]["submitted_by"] == (harbor_va.get_full_name() or harbor_va.email)

    again = client.post(f"{url}submit/", {"channel": "fax"}, format="json")
    assert again.status_code == 400 and again.json()["code"] == "review_already_submitted"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"channel": "pigeon"}, "invalid"),
        ({}, "invalid"),
        ({"channel": "fax", "submitted_at": "2099-01-01T10:00:00-05:00"}, "submitted_in_future"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(api, harbor_va, review, data, code):
    response = api(harbor_va).post(f"{BASE}/review-packets/{review.pk}/submit/", data, format="json")

    assert response.status_code == 400 and response.json()["code"] == code
    assert reread(review).status == ReviewStatus.UPCOMING
    assert not AuthorizationRequest.objects.filter(prior_authorization=review.authorization).exists()


def test_a_refused_page_submission_changes_nothing(as_va, review):
    response = as_va.post(page("review_packet_submit", review), {"packet_submit-channel": "carrier pigeon"})

    assert response.status_code == 303
    assert reread(review).status == ReviewStatus.UPCOMING
    assert reread(review).request_id is None


def test_a_decided_review_is_not_submitted_nor_prepared(api, harbor_va, review):
    ConcurrentReview.objects.filter(pk=review.pk).update(status=ReviewStatus.DECIDED)
    client = api(harbor_va)

    submitted = client.post(f"{BASE}/review-packets/{review.pk}/submit/", {"channel": "fax"}, format="json")
    prepared = client.post(f"{BASE}/review-packets/{review.pk}/prepare/")

    assert (submitted.status_code, submitted.json()["code"]) == (400, "review_not_open")
    assert (prepared.status_code, prepared.json()["code"]) == (400, "packet_not_preparable")
    assert reread(review).request_id is None and not ReviewPacket.objects.filter(review=review).exists()


def test_an_incomplete_renewal_request_is_refused_with_what_is_missing(api, harbor_va, review):
    previous = review.authorization.determination.request
    previous.diagnoses.all().delete()

    response = api(harbor_va).post(f"{BASE}/review-packets/{review.pk}/submit/", {"channel": "fax"}, format="json")

    assert response.status_code == 400 and response.json()["code"] == "incomplete"
    assert "Add the primary ICD-10-CM diagnosis." in response.json()["extra"]["fields"]["__all__"]
    assert reread(review).status == ReviewStatus.UPCOMING and reread(review).request_id is None


def test_a_clinician_reads_and_prepares_the_packet_but_does_not_submit_it(as_clinician, api, harbor_clinician, review):
    assert as_clinician.post(page("review_packet_prepare", review)).status_code == 302
    pdf = as_clinician.get(page("review_packet_pdf", review))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert AccessEvent.objects.filter(action=AccessAction.EXPORT, actor=harbor_clinician).count() == 1

    assert as_clinician.post(page("review_packet_submit", review), {"packet_submit-channel": "fax"}).status_code == 403
    response = api(harbor_clinician).post(f"{BASE}/review-packets/{review.pk}/submit/", {"channel": "fax"})
    assert response.status_code == 403
    assert reread(review).status == ReviewStatus.UPCOMING
