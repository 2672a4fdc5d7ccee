"""The appeal packet PDF, read back: the denial (dates, reason, criteria), the clinical support
(the letter, the last review's progress, risk and discharge plan, the request's diagnoses) and the
attendance figures of the denied period from attendance's own report data."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.urls import reverse
from pypdf import PdfReader

from attendance.hours.selectors import episode_for_attendance
from attendance.reports.selectors import attendance_report_data
from authorizations.appeals import services
from authorizations.models import Authorization, ConcurrentReview, DenialCase, Determination
from iop.audit.models import AccessEvent
from iop.clients.models import Episode, TreatmentPlan
from tests.pdf_pages import near_empty_pages, page_body_lines

from ...attendance.conftest import book, record, sessions_of

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return re.sub(r"\s+", " ", "\n".join(page.extract_text() for page in reader.pages))


@pytest.fixture
def attended_week(case, make_group, in_harbor, harbor_clinician, past_week):
    """Two weeks ago: Monday, Wednesday and Friday 3 h each; present, present, absent (illness)."""
    from scheduling.services import materialisation

    week = past_week - dt.timedelta(weeks=1)
    episode = case.episode
    Episode.objects.filter(pk=episode.pk).update(
        referral_date=week - dt.timedelta(days=14), admission_date=week - dt.timedelta(days=7)
    )
    TreatmentPlan.objects.filter(episode=episode).update(effective_from=week - dt.timedelta(days=7))
    group = make_group("Process A", [(0, "09:00", 180), (2, "09:00", 180), (4, "09:00", 180)], effective_from=week)
    materialisation.sessions_materialise(organization=in_harbor, group=group, today=week)
    sessions = sessions_of(group, week)
    entries = book(episode, sessions)
    for session, entry, status in zip(sessions, entries, ("present", "present", "absent_excused"), strict=True):
        extra = {"absence_reason": "illness"} if status != "present" else {}
        record(session, entry, status, actor=harbor_clinician, now=session.ends_at + dt.timedelta(minutes=5), **extra)
    return week, week + dt.timedelta(days=6)


def test_the_packet_holds_the_denial_the_clinical_support_and_the_attendance(
    as_intake, case, attended_week, in_harbor, harbor_intake
):
    start, end = attended_week
    request = case.determination.request
    services.denial_update(
        case=case,
        letter_received_at=case.letter_received_at,
        reason="Not medically necessary: LOCUS composite below level 3.",
        criteria_cited="LOCUS 20",
        denied_from=start,
        denied_to=end,
        denied_units=3,
        actor=harbor_intake,
    )
    services.appeal_prepare(
        case=case, letter="Robin attends and improves; stepping down now risks relapse.", actor=None
    )
    approval = Determination.objects.create(
        organization_id=case.organization_id, request=request, action="A1", decided_at=case.letter_received_at
    )
    authorization = Authorization.objects.create(
        organization_id=case.organization_id,
        episode=case.episode,
        coverage=request.coverage,
        determination=approval,
        number="AUTH-1",
        code="S9480",
        unit_type="per_diem",
        units_authorized=10,
        start_date=start - dt.timedelta(days=14),
        end_date=start - dt.timedelta(days=1),
    )
    ConcurrentReview.objects.create(
        organization_id=case.organization_id,
        authorization=authorization,
        episode=case.episode,
        review_date=start - dt.timedelta(days=2),
        progress_since_last_review="PHQ-9 from 19 to 14.",
        risk_note="Passive ideation, no plan.",
        discharge_plan="Step down to weekly outpatient by the end of next month.",
    )
    DenialCase.objects.filter(pk=case.pk).update(authorization=authorization)

    response = as_intake.get(
        reverse("authorizations:denial_packet_pdf", kwargs={"org_slug": in_harbor.slug, "case_id": case.pk})
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert f"appeal-packet-{str(case.pk)[:8]}.pdf" in response["Content-Disposition"]
    text = pdf_text(response.content)

    # The denial.
    assert "Not medically necessary: LOCUS composite below level 3." in text
    assert "LOCUS 20" in text and f"{start:%-d %b %Y} to {end:%-d %b %Y}" in text
    # The clinical support.
    assert "stepping down now risks relapse" in text
    assert "PHQ-9 from 19 to 14." in text and "Passive ideation, no plan." in text
    assert "Step down to weekly outpatient" in text and "F33.1" in text
    # The attendance figures, as attendance's report computes them.
    data = attendance_report_data(
        organization=in_harbor,
        episode=episode_for_attendance(organization=in_harbor, episode_id=case.episode_id),
        start=start,
        end=end,
    )
    assert data.attended_hours == 6 and data.scheduled_hours == 9
    assert f"Total {data.scheduled_hours} {data.attended_hours}" in text
    assert "Absences in the period: 1" in text and "Illness" in text
    # The attendance goes to the next page whole, never its last line alone.
    assert near_empty_pages(response.content) == {}, page_body_lines(response.content)
    assert AccessEvent.objects.filter(action="export", object_id=str(case.pk)).exists()


def test_without_a_letter_or_a_review_the_packet_says_so(as_intake, case, in_harbor):
    response = as_intake.get(
        reverse("authorizations:denial_packet_pdf", kwargs={"org_slug": in_harbor.slug, "case_id": case.pk})
    )
    text = pdf_text(response.content)
    assert "The letter is not written yet." in text and "Internal appeal, level 1" in text
