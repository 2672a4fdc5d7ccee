"""The iCalendar invite: REQUEST with one UID per call, SEQUENCE up with every change, CANCEL on
cancellation; emailed to the clinician once per version, with the client's initials only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from icalendar import Calendar

from authorizations.reviews.calls import selectors
from authorizations.reviews.calls.ics import call_ics
from authorizations.reviews.calls.services import (
    review_call_cancel,
    review_call_invite_deliver,
    review_call_reschedule,
    review_call_schedule,
)
from iop.notifications.models import OutboundMessage, OutboundStatus

from .conftest import local

pytestmark = pytest.mark.django_db

PHONE = "+1 800 555 0100,,482913#"


def _event(raw: bytes):
    calendar = Calendar.from_ical(raw)
    (event,) = calendar.walk("VEVENT")
    return calendar, event


def _schedule(review, actor):
    org = review.organization
    return review_call_schedule(
        review=review,
        starts_at=local(org, review.review_date, "10:00"),
        dial_in=PHONE,
        reviewer_name="Dana Whitfield, RN",
        reviewer_reference="CR-1001",
        actor=actor,
    )


def _invite_of(message_index: int = -1):
    email = mail.outbox[message_index]
    (attachment,) = email.attachments
    name, content, mimetype = attachment
    assert name == "invite.ics"
    return email, mimetype, content.encode() if isinstance(content, str) else content


def test_the_invite_is_a_request_with_a_stable_uid(review, harbor_va):
    call = _schedule(review, harbor_va)
    calendar, event = _event(call_ics(call=call, attendee_email="c@example.test"))
    assert calendar["METHOD"] == "REQUEST"
    assert str(event["UID"]) == f"{call.pk}@review-calls.iop-ops"
    assert event["SEQUENCE"] == 0
    assert event.decoded("DTSTART") == call.starts_at
    assert event.decoded("DTEND") == call.starts_at + dt.timedelta(minutes=30)
    client = review.episode.client
    summary = str(event["SUMMARY"])
    assert summary.startswith("Concurrent review call") and client.last_name not in summary
    assert selectors.client_initials(review) in summary
    assert PHONE in str(event["DESCRIPTION"]) and "CR-1001" in str(event["DESCRIPTION"])

    moved = review_call_reschedule(
        call=call, starts_at=local(review.organization, review.review_date, "11:00"), actor=harbor_va
    )
    _, event = _event(call_ics(call=moved))
    assert str(event["UID"]) == f"{call.pk}@review-calls.iop-ops" and event["SEQUENCE"] == 1

    cancelled = review_call_cancel(call=moved, reason="Written review instead.", actor=harbor_va)
    calendar, event = _event(call_ics(call=cancelled))
    assert calendar["METHOD"] == "CANCEL" and str(event["STATUS"]) == "CANCELLED"
    assert event["SEQUENCE"] == 2


def test_each_version_is_emailed_to_the_clinician_once(review, harbor_va, harbor_clinician):
    call = _schedule(review, harbor_va)
    assert review_call_invite_deliver(call_id=call.pk, sequence=0) is not None
    assert review_call_invite_deliver(call_id=call.pk, sequence=0) is None  # a redelivered task
    assert len(mail.outbox) == 1
    email, mimetype, content = _invite_of()
    assert email.to == [harbor_clinician.email]
    assert mimetype.startswith("text/calendar") and "method=REQUEST" in mimetype
    assert review.episode.client.last_name not in email.subject + email.body
    assert PHONE in email.body
    assert _event(content)[1]["SEQUENCE"] == 0

    moved = review_call_reschedule(
        call=call, starts_at=local(review.organization, review.review_date, "11:00"), actor=harbor_va
    )
    assert review_call_invite_deliver(call_id=call.pk, sequence=0) is None  # an older version: not sent
    assert review_call_invite_deliver(call_id=call.pk, sequence=1) is not None
    review_call_cancel(call=moved, reason="Written review instead.", actor=harbor_va)
    assert review_call_invite_deliver(call_id=call.pk, sequence=2) is not None
    assert len(mail.outbox) == 3
    email, mimetype, content = _invite_of()
    assert "method=CANCEL" in mimetype and email.subject.startswith("Cancelled:")
    messages = OutboundMessage.objects.filter(idempotency_key__startswith=f"review-call:{call.pk}:")
    assert sorted(m.idempotency_key.split(":", 2)[2] for m in messages) == ["0:request", "1:request", "2:cancel"]
    assert {m.status for m in messages} == {OutboundStatus.SENT}


def test_the_invite_task_is_queued_after_each_change(
    review, harbor_va, eager_celery, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        call = _schedule(review, harbor_va)
    with django_capture_on_commit_callbacks(execute=True):
        review_call_reschedule(
            call=call, starts_at=local(review.organization, review.review_date, "12:00"), actor=harbor_va
        )
    assert [_event(_invite_of(i)[2])[1]["SEQUENCE"] for i in range(len(mail.outbox))] == [0, 1]
