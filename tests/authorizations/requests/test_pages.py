"""The request pages: start from the client page, the request page with its itemized lines and
totals at a constant number of queries, refusals shown next to their field, what a VA sees,
attachments (private, limited, audited) and the client page's list."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from authorizations.models import AuthorizationRequest, Determination, RequestAttachment, RequestPacket
from authorizations.requests.services.drafting import diagnosis_add, request_create
from authorizations.requests.services.lines import line_add
from authorizations.requests.services.workflow import request_mark_ready, request_submit
from iop.audit.models import AccessEvent

from ...conftest import login
from ...files import pdf_bytes
from ...pages import post_refused
from ..conftest import make_coverage
from .conftest import complete

pytestmark = pytest.mark.django_db


def url(name: str, **kwargs) -> str:
    return reverse(f"authorizations:{name}", kwargs={"org_slug": "harbor", **kwargs})


def test_an_intake_specialist_starts_a_request_from_the_client_page(as_intake, episode, coverage, rule, fees, start):
    page = as_intake.get(
        reverse("clients:client_detail", kwargs={"org_slug": "harbor", "client_id": episode.client_id})
    )
    body = page.content.decode()
    assert "Pre-authorization requests" in body and "Start a request" in body

    form = url("request_start", client_id=episode.client_id)
    response = as_intake.post(form, {"coverage": coverage.pk, "start_date": start.isoformat(), "urgency": "standard"})
    request = AuthorizationRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == url("request_detail", request_id=request.pk)


def test_another_clients_coverage_is_refused_on_the_form(as_intake, episode, payer, rule, make_active_episode, start):
    foreign = make_coverage(make_active_episode().client, payer)
    response = as_intake.post(
        url("request_start", client_id=episode.client_id),
        {"coverage": foreign.pk, "start_date": start.isoformat(), "urgency": "standard"},
    )
    assert response.status_code == 422
    assert "Choose one of the client&#x27;s own coverages" in response.content.decode()
    assert not AuthorizationRequest.objects.exists()


def test_the_request_page_shows_itemized_lines_and_totals(as_intake, draft):
    body = as_intake.get(url("request_detail", request_id=draft.pk)).content.decode()
    for text in ("90853", "90834", "90791", "$450.00", "$220.00", "$180.00", "$850.00"):
        assert text in body
    assert 'data-testid="total-sessions">9<' in body
    assert "Add the primary ICD-10-CM diagnosis." in body
    event = AccessEvent.objects.filter(object_id=str(draft.pk)).get()
    assert (event.action, event.client_id) == ("view", draft.episode.client_id)


def _add_lines(request, count: int) -> None:
    for number in range(count):
        line_add(request=request, code="96127" if number % 2 else "99213", units=1, frequency_per_week=Decimal("1"))


def test_the_request_page_costs_the_same_queries_with_2_and_8_lines(
    as_intake, in_harbor, payer, make_active_episode, rule, fees, harbor_intake
):
    def request_with(lines: int):
        episode = make_active_episode(tracks=())
        coverage = make_coverage(episode.client, payer)
        request = request_create(episode=episode, coverage=coverage, actor=harbor_intake)
        request.lines.all().delete()
        _add_lines(request, lines)
        diagnosis_add(request=request, code="F33.1")
        diagnosis_add(request=request, code="F41.1")
        return request

    small, large = request_with(2), request_with(8)
    with CaptureQueriesContext(connection) as few:
        assert as_intake.get(url("request_detail", request_id=small.pk)).status_code == 200
    with CaptureQueriesContext(connection) as many:
        response = as_intake.get(url("request_detail", request_id=large.pk))
    assert response.content.decode().count("Change<span") == 8
    assert len(few.captured_queries) == len(many.captured_queries)


def test_a_refused_unit_count_is_shown_next_to_the_field(as_intake, draft):
    response = post_refused(
        as_intake,
        url("line_add", request_id=draft.pk),
        {"line-code": "90834", "line-units": "0", "line-frequency_per_week": "1"},
        page=url("request_detail", request_id=draft.pk),
    )
    body = response.content.decode()
    assert 'id="id_line-units_error"' in body and "Units must be at least 1." in body
    assert draft.lines.count() == 3


def test_an_invalid_icd10_code_is_shown_next_to_the_field(as_intake, draft):
    page = url("request_detail", request_id=draft.pk)
    response = post_refused(as_intake, url("diagnosis_add", request_id=draft.pk), {"diagnosis-code": "Z9"}, page=page)
    assert "“Z9” is not an ICD-10-CM code" in response.content.decode()


def test_mark_ready_lists_what_is_missing(as_intake, draft):
    response = post_refused(
        as_intake, url("request_ready", request_id=draft.pk), page=url("request_detail", request_id=draft.pk)
    )
    body = response.content.decode()
    assert "The request is not ready: 3 items missing." in body
    assert "Explain why a higher level of care is not needed." in body


def test_a_complete_request_is_marked_ready_submitted_and_decided_through_the_pages(
    as_intake, draft, start, harbor_intake
):
    complete(draft)
    assert as_intake.post(url("request_ready", request_id=draft.pk)).status_code == 302
    response = as_intake.post(
        url("request_submit", request_id=draft.pk), {"submit-channel": "fax", "submit-payer_reference": "F-9"}
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.status, draft.channel, draft.payer_reference) == ("submitted", "fax", "F-9")
    response = as_intake.post(
        url("determination_record", request_id=draft.pk),
        {
            "determination-action": "A2",
            "determination-decided_on": start.isoformat(),
            "determination-authorization_number": "AUTH-9",
            "determination-approved_code": "90853",
            "determination-approved_units": "4",
            "determination-start_date": draft.start_date.isoformat(),
            "determination-end_date": (draft.start_date + dt.timedelta(days=6)).isoformat(),
        },
    )
    assert response.status_code == 302
    determination = Determination.objects.get()
    assert (determination.action, determination.authorization.units_authorized) == ("A2", 4)
    body = as_intake.get(url("request_detail", request_id=draft.pk)).content.decode()
    assert "Certified — partial (A2)" in body and "AUTH-9" in body


def test_a_va_sees_lines_and_status_but_no_clinical_content_and_cannot_edit(client, harbor_va, draft):
    diagnosis_add(request=draft, code="F33.1")
    login(client, harbor_va)
    body = client.get(url("request_detail", request_id=draft.pk)).content.decode()
    assert "90853" in body and "$850.00" in body
    assert "F33.1" not in body and "Reduce depressive symptoms" not in body and "Dog lowers" not in body
    assert "Add the line" not in body
    assert client.post(url("line_remove", request_id=draft.pk, line_id=draft.lines.first().pk)).status_code == 403
    assert client.get(url("request_pdf", request_id=draft.pk)).status_code == 403


def test_attachments_are_private_limited_and_their_downloads_audited(as_intake, draft, settings):
    pdf = SimpleUploadedFile("Assessment Ana Varga.pdf", pdf_bytes(1), content_type="application/pdf")
    response = as_intake.post(url("attachment_add", request_id=draft.pk), {"attachment-file": pdf})
    assert response.status_code == 302
    attachment = RequestAttachment.objects.get()
    assert attachment.file.name == f"private/{draft.organization_id}/requests/{draft.pk}/{attachment.pk}"
    assert (attachment.content_type, attachment.name) == ("application/pdf", "Assessment Ana Varga.pdf")

    download = as_intake.get(url("attachment_download", request_id=draft.pk, attachment_id=attachment.pk))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == pdf_bytes(1)
    assert download["Content-Disposition"] == f'attachment; filename="attachment-{str(attachment.pk)[:8]}.pdf"'
    event = AccessEvent.objects.get(action="download")
    assert (event.object_id, event.client_id) == (str(attachment.pk), draft.episode.client_id)

    fake = SimpleUploadedFile("notes.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    page = url("request_detail", request_id=draft.pk)
    response = post_refused(as_intake, url("attachment_add", request_id=draft.pk), {"attachment-file": fake}, page=page)
    assert "Attach a PDF, an image (PNG, JPEG, TIFF) or a Word document (.docx)." in response.content.decode()
    big = SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024), content_type="application/pdf")
    response = post_refused(as_intake, url("attachment_add", request_id=draft.pk), {"attachment-file": big}, page=page)
    assert "The file is larger than 10 MB." in response.content.decode()
    assert RequestAttachment.objects.count() == 1


def test_the_client_page_lists_requests_and_offers_a_couples_packet(client, harbor_intake, couple_world):
    login(client, harbor_intake)
    ip = couple_world["ip"]
    response = client.post(
        url("packet_start", client_id=ip.pk),
        {
            ("coverage_a" if couple_world["couple"].partner_a_id == ip.pk else "coverage_b"): couple_world["coverages"][
                ip.pk
            ].pk,
            ("coverage_b" if couple_world["couple"].partner_a_id == ip.pk else "coverage_a"): couple_world["coverages"][
                couple_world["partner"].pk
            ].pk,
            "joint_goals": "Communication skills.",
            "start_date": couple_world["couple"].started_on.isoformat(),
            "urgency": "standard",
        },
    )
    packet = RequestPacket.objects.get()
    assert response.status_code == 302 and response["Location"] == url("packet_detail", packet_id=packet.pk)
    page = client.get(reverse("clients:client_detail", kwargs={"org_slug": "harbor", "client_id": ip.pk}))
    body = page.content.decode()
    assert "Start a couple's packet" in body and ">Couple's packet</a>" in body
    assert body.count("Initial request of") == 1
    packet_page = client.get(url("packet_detail", packet_id=packet.pk)).content.decode()
    assert packet_page.count("Open ") >= 2 and "Identified patient" in packet_page


def test_the_pdf_download_is_audited_and_named_without_the_client(as_intake, draft):
    response = as_intake.get(url("request_pdf", request_id=draft.pk))
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    assert response["Content-Disposition"] == f'attachment; filename="authorization-request-{str(draft.pk)[:8]}.pdf"'
    event = AccessEvent.objects.get(action="export")
    assert (event.object_id, event.client_id) == (str(draft.pk), draft.episode.client_id)


def test_the_client_page_costs_the_same_with_1_and_3_requests(
    as_intake, in_harbor, payer, make_active_episode, rule, fees, harbor_intake
):
    def client_with(count: int):
        episode = make_active_episode()
        coverage = make_coverage(episode.client, payer)
        for _ in range(count):
            request_create(episode=episode, coverage=coverage, actor=harbor_intake)
        return reverse("clients:client_detail", kwargs={"org_slug": "harbor", "client_id": episode.client_id})

    one, three = client_with(1), client_with(3)
    with CaptureQueriesContext(connection) as few:
        as_intake.get(one)
    with CaptureQueriesContext(connection) as many:
        body = as_intake.get(three).content.decode()
    assert body.count("Initial request of") == 3
    assert len(few.captured_queries) == len(many.captured_queries)


def test_a_va_records_the_payers_answer_and_a_future_decision_date_is_refused(client, harbor_va, draft, start):
    request = request_mark_ready(request=complete(draft))
    request_submit(request=request, channel="phone", actor=None)
    login(client, harbor_va)
    data = {
        "determination-action": "A1",
        "determination-decided_on": (start + dt.timedelta(days=3)).isoformat(),
        "determination-authorization_number": "AUTH-VA",
        "determination-approved_units": "6",
        "determination-start_date": draft.start_date.isoformat(),
        "determination-end_date": draft.end_date.isoformat(),
    }
    page = url("request_detail", request_id=draft.pk)
    response = post_refused(client, url("determination_record", request_id=draft.pk), data, page=page)
    assert "The decision date is in the future." in response.content.decode()
    data["determination-decided_on"] = start.isoformat()
    assert client.post(url("determination_record", request_id=draft.pk), data).status_code == 302
    determination = Determination.objects.get()
    # The approved code defaults to the request's group line.
    assert (determination.approved_code, determination.authorization.unit_type) == ("90853", "per_session")


def test_a_pend_on_the_page_asks_for_the_information_due_date(as_intake, draft, start):
    request = request_mark_ready(request=complete(draft))
    request_submit(request=request, channel="phone", actor=None)
    data = {
        "determination-action": "A4",
        "determination-decided_on": start.isoformat(),
        "determination-reason": "The ASAM worksheet",
    }
    page = url("request_detail", request_id=draft.pk)
    response = post_refused(as_intake, url("determination_record", request_id=draft.pk), data, page=page)
    assert "Give the date the information is due." in response.content.decode()
    data["determination-information_due"] = draft.end_date.isoformat()
    assert as_intake.post(url("determination_record", request_id=draft.pk), data).status_code == 302
    draft.refresh_from_db()
    assert (draft.status, draft.information_requested, draft.information_due) == (
        "pended",
        "The ASAM worksheet",
        draft.end_date,
    )
