"""Authorizations' inbox lines say what to do and name the client; each leaves the unread list once
what it points at is fixed: an ending authorization renewed (or its task done), a deadline's clock
closed, a packet's missing items added, a review call held or cancelled."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from authorizations.escalations import clocks_escalate
from authorizations.models import ChaseKind, ChaseTask, ConcurrentReview, RequestStatus, ReviewPacket, ReviewStatus
from authorizations.reviews.calls.services import (
    REMINDER_KIND,
    review_call_cancel,
    review_call_reminders_send,
    review_call_schedule,
)
from authorizations.reviews.packets import services as packet_services
from authorizations.units.services import authorizations_chase, chase_task_done
from iop.notifications.models import Notification
from iop.notifications.services import notifications_resolve
from tests.authorizations.reviews.calls.conftest import local
from tests.authorizations.units.conftest import make_authorization, make_request

pytestmark = pytest.mark.django_db


def _resolved(**filters) -> bool:
    lines = Notification.objects.filter(**filters)
    assert lines.exists()
    return not lines.filter(resolved_at__isnull=True).exists()


def test_an_ending_authorization_names_the_client_and_leaves_once_renewed(
    in_harbor, covered_episode, harbor_intake, harbor_va
):
    today = in_harbor.local_today()
    now = in_harbor.local_datetime(today, dt.time(8))
    episode, coverage = covered_episode()
    ending = make_authorization(
        episode, coverage, start=today - dt.timedelta(days=20), end=today + dt.timedelta(days=5)
    )
    other, other_coverage = covered_episode()
    late = make_request(
        other, other_coverage, status=RequestStatus.SUBMITTED, decision_due_at=now - dt.timedelta(hours=2)
    )
    assert len(authorizations_chase(organization=in_harbor, now=now)) == 2

    task = ChaseTask.objects.get(authorization=ending)
    line = Notification.objects.get(dedupe_key=f"chase:{task.pk}", recipient__user=harbor_va)
    assert line.kind == f"chase_{ChaseKind.ENDS_IN_7}"
    assert line.title == f"Renew {episode.client.display_name}'s authorization: it ends within 7 days"
    assert (line.client_id, line.subject_ids) == (episode.client_id, [task.pk])
    chased = ChaseTask.objects.get(request=late)
    assert Notification.objects.get(dedupe_key=f"chase:{chased.pk}", recipient__user=harbor_va).title == (
        f"Chase the payer's overdue decision on {other.client.display_name}'s request"
    )
    assert notifications_resolve(organization=in_harbor) == 0

    # The renewal is ready to go: the authorization needs no more chasing (its task stays open).
    make_request(
        episode,
        coverage,
        status=RequestStatus.READY,
        start_date=today + dt.timedelta(days=6),
        end_date=today + dt.timedelta(days=20),
    )
    notifications_resolve(organization=in_harbor)
    assert _resolved(dedupe_key=f"chase:{task.pk}")
    assert ChaseTask.objects.get(pk=task.pk).done_at is None
    assert not _resolved(dedupe_key=f"chase:{chased.pk}")

    # The late decision's task is done by hand.
    chase_task_done(task=chased, actor=harbor_intake, note="Called the payer: decision tomorrow.")
    notifications_resolve(organization=in_harbor)
    assert _resolved(dedupe_key=f"chase:{chased.pk}")


def test_a_review_deadline_names_the_client_and_leaves_once_submitted(in_harbor, review, harbor_va):
    due = timezone.now() + dt.timedelta(hours=3)
    ConcurrentReview.objects.filter(pk=review.pk).update(submission_due_at=due)
    made = clocks_escalate(organization=in_harbor, now=due - dt.timedelta(hours=3, minutes=30))
    assert [e.threshold_hours for e in made] == [4]
    line = Notification.objects.get(kind="clock_escalation", recipient__user=harbor_va)
    client = review.episode.client
    assert line.title.startswith(f"Submit {client.display_name}'s review of ") and line.title.endswith(" to the payer")
    assert line.client_id == client.pk and line.subject_ids == [made[0].pk]
    assert notifications_resolve(organization=in_harbor) == 0

    ConcurrentReview.objects.filter(pk=review.pk).update(status=ReviewStatus.SUBMITTED)
    notifications_resolve(organization=in_harbor)
    assert _resolved(kind="clock_escalation")


def test_a_moved_deadline_resolves_the_old_escalation(in_harbor, review, harbor_va):
    due = timezone.now() + dt.timedelta(hours=3)
    ConcurrentReview.objects.filter(pk=review.pk).update(submission_due_at=due)
    clocks_escalate(organization=in_harbor, now=due - dt.timedelta(hours=3, minutes=30))
    ConcurrentReview.objects.filter(pk=review.pk).update(submission_due_at=due + dt.timedelta(days=2))
    notifications_resolve(organization=in_harbor)
    assert _resolved(kind="clock_escalation")


def test_a_packet_with_items_missing_names_the_client_and_leaves_once_complete(in_harbor, review, harbor_clinician):
    packet = ReviewPacket.objects.create(review=review, prepared_at=timezone.now(), missing=["risk", "medications"])
    packet_services._tell_clinician(review, packet)
    line = Notification.objects.get(kind="review_packet", recipient__user=harbor_clinician)
    client = review.episode.client
    assert line.title.startswith(f"Add what is missing to {client.display_name}'s review packet for ")
    assert line.subject_ids == [review.pk]
    assert notifications_resolve(organization=in_harbor) == 0

    ReviewPacket.objects.filter(pk=packet.pk).update(missing=[])
    notifications_resolve(organization=in_harbor)
    assert _resolved(kind="review_packet")


def test_a_ready_packet_is_news_and_stays_until_read(in_harbor, review, harbor_clinician):
    packet = ReviewPacket.objects.create(review=review, prepared_at=timezone.now(), missing=[])
    packet_services._tell_clinician(review, packet)
    line = Notification.objects.get(kind="review_packet", recipient__user=harbor_clinician)
    assert line.title.startswith(f"Look over {review.episode.client.display_name}'s review packet for ")
    ConcurrentReview.objects.filter(pk=review.pk).update(status=ReviewStatus.SUBMITTED)
    notifications_resolve(organization=in_harbor)
    line.refresh_from_db()
    assert line.subject_ids == [] and line.resolved_at is None


def test_a_review_call_reminder_names_the_client_and_leaves_once_cancelled(
    in_harbor, review, clinician_membership, harbor_va
):
    day = review.review_date
    call = review_call_schedule(
        review=review, starts_at=local(in_harbor, day, "10:00"), dial_in="+1 800 555 0100,,482913#", actor=harbor_va
    )
    review_call_reminders_send(organization=in_harbor, now=local(in_harbor, day - dt.timedelta(days=1), "18:30"))
    line = Notification.objects.get(kind=REMINDER_KIND, recipient=clinician_membership)
    assert line.title.startswith(f"Join the review call for {review.episode.client.display_name} tomorrow at ")
    assert line.subject_ids == [call.pk]
    assert notifications_resolve(organization=in_harbor) == 0

    review_call_cancel(call=call, reason="The payer cancelled.", actor=harbor_va)
    notifications_resolve(organization=in_harbor)
    assert _resolved(kind=REMINDER_KIND)
