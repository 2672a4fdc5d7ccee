"""A review not submitted by its deadline escalates to the VAs and the organization's admin,
exactly once per threshold however often the hourly job runs; the source is registered when the
app loads, so the job finds it without being told."""

from __future__ import annotations

import datetime as dt

import pytest

from authorizations.escalations import clock_sources, clocks_escalate
from authorizations.models import ClockEscalation, ClockKind, ConcurrentReview, ReviewStatus
from authorizations.reviews.packets.selectors import review_submission_clocks
from iop.notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_the_submission_clock_source_is_registered_at_start_up():
    assert review_submission_clocks in clock_sources()


def test_an_unsubmitted_review_escalates_once_per_threshold_to_the_vas_and_admin(
    in_harbor, make_review, today, harbor_va, harbor_admin, harbor_clinician
):
    review = make_review(today + dt.timedelta(days=3)).review
    due = review.submission_due_at
    assert due is not None

    def run(at):
        # Every registered source, as the hourly task runs it.
        made = clocks_escalate(organization=in_harbor, now=at)
        return [e.threshold_hours for e in made if e.kind == ClockKind.REVIEW_SUBMISSION]

    hours = [run(due - dt.timedelta(hours=h)) for h in (30, 23, 22, 5, 3, 2)]
    hours += [run(due + dt.timedelta(minutes=m)) for m in (5, 65)]
    assert hours == [[], [24], [], [], [4], [], [0], []]
    assert ClockEscalation.objects.filter(subject_id=review.pk).count() == 3

    told = Notification.objects.filter(kind="clock_escalation")
    assert {n.recipient.user for n in told} == {harbor_va, harbor_admin}
    assert told.count() == 6
    name = review.episode.client.display_name
    assert all(n.title.startswith(f"Submit {name}'s review of ") for n in told)
    assert all(n.title.endswith(" to the payer") for n in told)


def test_a_submitted_review_does_not_escalate(in_harbor, make_review, today):
    review = make_review(today + dt.timedelta(days=3)).review
    ConcurrentReview.objects.filter(pk=review.pk).update(status=ReviewStatus.SUBMITTED)

    assert review_submission_clocks(organization=in_harbor, now=review.submission_due_at) == []
