"""Scheduling, moving and cancelling a review call: one scheduled call per review, refusals with
their codes, and the history of earlier times."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from authorizations.errors import AuthorizationsErrorCode as Code
from authorizations.models import CallStatus, ReviewCall
from authorizations.reviews.calls import selectors
from authorizations.reviews.calls.services import (
    call_local_start,
    review_call_cancel,
    review_call_reschedule,
    review_call_schedule,
)
from iop.common.exceptions import ApplicationError

from .conftest import days_ahead

pytestmark = pytest.mark.django_db

PHONE = "+1 800 555 0100,,482913#"


def _schedule(review, actor, **kwargs):
    fields = {
        "starts_at": days_ahead(review.organization, 2),
        "dial_in": PHONE,
        "reviewer_name": "Dana Whitfield, RN",
        "reviewer_reference": "CR-1001",
        "participants": "Program VA",
    }
    return review_call_schedule(review=review, actor=actor, **(fields | kwargs))


def _refused(code, fn, /, *args, **kwargs):
    with pytest.raises(ApplicationError) as refused:
        fn(*args, **kwargs)
    assert refused.value.code == code
    return refused.value


def test_a_call_is_scheduled_in_the_organizations_zone(review, harbor_va):
    call = _schedule(review, harbor_va)
    assert call.status == CallStatus.SCHEDULED
    assert call.starts_at.astimezone(review.organization.tzinfo).time() == dt.time(10, 0)
    assert call.created_by == harbor_va
    assert selectors.review_call_scheduled(review=review) == call
    assert selectors.call_sequence(call) == 0


def test_only_one_scheduled_call_per_review(review, harbor_va):
    _schedule(review, harbor_va)
    _refused(Code.CALL_ALREADY_SCHEDULED, _schedule, review, harbor_va, starts_at=days_ahead(review.organization, 3))
    assert ReviewCall.objects.filter(review=review).count() == 1


def test_a_call_whose_time_passed_counts_as_held(review, harbor_va):
    earlier = _schedule(review, harbor_va, starts_at=timezone.now() + dt.timedelta(minutes=10))
    later = timezone.now() + dt.timedelta(hours=2)
    call = _schedule(review, harbor_va, starts_at=days_ahead(review.organization, 3), now=later)
    earlier.refresh_from_db()
    assert earlier.status == CallStatus.HELD
    assert selectors.review_call_scheduled(review=review) == call


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"starts_at": timezone.now() - dt.timedelta(minutes=1)}, Code.CALL_IN_PAST),
        ({"duration_minutes": 2}, Code.CALL_DURATION),
        ({"duration_minutes": 600}, Code.CALL_DURATION),
        ({"dial_in": "  "}, Code.CALL_DIAL_IN_REQUIRED),
        ({"dial_in": "call the reviewer"}, Code.CALL_DIAL_IN_INVALID),
        ({"dial_in": "555-12"}, Code.CALL_DIAL_IN_INVALID),
        ({"dial_in": "http://meet.example.com/x"}, Code.CALL_DIAL_IN_INVALID),
    ],
)
def test_refusals_name_their_rule(review, harbor_va, fields, code):
    _refused(code, _schedule, review, harbor_va, **fields)
    assert not ReviewCall.objects.filter(review=review).exists()


def test_a_closed_review_takes_no_call(review, harbor_va):
    review.status = "decided"
    review.save(update_fields=["status"])
    _refused(Code.CALL_REVIEW_CLOSED, _schedule, review, harbor_va)


def test_a_nonexistent_local_time_is_refused(in_harbor):
    # 2027-03-14: clocks go from 02:00 to 03:00 in New York.
    spring = dt.date(2027, 3, 14)
    _refused(Code.CALL_TIME_NONEXISTENT, call_local_start, organization=in_harbor, day=spring, time=dt.time(2, 30))
    start = call_local_start(organization=in_harbor, day=dt.date(2027, 3, 15), time=dt.time(10, 0))
    assert start == dt.datetime(2027, 3, 15, 14, 0, tzinfo=dt.UTC)


def test_reschedule_moves_the_call_and_keeps_the_earlier_time(review, harbor_va):
    call = _schedule(review, harbor_va)
    first = call.starts_at
    moved = review_call_reschedule(call=call, starts_at=days_ahead(review.organization, 3, "14:30"), actor=harbor_va)
    assert moved.pk == call.pk
    assert ReviewCall.objects.filter(review=review).count() == 1
    changes = selectors.call_changes(moved)
    assert [(c.moved_from, c.moved_to) for c in changes] == [(first, moved.starts_at)]
    assert selectors.call_sequence(moved) == 1
    assert moved.reviewer_reference == "CR-1001"  # details not given are kept


def test_reschedule_refusals(review, harbor_va):
    call = _schedule(review, harbor_va)
    _refused(Code.CALL_UNCHANGED, review_call_reschedule, call=call, starts_at=call.starts_at, actor=harbor_va)
    _refused(
        Code.CALL_IN_PAST,
        review_call_reschedule,
        call=call,
        starts_at=timezone.now() - dt.timedelta(hours=1),
        actor=harbor_va,
    )
    # Only the details may change, at the same time.
    link = "https://meet.example.com/r"
    changed = review_call_reschedule(call=call, starts_at=call.starts_at, dial_in=link, actor=harbor_va)
    assert changed.dial_in == "https://meet.example.com/r"


def test_cancel_needs_a_reason_and_ends_the_call(review, harbor_va):
    call = _schedule(review, harbor_va)
    _refused(Code.CALL_CANCEL_REASON_REQUIRED, review_call_cancel, call=call, reason=" ", actor=harbor_va)
    cancelled = review_call_cancel(call=call, reason="The payer moved the review to a written one.", actor=harbor_va)
    assert cancelled.status == CallStatus.CANCELLED
    assert selectors.review_call_scheduled(review=review) is None
    assert [c.cancelled for c in selectors.call_changes(cancelled)] == [True]
    assert selectors.call_sequence(cancelled) == 1
    _refused(Code.CALL_NOT_SCHEDULED, review_call_cancel, call=cancelled, reason="again", actor=harbor_va)
    _refused(
        Code.CALL_NOT_SCHEDULED,
        review_call_reschedule,
        call=cancelled,
        starts_at=days_ahead(review.organization, 4),
        actor=harbor_va,
    )
    # A new call can be scheduled after a cancellation.
    assert _schedule(review, harbor_va).status == CallStatus.SCHEDULED


@pytest.mark.parametrize(
    ("dial_in", "href"),
    [
        ("+1 800 555 0100,,482913#", "tel:+18005550100,,482913#"),
        ("(800) 555-0100 code 482913", "tel:8005550100,,482913"),
        ("+1 800 555 0142, code 771 204", "tel:+18005550142,,771204"),
        ("800-555-0100 x12 pin 4567#", "tel:8005550100,,12,,4567#"),
        ("https://meet.example.com/abc?pwd=1", "https://meet.example.com/abc?pwd=1"),
    ],
)
def test_dial_in_links(dial_in, href):
    assert selectors.dial_in_problem(dial_in) == ""
    assert selectors.dial_in_href(dial_in) == href


def test_the_demo_seed_gives_open_reviews_a_call_once(review, harbor_va):
    from authorizations.reviews.calls.services import review_calls_seed

    made = review_calls_seed(reviews=[review], actor=harbor_va)
    assert len(made) == 1 and made[0].reviewer_name
    assert [c.moved_from is not None for c in selectors.call_changes(made[0])] == [True]
    assert review_calls_seed(reviews=[review], actor=harbor_va) == []


def test_closing_a_review_cancels_its_call_ahead(review, harbor_va):
    from authorizations.reviews.calls.services import review_calls_cancel_open

    call = _schedule(review, harbor_va)
    (cancelled,) = review_calls_cancel_open(review=review, reason="The review was decided.", actor=harbor_va)
    assert (cancelled.pk, cancelled.status) == (call.pk, CallStatus.CANCELLED)
    assert review_calls_cancel_open(review=review, reason="again", actor=harbor_va) == []
