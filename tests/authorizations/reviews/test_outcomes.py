"""The outcome of a review, recorded like a 278 response: it updates the authorization (extended
under its number, or continued by the next), the next review and the episode's authorized level of
care; a pend or a step-down tells the client once (consent respected, nothing clinical by SMS);
a step-down is a task for the clinician; a refused outcome changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from authorizations.errors import AuthorizationsErrorCode
from authorizations.models import Authorization, AuthorizationRequest, ConcurrentReview, ReviewStatus
from authorizations.requests.services.determinations import ApprovedLine
from authorizations.reviews.services.outcomes import (
    outcome_message_key,
    review_outcome_message_deliver,
    review_outcome_record,
)
from iop.common.exceptions import ApplicationError
from iop.notifications.models import Notification, OutboundMessage

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(in_harbor, covered, approve):
    """A client approved for 14 days from a week ago, and their open review (due in the cadence)."""
    episode, coverage = covered()
    start = in_harbor.local_today() - dt.timedelta(days=7)
    authorization = approve(episode, coverage, start, number="PA-100")
    review = ConcurrentReview.objects.get(authorization=authorization)
    return episode, authorization, review


def _lines(authorization, start, end, units=10):
    return [
        ApprovedLine(code=line.code, units=units, start_date=start, end_date=end) for line in authorization.lines.all()
    ]


def test_an_approval_under_the_same_number_extends_the_authorization_and_schedules_the_next_review(
    in_harbor, world, harbor_clinician, django_capture_on_commit_callbacks
):
    episode, authorization, review = world
    assert review.review_date == authorization.start_date + dt.timedelta(days=7)
    start, end = authorization.end_date + dt.timedelta(days=1), authorization.end_date + dt.timedelta(days=14)

    with django_capture_on_commit_callbacks(execute=False) as sent:
        determination = review_outcome_record(
            review=review, outcome="approved", lines=_lines(authorization, start, end), actor=harbor_clinician
        )

    review.refresh_from_db()
    authorization.refresh_from_db()
    episode.refresh_from_db()
    request = AuthorizationRequest.objects.get(pk=review.request_id)
    assert (determination.action, review.status) == ("A1", ReviewStatus.DECIDED)
    # Never submitted by hand: presented on the call, so recorded as submitted by phone.
    assert (request.status, request.channel, request.submitted_by) == ("determined", "phone", harbor_clinician)
    assert authorization.end_date == end and Authorization.objects.filter(episode=episode).count() == 1
    upcoming = ConcurrentReview.objects.get(authorization=authorization, status=ReviewStatus.UPCOMING)
    assert upcoming.review_date == review.review_date + dt.timedelta(days=7) == authorization.next_review_date
    assert episode.authorized_level_of_care == "iop"
    assert not [c for c in sent if "review_outcome" in repr(c)]  # an approval tells the client its own way


def test_an_approval_under_a_new_number_continues_the_authorization_with_the_payers_review_date(
    world, harbor_clinician
):
    episode, authorization, review = world
    start, end = authorization.end_date + dt.timedelta(days=1), authorization.end_date + dt.timedelta(days=10)
    review_outcome_record(
        review=review,
        outcome="partial",
        authorization_number="PA-200",
        lines=_lines(authorization, start, end, units=5),
        next_review_date=start + dt.timedelta(days=3),
        actor=harbor_clinician,
    )
    following = Authorization.objects.get(number="PA-200")
    assert following.prior_id == authorization.pk
    upcoming = ConcurrentReview.objects.get(status=ReviewStatus.UPCOMING)
    assert (upcoming.authorization_id, upcoming.review_date) == (following.pk, start + dt.timedelta(days=3))
    assert not ConcurrentReview.objects.filter(authorization=authorization, status=ReviewStatus.UPCOMING).exists()


def test_a_pend_tells_the_client_what_is_needed_once(
    in_harbor, world, harbor_clinician, django_capture_on_commit_callbacks
):
    episode, authorization, review = world
    due = in_harbor.local_today() + dt.timedelta(days=2)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        determination = review_outcome_record(
            review=review,
            outcome="pended",
            reason="Updated PHQ-9 and last week's progress notes",
            information_due=due,
            actor=harbor_clinician,
        )
    review.refresh_from_db()
    assert (determination.action, review.status, review.request.status) == ("A4", ReviewStatus.PENDED, "pended")
    assert len(queued) == 1  # the message is handed to a worker once the outcome is committed
    # The task's body; run again (a retry, a redelivery) it sends nothing.
    first = review_outcome_message_deliver(determination_id=determination.pk, client_id=episode.client_id)
    again = review_outcome_message_deliver(determination_id=determination.pk, client_id=episode.client_id)
    assert (first, again) == ("sent", "already sent")
    (message,) = OutboundMessage.objects.filter(client=episode.client)
    assert message.idempotency_key == outcome_message_key(determination, episode.client)
    assert message.channel == "email" and "PHQ-9" in message.body and "more information" in message.body
    assert episode.client.first_name in message.body


def test_nothing_clinical_goes_by_sms_and_no_consent_means_no_message(in_harbor, covered, approve, harbor_clinician):
    today = in_harbor.local_today()
    texted, silent = covered(reminder_channel="sms", phone="+15555550101"), covered(reminder_consent=False)
    for number, (episode, coverage) in (("PA-S", texted), ("PA-N", silent)):
        authorization = approve(episode, coverage, today - dt.timedelta(days=7), number=number)
        review = ConcurrentReview.objects.get(authorization=authorization)
        determination = review_outcome_record(
            review=review,
            outcome="step_down",
            recommended_level_of_care="op",
            reason="Criteria for IOP no longer met",
            actor=harbor_clinician,
        )
        review_outcome_message_deliver(determination_id=determination.pk, client_id=episode.client_id)
    (sms,) = OutboundMessage.objects.all()
    assert sms.client_id == texted[0].client_id and sms.channel == "sms"
    for clinical in ("outpatient", "Outpatient (OP)", "Criteria", "criteria"):
        assert clinical not in sms.body
    assert "change in the level of care" in sms.body


def test_a_step_down_sets_the_authorized_level_and_gives_the_clinician_a_task(
    world, harbor_clinician, clinician_membership
):
    episode, authorization, review = world
    start = authorization.end_date + dt.timedelta(days=1)
    determination = review_outcome_record(
        review=review,
        outcome="step_down",
        recommended_level_of_care="op",
        lines=_lines(authorization, start, start + dt.timedelta(days=4), units=3),
        actor=harbor_clinician,
    )
    episode.refresh_from_db()
    assert determination.action == "A6" and determination.recommended_level_of_care == "op"
    assert (episode.authorized_level_of_care, episode.level_of_care) == ("op", "iop")
    (task,) = Notification.objects.filter(kind="review_step_down")
    assert task.recipient == clinician_membership and task.link.endswith("#discharge-plan")
    assert str(review.pk) in task.link


def test_a_denial_closes_the_review_without_a_next_one(world, harbor_clinician):
    from django.utils import timezone

    from authorizations.models import CallStatus
    from authorizations.reviews.calls.services import review_call_schedule

    episode, authorization, review = world
    call = review_call_schedule(
        review=review, starts_at=timezone.now() + dt.timedelta(days=1), dial_in="+1 555 0100", actor=harbor_clinician
    )
    review_outcome_record(review=review, outcome="denied", reason="Not medically necessary", actor=harbor_clinician)
    call.refresh_from_db()
    assert call.status == CallStatus.CANCELLED  # the decided review's call ahead is off the clinician's calendar
    review.refresh_from_db()
    episode.refresh_from_db()
    assert review.status == ReviewStatus.DECIDED and review.request.determinations.get().action == "A3"
    assert not ConcurrentReview.objects.filter(status__in=["upcoming", "submitted", "pended"]).exists()
    assert episode.authorized_level_of_care == ""


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"outcome": "maybe"}, AuthorizationsErrorCode.INVALID_OUTCOME),
        ({"outcome": "approved"}, AuthorizationsErrorCode.OUTCOME_LINES_REQUIRED),
        ({"outcome": "step_down"}, AuthorizationsErrorCode.STEP_DOWN_LEVEL_REQUIRED),
        ({"outcome": "pended", "reason": "Notes"}, AuthorizationsErrorCode.REQUIRED),
        ({"outcome": "approved", "channel": "pigeon", "lines": "auto"}, AuthorizationsErrorCode.INVALID_CHANNEL),
    ],
)
def test_a_refused_outcome_changes_nothing(world, harbor_clinician, fields, code):
    episode, authorization, review = world
    if fields.get("lines") == "auto":
        start = authorization.end_date + dt.timedelta(days=1)
        fields = {**fields, "lines": _lines(authorization, start, start + dt.timedelta(days=6))}
    before = (authorization.end_date, ConcurrentReview.objects.count(), AuthorizationRequest.objects.count())
    with pytest.raises(ApplicationError) as refused:
        review_outcome_record(review=review, actor=harbor_clinician, **fields)
    assert refused.value.code == code
    review.refresh_from_db()
    authorization.refresh_from_db()
    after = (authorization.end_date, ConcurrentReview.objects.count(), AuthorizationRequest.objects.count())
    assert before == after and review.status == ReviewStatus.UPCOMING and review.request_id is None


def test_a_decided_review_takes_no_second_outcome(world, harbor_clinician):
    _episode, _authorization, review = world
    review_outcome_record(review=review, outcome="denied", actor=harbor_clinician)
    with pytest.raises(ApplicationError) as refused:
        review_outcome_record(review=review, outcome="denied", actor=harbor_clinician)
    assert refused.value.code == AuthorizationsErrorCode.REVIEW_NOT_OPEN


def test_a_couples_partner_hears_it_concerns_their_joint_treatment(in_harbor, world, harbor_clinician):
    from iop.clients.services import couple_create

    from ...factories import ClientFactory

    episode, authorization, review = world
    partner = ClientFactory(
        organization=in_harbor, reminder_channel="email", reminder_consent=True, email="ben@example.test"
    )
    couple = couple_create(
        organization=in_harbor,
        partner_one=episode.client,
        partner_two=partner,
        identified_patient=episode.client,
        started_on=in_harbor.local_today() - dt.timedelta(days=30),
    )
    from authorizations.models import RequestPacket

    packet = RequestPacket.objects.create(couple=couple)
    AuthorizationRequest.objects.filter(pk=authorization.determination.request_id).update(packet=packet)
    determination = review_outcome_record(
        review=review,
        outcome="pended",
        reason="Couples session notes",
        information_due=in_harbor.local_today() + dt.timedelta(days=3),
        actor=harbor_clinician,
    )
    for client_id in (episode.client_id, partner.pk):
        review_outcome_message_deliver(determination_id=determination.pk, client_id=client_id)
    own, theirs = (OutboundMessage.objects.get(client_id=c) for c in (episode.client_id, partner.pk))
    assert "your treatment" in own.body and "Couples session notes" in own.body
    assert "your joint treatment" in theirs.body and "Couples session notes" not in theirs.body
    assert episode.client.first_name not in theirs.body
