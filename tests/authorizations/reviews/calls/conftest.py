"""Review-call fixtures: an open concurrent review of an active authorization, its clinician, and
an instant ahead at a local wall-clock time."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from authorizations.models import ConcurrentReview
from iop.tenancy.models import Membership

from ...conftest import make_coverage
from ...units.conftest import make_authorization


def make_review(episode, *, review_date: dt.date, clinician=None, status: str = "upcoming") -> ConcurrentReview:
    coverage = episode.client.coverages.first()
    authorization = make_authorization(
        episode,
        coverage,
        start=review_date - dt.timedelta(days=7),
        end=review_date + dt.timedelta(days=7),
        next_review=review_date,
    )
    return ConcurrentReview.objects.create(
        authorization=authorization, episode=episode, review_date=review_date, clinician=clinician, status=status
    )


@pytest.fixture
def review(in_harbor, make_active_episode, payer, harbor_clinician):
    """An upcoming review (in three days) whose clinician is harbor's clinician."""
    episode = make_active_episode()
    make_coverage(episode.client, payer)
    return make_review(episode, review_date=in_harbor.local_today() + dt.timedelta(days=3), clinician=harbor_clinician)


@pytest.fixture
def clinician_membership(review, harbor_clinician):
    return Membership.objects.get(user=harbor_clinician)


def local(organization, day: dt.date, hhmm: str) -> dt.datetime:
    return organization.local_datetime(day, dt.time.fromisoformat(hhmm))


def days_ahead(organization, days: int, hhmm: str = "10:00") -> dt.datetime:
    return local(organization, organization.local_today(timezone.now()) + dt.timedelta(days=days), hhmm)
