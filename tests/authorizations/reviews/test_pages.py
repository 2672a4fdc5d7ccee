"""The Reviews page (groups at a fixed clock, each row's payer, reviewer, clinician, call and
packet, a clinician's own first, constant queries as rows grow), the month view, the review page
(clinical content for clinical roles only; saving it; a refused save changes nothing; recording
the outcome from the page), the navigation link, and another tenant's review as a 404."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from authorizations.models import ConcurrentReview, Payer, ReviewCall, ReviewPacket, ReviewStatus
from authorizations.reviews.services.calendar import review_schedule
from iop.audit.models import AccessEvent
from iop.tenancy.context import tenant_context
from tests.factories import ClientFactory, EpisodeFactory, ProgramFactory

from ..conftest import make_coverage
from ..units.conftest import make_authorization

pytestmark = pytest.mark.django_db

# Wednesday 9 December 2026, 10:00 in New York.
NOW = dt.datetime(2026, 12, 9, 10, 0, tzinfo=zoneinfo.ZoneInfo("America/New_York"))
TODAY = NOW.date()

# Measured at 13 queries for 5 and for 15 reviews: sign-in, tenant and membership, the reviews
# with their client, payer, clinician and packet (1), their scheduled calls (1), the access event
# (1), the organization switcher and unread count, and the session save. It must not grow.
REVIEWS_QUERY_BUDGET = 13


def _url(name="reviews", **kwargs) -> str:
    return reverse(f"authorizations:{name}", kwargs={"org_slug": "harbor", **kwargs})


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


def _review(covered, days: int, **client):
    episode, coverage = covered(**client)
    day = TODAY + dt.timedelta(days=days)
    authorization = make_authorization(
        episode, coverage, start=day - dt.timedelta(days=10), end=day + dt.timedelta(days=10)
    )
    return review_schedule(authorization=authorization, review_date=day)


def _rows(covered, harbor_clinician, count: int) -> dict:
    """`count` rounds of five reviews: two days ago, today, tomorrow, in three days and in ten;
    tomorrow's with a call and a ready packet, today's with a packet missing items."""
    made = {}
    for _ in range(count):
        for key, days in (("past", -2), ("today", 0), ("tomorrow", 1), ("week", 3), ("later", 10)):
            made[key] = _review(covered, days)
        ReviewCall.objects.create(
            review=made["tomorrow"],
            starts_at=NOW + dt.timedelta(days=1, hours=1),
            dial_in="+1 555 0100 code 4411",
            reviewer_name="Dana Reviewer",
        )
        ReviewPacket.objects.create(review=made["tomorrow"], prepared_at=NOW, pdf=b"%PDF-1.7", page_count=4)
        ReviewPacket.objects.create(review=made["today"], prepared_at=NOW, missing=["risk", "scores"])
    return made


def _section(body: str, key: str) -> str:
    start = body.index(f'id="group-{key}"')
    end = body.find('<section class="section" id="group-', start + 10)
    return body[start : end if end > 0 else len(body)]


def test_the_reviews_page_groups_open_reviews_and_costs_the_same_at_two_sizes(
    clock, as_clinician, covered, harbor_clinician, rule
):
    def count() -> tuple[int, str]:
        with CaptureQueriesContext(connection) as ctx:
            response = as_clinician.get(_url())
        assert response.status_code == 200
        return len(ctx.captured_queries), response.content.decode()

    made = _rows(covered, harbor_clinician, 1)
    few, body = count()
    _rows(covered, harbor_clinician, 2)
    many, body = count()

    assert few == many <= REVIEWS_QUERY_BUDGET, (few, many)
    for key, title in (
        ("past_due", "Past due (3)"),
        ("today", "Today (3)"),
        ("tomorrow", "Tomorrow (3)"),
        ("this_week", "This week (3)"),
        ("later", "Later (3)"),
    ):
        assert title in _section(body, key)
    tomorrow, today = _section(body, "tomorrow"), _section(body, "today")
    assert made["tomorrow"].episode.client.sort_name in tomorrow
    assert "Dana Reviewer" in tomorrow and "+1 555 0100 code 4411" in tomorrow and "Thu 10 Dec, 11:00" in tomorrow
    assert f'data-testid="packet-{made["tomorrow"].pk}"><span class="tag tag--success">Ready' in tomorrow
    assert "Missing:</span> Current risk, Standardized scores" in today
    assert "Not prepared" in _section(body, "past_due")
    assert harbor_clinician.get_full_name() in tomorrow and "Yours" in tomorrow
    # The submission of today's review was due at the start of today: shown as overdue.
    assert "tag--danger" in today
    # One list event per view, naming every client shown (the clock is frozen: both share a time).
    events = AccessEvent.objects.filter(object_type="authorizations.reviews")
    assert sorted(len(e.object_ids) for e in events) == [5, 15]


def test_a_clinician_sees_their_own_first_or_only_theirs(clock, as_clinician, covered, harbor_clinician, rule):
    others = _review(covered, 1)
    others.clinician = None
    others.save()
    mine = _review(covered, 1)
    body = as_clinician.get(_url()).content.decode()
    section = _section(body, "tomorrow")
    assert section.index(mine.episode.client.sort_name) < section.index(others.episode.client.sort_name)
    only = as_clinician.get(_url() + "?mine=1").content.decode()
    assert mine.episode.client.sort_name in only and others.episode.client.sort_name not in only


def test_the_month_view_shows_each_day_and_the_nav_links_to_reviews(clock, as_va, covered, rule):
    review = _review(covered, 3)
    body = as_va.get(_url("reviews_month", year=2026, month=12)).content.decode()
    assert "Reviews in December 2026" in body
    assert 'data-testid="day-2026-12-12"' in body and review.episode.client.sort_name in body
    assert "← November" in body and "January →" in body
    assert as_va.get(_url("reviews_month", year=2026, month=13)).status_code == 404
    page = as_va.get(_url()).content.decode()
    assert f'href="{_url()}" aria-current="page">Reviews</a>' in page


def test_a_va_sees_the_review_without_its_clinical_content(clock, as_va, covered, rule):
    review = _review(covered, 1)
    review.risk_note = "Passive SI last week; safety plan reviewed."
    review.save()
    body = as_va.get(_url("review", review_id=review.pk)).content.decode()
    assert "Passive SI" not in body and "What the clinician tells the reviewer" not in body
    assert "Record the outcome" in body and f"Authorization {review.authorization.number}" in body
    assert as_va.post(_url("review_clinical", review_id=review.pk), {"clinical-risk_note": "x"}).status_code == 403


def test_a_clinician_saves_the_clinical_notes_and_a_refused_save_changes_nothing(clock, as_clinician, covered, rule):
    review = _review(covered, 1)
    page = _url("review", review_id=review.pk)
    body = as_clinician.get(page).content.decode()
    assert "What the clinician tells the reviewer" in body and 'id="discharge-plan"' in body

    data = {
        "clinical-progress_since_last_review": "PHQ-9 from 19 to 12.",
        "clinical-risk_note": "Denies SI/HI.",
        "clinical-standardized_scores": "PHQ-9, 12, 2026-12-08\nGAD-7, 9, 2026-12-08",
        "clinical-criteria_cited": "LOCUS level 3",
    }
    response = as_clinician.post(_url("review_clinical", review_id=review.pk), data)
    assert response.status_code == 302 and response["Location"] == page + "#clinical"
    review.refresh_from_db()
    assert review.risk_note == "Denies SI/HI." and review.standardized_scores == [
        {"instrument": "PHQ-9", "score": 12, "date": "2026-12-08"},
        {"instrument": "GAD-7", "score": 9, "date": "2026-12-08"},
    ]

    refused = as_clinician.post(
        _url("review_clinical", review_id=review.pk),
        {**data, "clinical-risk_note": "Changed", "clinical-standardized_scores": "PHQ-9, 12, 2027-01-30"},
        follow=True,
    )
    assert refused.status_code == 422 and "not in the future" in refused.content.decode()
    review.refresh_from_db()
    assert review.risk_note == "Denies SI/HI."


def test_the_outcome_is_recorded_from_the_review_page(clock, as_clinician, in_harbor, covered, approve, rule):
    episode, coverage = covered()
    authorization = approve(episode, coverage, TODAY - dt.timedelta(days=7), number="PA-9")
    review = ConcurrentReview.objects.get(authorization=authorization)
    body = as_clinician.get(_url("review", review_id=review.pk)).content.decode()
    assert 'name="outcome-units_0"' in body
    start, end = authorization.end_date + dt.timedelta(days=1), authorization.end_date + dt.timedelta(days=14)
    codes = list(dict.fromkeys(authorization.lines.values_list("code", flat=True)))
    data = {
        "outcome-outcome": "approved",
        "outcome-decided_on": TODAY.isoformat(),
        "outcome-authorization_number": "PA-9",
    }
    for index, _code in enumerate(codes):
        data |= {f"outcome-units_{index}": "10", f"outcome-start_{index}": start, f"outcome-end_{index}": end}
    response = as_clinician.post(_url("review_outcome", review_id=review.pk), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    review.refresh_from_db()
    authorization.refresh_from_db()
    assert review.status == ReviewStatus.DECIDED and authorization.end_date == end

    refused = as_clinician.post(_url("review_outcome", review_id=review.pk), data, follow=True)
    assert refused.status_code == 422


def test_another_tenants_review_is_a_404(clock, as_clinician, summit, rule):
    with tenant_context(summit.id):
        program = ProgramFactory(organization=summit)
        client = ClientFactory(organization=summit)
        episode = EpisodeFactory(organization=summit, client=client, program=program)
        payer = Payer.objects.create(name="Summit payer")
        coverage = make_coverage(client, payer)
        authorization = make_authorization(episode, coverage, start=TODAY, end=TODAY + dt.timedelta(days=13))
        review = review_schedule(authorization=authorization)
    assert as_clinician.get(_url("review", review_id=review.pk)).status_code == 404
    assert as_clinician.post(_url("review_outcome", review_id=review.pk), {}).status_code == 404
