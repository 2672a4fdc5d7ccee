"""The review calendar: the next review date (cadence, the payer's date, capped at the end, counted
from the last review), the submission deadline in the organization's zone (DST), scheduling once,
the nightly sync, moving a date, and the renewal request."""

from __future__ import annotations

import datetime as dt

import pytest

from authorizations.errors import AuthorizationsErrorCode
from authorizations.models import AuthorizationStatus, ConcurrentReview, ReviewStatus
from authorizations.reviews.services.calendar import (
    next_review_date_for,
    review_date_move,
    review_renewal_request,
    review_schedule,
    reviews_sync,
    submission_due_at,
)
from iop.common.exceptions import ApplicationError

from ..conftest import make_rule
from ..units.conftest import make_authorization

pytestmark = pytest.mark.django_db

D = dt.date(2026, 12, 1)


@pytest.fixture
def episode_coverage(covered, rule):
    return covered()


def test_the_cadence_counts_from_the_start_and_the_payers_date_wins(episode_coverage):
    episode, coverage = episode_coverage
    authorization = make_authorization(episode, coverage, start=D, end=D + dt.timedelta(days=27))
    assert next_review_date_for(authorization) == D + dt.timedelta(days=7)

    authorization.next_review_date = D + dt.timedelta(days=5)
    assert next_review_date_for(authorization) == D + dt.timedelta(days=5)


def test_the_review_is_never_after_the_authorization_ends(episode_coverage, payer):
    episode, coverage = episode_coverage
    short = make_authorization(episode, coverage, start=D, end=D + dt.timedelta(days=4))
    assert next_review_date_for(short) == short.end_date
    short.next_review_date = D + dt.timedelta(days=20)
    assert next_review_date_for(short) == short.end_date


def test_after_a_review_the_cadence_counts_from_it_and_an_old_payer_date_is_ignored(episode_coverage):
    episode, coverage = episode_coverage
    authorization = make_authorization(
        episode, coverage, start=D, end=D + dt.timedelta(days=40), next_review=D + dt.timedelta(days=6)
    )
    ConcurrentReview.objects.create(
        authorization=authorization, episode=episode, review_date=D + dt.timedelta(days=6), status=ReviewStatus.DECIDED
    )
    assert next_review_date_for(authorization) == D + dt.timedelta(days=13)


def test_a_plan_rule_and_the_level_of_care_choose_the_cadence(episode_coverage, payer):
    episode, coverage = episode_coverage
    plan = payer.plans.get()
    coverage.plan = plan
    coverage.save()
    make_rule(payer, plan=plan, review_cadence_days=10)
    make_rule(payer, level_of_care="php", review_cadence_days=3)
    authorization = make_authorization(episode, coverage, start=D, end=D + dt.timedelta(days=27))
    assert next_review_date_for(authorization) == D + dt.timedelta(days=10)


def test_without_a_rule_the_review_falls_on_the_last_day(covered):
    episode, coverage = covered()
    authorization = make_authorization(episode, coverage, start=D, end=D + dt.timedelta(days=27))
    assert next_review_date_for(authorization) == authorization.end_date


def test_the_submission_is_due_at_the_start_of_the_review_day_in_the_organizations_zone(episode_coverage):
    episode, coverage = episode_coverage
    authorization = make_authorization(episode, coverage, start=D, end=D + dt.timedelta(days=27))
    due = submission_due_at(authorization, review_date=D + dt.timedelta(days=7))
    assert due.astimezone(authorization.organization.tzinfo).replace(tzinfo=None) == dt.datetime(2026, 12, 8, 0, 0)
    assert due.utcoffset() == dt.timedelta(hours=-5)


def test_the_lead_before_the_end_is_counted_in_elapsed_hours_across_the_dst_change(covered, payer):
    """An authorization ending Sunday 1 Nov 2026 (New York falls back at 2:00): its end is Monday
    00:00 EST; 48 hours before that is Saturday 01:00 EDT, not Saturday midnight."""
    make_rule(payer, review_submission_lead_hours=48)
    episode, coverage = covered()
    start, end = dt.date(2026, 10, 19), dt.date(2026, 11, 1)
    authorization = make_authorization(episode, coverage, start=start, end=end)
    due = submission_due_at(authorization, review_date=end)
    local = due.astimezone(authorization.organization.tzinfo)
    assert (local.date(), local.hour, local.utcoffset()) == (dt.date(2026, 10, 31), 1, dt.timedelta(hours=-4))
    # A review earlier in the window is due at the start of its day, the earlier of the two.
    early = submission_due_at(authorization, review_date=dt.date(2026, 10, 26))
    assert early.astimezone(authorization.organization.tzinfo).replace(tzinfo=None) == dt.datetime(2026, 10, 26)


def test_scheduling_is_idempotent_and_names_the_primary_clinician(episode_coverage, harbor_clinician):
    episode, coverage = episode_coverage
    authorization = make_authorization(episode, coverage, start=D, end=D + dt.timedelta(days=27))
    first = review_schedule(authorization=authorization)
    again = review_schedule(authorization=authorization, review_date=D + dt.timedelta(days=3))
    assert again.pk == first.pk and ConcurrentReview.objects.count() == 1
    assert (first.review_date, first.clinician, first.status) == (
        D + dt.timedelta(days=7),
        harbor_clinician,
        "upcoming",
    )
    assert first.submission_due_at == authorization.organization.local_datetime(D + dt.timedelta(days=7), dt.time(0))
    authorization.refresh_from_db()
    assert authorization.next_review_date == first.review_date  # the burn-down warns against it


def test_an_ended_authorization_is_not_scheduled(episode_coverage):
    episode, coverage = episode_coverage
    ended = make_authorization(episode, coverage, start=D, end=D + dt.timedelta(days=3), status="ended")
    with pytest.raises(ApplicationError) as refused:
        review_schedule(authorization=ended)
    assert refused.value.code == AuthorizationsErrorCode.AUTHORIZATION_NOT_ACTIVE
    assert not ConcurrentReview.objects.exists()


def test_the_sync_schedules_every_active_authorization_without_an_open_review_once(in_harbor, covered, rule):
    today = in_harbor.local_today()
    rows = [covered() for _ in range(3)]
    active = make_authorization(*rows[0], start=today, end=today + dt.timedelta(days=13))
    reviewed = make_authorization(*rows[1], start=today, end=today + dt.timedelta(days=13))
    existing = review_schedule(authorization=reviewed)
    make_authorization(*rows[2], start=today - dt.timedelta(days=20), end=today - dt.timedelta(days=1))
    continued = make_authorization(*rows[0], start=today - dt.timedelta(days=14), end=today + dt.timedelta(days=2))
    active.prior = continued
    active.save()

    created = reviews_sync(organization=in_harbor)

    assert [r.authorization_id for r in created] == [active.pk]
    assert reviews_sync(organization=in_harbor) == []
    assert ConcurrentReview.objects.filter(authorization=reviewed).get() == existing


def test_moving_a_review_follows_the_payer_and_refuses_a_bad_date(in_harbor, episode_coverage):
    episode, coverage = episode_coverage
    today = in_harbor.local_today()
    authorization = make_authorization(
        episode, coverage, start=today - dt.timedelta(days=3), end=today + dt.timedelta(days=10)
    )
    review = review_schedule(authorization=authorization)
    before = (review.review_date, review.submission_due_at)
    for day, code in (
        (today - dt.timedelta(days=1), AuthorizationsErrorCode.REVIEW_DATE_IN_PAST),
        (today + dt.timedelta(days=11), AuthorizationsErrorCode.REVIEW_DATE_OUTSIDE_AUTHORIZATION),
    ):
        with pytest.raises(ApplicationError) as refused:
            review_date_move(review=review, review_date=day)
        assert refused.value.code == code
        review.refresh_from_db()
        assert (review.review_date, review.submission_due_at) == before

    moved = review_date_move(review=review, review_date=today + dt.timedelta(days=2))
    authorization.refresh_from_db()
    assert moved.review_date == authorization.next_review_date == today + dt.timedelta(days=2)
    assert moved.submission_due_at == in_harbor.local_datetime(today + dt.timedelta(days=2), dt.time(0))
    assert moved.events.count() >= 2  # pghistory keeps the earlier date


def test_the_renewal_request_continues_the_authorization_for_the_next_window(
    in_harbor, covered, approve, harbor_clinician
):
    episode, coverage = covered()
    today = in_harbor.local_today()
    authorization = approve(episode, coverage, today)
    review = review_schedule(authorization=authorization)

    request = review_renewal_request(review=review, actor=harbor_clinician)

    assert review_renewal_request(review=review, actor=harbor_clinician).pk == request.pk
    assert (request.certification_type, request.prior_authorization_id, request.status) == (
        "R",
        authorization.pk,
        "draft",
    )
    assert (request.start_date, request.end_date) == (
        authorization.end_date + dt.timedelta(days=1),
        authorization.end_date + dt.timedelta(days=14),
    )
    assert list(request.diagnoses.values_list("code", flat=True)) == ["F33.1"]
    codes = {line.code: line for line in request.lines.all()}
    assert set(codes) == set(authorization.lines.values_list("code", flat=True)) - {"90791"}
    assert all(line.start_date == request.start_date and line.end_date == request.end_date for line in codes.values())
    review.refresh_from_db()
    assert review.request_id == request.pk
    assert authorization.status == AuthorizationStatus.ACTIVE
