"""The evening job prepares each review packet once, from 18:00 in the organization's zone, names
what is missing, and tells the clinician; the packet PDF holds the attendance figures, the
diagnoses and the units asked for (read back from the real WeasyPrint PDF with pypdf)."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from pypdf import PdfReader

from attendance.models import AttendanceReport
from authorizations.models import PacketChecklistItem, PacketElement, ReviewPacket
from authorizations.reviews.packets.services import review_packet_prepare, review_packets_prepare
from iop.notifications.models import Notification
from tests.pdf_pages import near_empty_pages, page_body_lines

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def at(organization, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return organization.local_datetime(day, dt.time(hour, minute))


def test_the_evening_job_prepares_each_packet_once_and_names_what_is_missing(
    in_harbor, make_review, today, harbor_clinician, harbor_va
):
    tomorrow = make_review(today + dt.timedelta(days=1), number="HX-1").review
    due_today = make_review(today, filled=False, number="HX-2").review

    # Before 18:00 (New York): only the review of today, still without a packet.
    afternoon = review_packets_prepare(organization=in_harbor, now=at(in_harbor, today, 17, 30))
    assert [p.review_id for p in afternoon] == [due_today.pk]

    evening = review_packets_prepare(organization=in_harbor, now=at(in_harbor, today, 18, 0))
    assert [p.review_id for p in evening] == [tomorrow.pk]
    assert review_packets_prepare(organization=in_harbor, now=at(in_harbor, today, 18, 15)) == []
    assert review_packets_prepare(organization=in_harbor, now=at(in_harbor, today, 23, 45)) == []

    ready = ReviewPacket.objects.get(review=tomorrow)
    missing = ReviewPacket.objects.get(review=due_today)
    assert ready.missing == [] and ready.is_ready and ready.prepared_by is None
    assert missing.missing == ["progress", "risk", "medications", "discharge_plan"]
    assert not missing.is_ready
    assert ready.page_count >= 1 and bytes(ready.pdf).startswith(b"%PDF")

    # The clinician heard once per review, in words; nobody else did.
    told = {n.dedupe_key: n for n in Notification.objects.filter(kind="review_packet")}
    assert set(told) == {
        f"review_packet:{tomorrow.pk}:{tomorrow.review_date:%Y-%m-%d}",
        f"review_packet:{due_today.pk}:{due_today.review_date:%Y-%m-%d}",
    }
    assert {n.recipient.user for n in told.values()} == {harbor_clinician}
    gap = told[f"review_packet:{due_today.pk}:{due_today.review_date:%Y-%m-%d}"]
    assert gap.title.startswith(f"Add what is missing to {due_today.episode.client.display_name}'s review packet")
    assert "Current risk" in gap.body and "Medications" in gap.body and "Progress since the last review" in gap.body
    assert told[f"review_packet:{tomorrow.pk}:{tomorrow.review_date:%Y-%m-%d}"].title.endswith(": it is ready")

    # Each review window's attendance report is queued as a stored file too (once).
    assert AttendanceReport.objects.filter(purpose__startswith="Concurrent review").count() == 2


def test_a_packet_prepared_by_hand_is_left_alone(in_harbor, make_review, today, harbor_va):
    review = make_review(today + dt.timedelta(days=1)).review
    by_hand = review_packet_prepare(review=review, actor=harbor_va, now=at(in_harbor, today, 10))

    assert review_packets_prepare(organization=in_harbor, now=at(in_harbor, today, 18, 30)) == []
    packet = ReviewPacket.objects.get(review=review)
    assert (packet.pk, packet.prepared_by, packet.prepared_at) == (by_hand.pk, harbor_va, by_hand.prepared_at)


def test_a_payers_own_checklist_replaces_the_general_one(in_harbor, make_review, today, payer):
    review = make_review(today, filled=False).review
    PacketChecklistItem.objects.create(payer=None, element=PacketElement.RISK, is_required=True)
    PacketChecklistItem.objects.create(payer=payer, element=PacketElement.ATTENDANCE, is_required=True, position=1)
    PacketChecklistItem.objects.create(payer=payer, element=PacketElement.MEDICATIONS, is_required=False, position=2)

    packet = review_packet_prepare(review=review, now=at(in_harbor, today, 9))

    # Attendance is all recorded; medications are missing but optional for this payer; risk is only
    # on the general list, which this payer's own list replaces.
    assert packet.missing == []


def test_the_packet_pdf_holds_the_attendance_figures_diagnoses_and_units_asked(in_harbor, make_review, today):
    world = make_review(today + dt.timedelta(days=1))
    packet = review_packet_prepare(review=world.review, now=at(in_harbor, today, 18, 5))

    text = pdf_text(bytes(packet.pdf))
    assert near_empty_pages(bytes(packet.pdf)) == {}, page_body_lines(bytes(packet.pdf))
    renewal = world.review.__class__.objects.get(pk=world.review.pk).request
    assert "Concurrent review packet" in text
    assert "Member ID BHP-778812" in text
    assert "Authorization HX-2291 (90853)" in text
    # Attendance in the window: eight of nine sessions, 24 h of 27 h, the absence and its reason.
    assert "8 of 9 scheduled sessions attended; 24.0 h attended of 27.0 h scheduled" in text
    assert "Process MWF Absent (excused) Illness Flu" in text
    assert "Blue Harbor PPO requires 9.0 h on 3 days a week" in text
    # Diagnoses, units asked (the renewal request's lines and dates), the clinician's notes.
    assert "F33.1 — Major depressive disorder, recurrent, moderate (primary)" in text
    line = renewal.lines.get()
    assert f"{line.code}" in text and f"{renewal.start_date:%-d %b %Y} to {renewal.end_date:%-d %b %Y}" in text
    assert f"Total units asked {line.estimated_sessions * line.units}" in text
    assert "Denies SI/HI" in text and "Sertraline 100 mg daily" in text and "PHQ-9 12" in text
    assert "Step down to weekly outpatient therapy" in text
    assert "Return to work full time; PHQ-9 under 10." in text


def test_the_pdf_escapes_what_users_typed(in_harbor, make_review, today):
    world = make_review(today + dt.timedelta(days=1))
    world.review.risk_note = '<img src="file:///etc/passwd"> denies SI'
    world.review.save()

    packet = review_packet_prepare(review=world.review, now=at(in_harbor, today, 18, 5))

    assert '<img src="file:///etc/passwd"> denies SI' in pdf_text(bytes(packet.pdf))
