"""The request packet PDF: its text holds the itemized lines and the totals, per partner for a
couple's packet, and the file is tagged (PDF/UA) with no client name in its file name."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from authorizations.requests.documents import packet_pdf, packet_pdf_filename, request_pdf
from authorizations.requests.selectors import packet_get, request_get
from authorizations.requests.services.packets import packet_create
from iop.audit.models import AccessEvent
from tests.pdf_pages import near_empty_pages, page_body_lines

from ...conftest import login
from .conftest import complete

pytestmark = pytest.mark.django_db

GOALS = "Communication skills and relapse prevention."


def _text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_request_pdf_holds_the_itemized_lines_and_totals(in_harbor, draft):
    complete(draft)
    request = request_get(organization=in_harbor, request_id=draft.pk)
    text = " ".join(_text(request_pdf(organization=in_harbor, request=request, generated_by="Intake Tester")).split())
    client = draft.episode.client

    for expected in (
        "Pre-authorization request",
        "Harbor Virtual IOP",
        f"{client.last_name}, {client.first_name}",
        "BHP-1001",
        "F33.1",
        "90853",
        "Group psychotherapy",
        "$75.00",
        "$450.00",
        "90834",
        "$220.00",
        "90791",
        "$180.00",
        "Total",
        "$850.00",
        "Why a lower level of care is not enough",
        "Weekly outpatient therapy for six months",
        "Emotional support animal",
    ):
        assert expected in text, expected
    # Each line's row (units, a week, sessions, rate, projected), then the totals: 9 sessions, $850.00.
    assert "(session) 1 3" in text and "6 $75.00 $450.00" in text and "2 $110.00 $220.00" in text
    assert "Total 9 $850.00" in text


def test_a_couples_packet_pdf_has_both_partners_and_no_names_in_its_file_name(
    client, harbor_intake, in_harbor, couple_world
):
    packet = packet_create(
        couple=couple_world["couple"],
        coverages=couple_world["coverages"],
        joint_goals="Communication skills and relapse prevention.",
        actor=harbor_intake,
    )
    loaded = packet_get(organization=in_harbor, packet_id=packet.pk)
    text = " ".join(_text(packet_pdf(organization=in_harbor, packet=loaded, generated_by="x")).split())
    assert "Couple's combined pre-authorization packet" in text
    for partner in (couple_world["ip"], couple_world["partner"]):
        assert f"{partner.last_name}, {partner.first_name}" in text
    assert "BHP-2001" in text and "BHP-2002" in text
    assert text.count("90847") == 2  # the identified patient's line (and the cover note naming the code)
    assert "Communication skills and relapse prevention." in text

    login(client, harbor_intake)
    response = client.get(reverse("authorizations:packet_pdf", kwargs={"org_slug": "harbor", "packet_id": packet.pk}))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{packet_pdf_filename(packet)}"'
    for partner in (couple_world["ip"], couple_world["partner"]):
        assert partner.last_name not in response["Content-Disposition"]
    event = AccessEvent.objects.get(action="export")
    assert set(event.object_ids) == {str(couple_world["ip"].pk), str(couple_world["partner"].pk)}


def test_no_page_is_a_near_empty_cover_or_last_page(in_harbor, draft, harbor_intake, couple_world):
    """The cover sheet heads the first request's page; the justification and the attachment list
    move on together; each partner's request starts a page of its own."""
    complete(draft)
    single = request_pdf(
        organization=in_harbor, request=request_get(organization=in_harbor, request_id=draft.pk), generated_by="x"
    )
    packet = packet_create(
        couple=couple_world["couple"], coverages=couple_world["coverages"], joint_goals=GOALS, actor=harbor_intake
    )
    for request in packet.requests.all():
        complete(request)
    couple = packet_pdf(
        organization=in_harbor, packet=packet_get(organization=in_harbor, packet_id=packet.pk), generated_by="x"
    )
    for content in (single, couple):
        pages = page_body_lines(content)
        assert near_empty_pages(content) == {}, pages
        assert "Request 1: " in " ".join(pages[0][:15])  # on the cover's page
    second = [lines for lines in page_body_lines(couple) if any(line.startswith("Request 2: ") for line in lines)]
    assert len(second) == 1 and second[0][0].startswith("Request 2: ")  # at the top of its page
