"""The demo's reviews: every active authorization has its open review; Dr. Raman has one tomorrow
with its notes written and a call booked, one today with notes missing, and one past due."""

from __future__ import annotations

import datetime as dt

import pytest

from authorizations.models import OPEN_REVIEW_STATUSES, Authorization, ConcurrentReview

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_review_week_for_the_clinician(demo):  # noqa: F811
    today = demo.harbor.local_today()
    active = Authorization.objects.filter(status="active", end_date__gte=today, continuations__isnull=True)
    open_reviews = ConcurrentReview.objects.filter(status__in=OPEN_REVIEW_STATUSES)
    assert set(active.values_list("pk", flat=True)) <= set(open_reviews.values_list("authorization_id", flat=True))
    mine = {r.review_date - today: r for r in open_reviews.filter(clinician__email="clinician@harbor.test")}
    tomorrow, now, past = mine[dt.timedelta(days=1)], mine[dt.timedelta(days=0)], mine[dt.timedelta(days=-2)]
    assert tomorrow.risk_note and tomorrow.discharge_plan and tomorrow.standardized_scores
    assert tomorrow.calls.filter(status="scheduled").exists()
    assert now.progress_since_last_review and not now.risk_note
    assert past.submission_due_at is not None
    assert "concurrent review" in demo.output
