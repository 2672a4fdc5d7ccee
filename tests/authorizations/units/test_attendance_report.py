"""The payer side of an attendance report (registered by the authorizations app with
`attendance.reports.selectors`): the PDF prepared for a review call names the payer, plan and member id, and
each authorization overlapping the period with its window and the units used and remaining as of
the report's end date — read back from the real WeasyPrint PDF with pypdf."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.urls import reverse
from pypdf import PdfReader

from attendance.hours.selectors import episode_for_attendance
from attendance.reports.selectors import attendance_report_data
from authorizations.models import PayerPlan

from ...attendance.conftest import book, record, sessions_of
from ..conftest import make_coverage
from .conftest import make_authorization

pytestmark = pytest.mark.django_db


def _pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def _attend(episode, group, start: dt.date, days: int) -> None:
    sessions = sessions_of(group, start, days=days)
    for session, entry in zip(sessions, book(episode, sessions), strict=True):
        record(session, entry, "present")


@pytest.fixture
def reviewed(in_harbor, payer, covered_episode, mwf, past_week, this_week):
    """A client attending Mon/Wed/Fri for three weeks (9 days, each a per-diem unit), under a
    20-day authorization from `past_week`, an older one that ended before and a cancelled one."""
    episode, coverage = covered_episode()
    coverage.plan = PayerPlan.objects.get(payer=payer, name="Gold PPO")
    coverage.member_id = "BHP-778812"
    coverage.group_number = "G-42"
    coverage.save()
    _attend(episode, mwf, past_week, days=21)
    current = make_authorization(
        episode, coverage, start=past_week, end=this_week + dt.timedelta(days=13), units=20, number="HX-2291"
    )
    make_authorization(
        episode,
        coverage,
        start=past_week - dt.timedelta(weeks=4),
        end=past_week - dt.timedelta(days=1),
        status="ended",
        number="HX-1000",
    )
    make_authorization(episode, coverage, start=past_week, end=this_week, status="cancelled", number="HX-0999")
    return episode_for_attendance(organization=in_harbor, episode_id=episode.pk), current


def test_the_review_pdf_names_the_payer_and_the_authorizations_units_as_of_its_end(
    as_clinician, harbor, reviewed, past_week, this_week
):
    episode, current = reviewed
    end = past_week + dt.timedelta(days=13)  # two of the three attended weeks

    response = as_clinician.get(
        reverse("attendance_reports:episode_report_pdf", kwargs={"org_slug": harbor.slug, "episode_id": episode.pk}),
        {"start": past_week.isoformat(), "end": end.isoformat()},
    )

    assert response.status_code == 200
    text = _pdf_text(response.content)
    assert "Not recorded" not in text
    assert "Payer Blue Harbor PPO" in text
    assert "Plan Gold PPO" in text
    assert "Member ID BHP-778812; group G-42" in text
    # Six days attended by the end date (the third week's three are after it and not counted).
    window = f"{past_week:%-d %b %Y} to {this_week + dt.timedelta(days=13):%-d %b %Y}"
    assert f"HX-2291 (S9480), {window}: 20 days authorized; 6 used, 14 remaining as of {end:%-d %b %Y}" in text
    # The cancelled one is not an authorization; the older one ended before the period.
    assert "HX-0999" not in text and "HX-1000" not in text


def test_an_ended_authorization_in_the_period_is_counted_through_its_own_end(in_harbor, reviewed, past_week):
    episode, _ = reviewed
    data = attendance_report_data(
        organization=in_harbor,
        episode=episode,
        start=past_week - dt.timedelta(weeks=2),
        end=past_week + dt.timedelta(days=6),
    )

    ended, current = data.authorizations
    assert (ended.number, ended.status, ended.used, ended.remaining) == ("HX-1000", "ended", 0, 10)
    assert ended.as_of == past_week - dt.timedelta(days=1)
    assert (current.number, current.used, current.remaining) == ("HX-2291", 3, 17)
    assert current.as_of == past_week + dt.timedelta(days=6)


def test_without_coverage_or_authorization_the_report_says_not_recorded(in_harbor, make_active_episode, past_week):
    episode = episode_for_attendance(organization=in_harbor, episode_id=make_active_episode().pk)

    data = attendance_report_data(
        organization=in_harbor, episode=episode, start=past_week, end=past_week + dt.timedelta(days=6)
    )

    assert data.coverage is None and data.authorizations == ()


def test_a_secondary_coverage_is_not_the_payer_of_the_report(in_harbor, payer, make_active_episode, past_week):
    episode = make_active_episode()
    make_coverage(episode.client, payer, member_id="SEC-1", priority="secondary")
    episode = episode_for_attendance(organization=in_harbor, episode_id=episode.pk)

    data = attendance_report_data(
        organization=in_harbor, episode=episode, start=past_week, end=past_week + dt.timedelta(days=6)
    )

    assert data.coverage is None
