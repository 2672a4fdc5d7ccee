"""Writes for review calls: schedule, reschedule, cancel; the reminders job; the invite email.

- A review has at most one scheduled call: scheduling locks the review row, and a second call is
  refused (reschedule moves the one there is). A scheduled call whose time has passed counts as
  held, so the next review's call can be scheduled.
- Rescheduling and cancelling change the call's row; pghistory keeps every earlier version, which
  the page reads back ("moved from Tue 8 Dec 10:00") and which numbers the invite's SEQUENCE.
- Reminders go to the clinician's inbox, the evening before (the organization's evening reminder
  time, as for clients' reminders) and an hour before: exactly once per call, time and kind, as
  the notice's dedupe key names all three (`selectors.reminder_key`) and the database keeps one
  notice per recipient and key whatever the job or the broker repeats. A moved call has a new
  time, so new keys; a cancelled call is not read by the job.
- The invite (REQUEST, or CANCEL) is emailed to the clinician after every change by a task, once
  per call and SEQUENCE: it is recorded in the outbox under that key before it is handed to the
  mail server, and a task that finds a newer version (the call moved again meanwhile) sends
  nothing, the newer task sends the newer invite.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from authorizations.errors import AuthorizationsErrorCode
from authorizations.models import CallStatus, ConcurrentReview, ReviewCall
from iop.common.dates import date_short, time_hm
from iop.common.exceptions import refuse
from iop.notifications.models import Channel, OutboundMessage, OutboundStatus
from iop.notifications.providers import Delivery, ProviderError
from iop.notifications.services import Notice, notices_send, outbound_mark, outbound_mark_sent, outbound_record
from iop.tenancy.models import Organization

from . import selectors
from .ics import call_ics, call_method

if TYPE_CHECKING:
    from iop.accounts.models import User

MIN_MINUTES, MAX_MINUTES = 5, 240
REMINDER_KIND = "review_call_reminder"
_DETAIL_FIELDS = ("reviewer_name", "reviewer_reference", "participants")


# --- Checks ------------------------------------------------------------------------------------------


def call_local_start(*, organization: Organization, day: dt.date, time: dt.time) -> dt.datetime:
    """The instant of a local date and time typed on a page, refused when that wall-clock time does
    not exist (the hour skipped when clocks go forward)."""
    instant = organization.local_datetime(day, time)
    back = instant.astimezone(dt.UTC).astimezone(organization.tzinfo)
    if (back.date(), back.time().replace(tzinfo=None)) != (day, time.replace(tzinfo=None)):
        refuse(
            f"{time_hm(time)} does not exist on {date_short(day)} here: the clocks go forward then.",
            code=AuthorizationsErrorCode.CALL_TIME_NONEXISTENT,
            field="time",
        )
    return instant


def _check(*, starts_at: dt.datetime, duration_minutes: int, dial_in: str, now: dt.datetime) -> None:
    if starts_at <= now:
        refuse(
            "The call's time has passed: choose a time ahead.",
            code=AuthorizationsErrorCode.CALL_IN_PAST,
            field="starts_at",
        )
    if not MIN_MINUTES <= duration_minutes <= MAX_MINUTES:
        refuse(
            f"A review call lasts between {MIN_MINUTES} and {MAX_MINUTES} minutes.",
            code=AuthorizationsErrorCode.CALL_DURATION,
            field="duration_minutes",
        )
    if not dial_in.strip():
        refuse(
            "Give the phone number (and access code) or the meeting link for the call.",
            code=AuthorizationsErrorCode.CALL_DIAL_IN_REQUIRED,
            field="dial_in",
        )
    if problem := selectors.dial_in_problem(dial_in):
        refuse(problem, code=AuthorizationsErrorCode.CALL_DIAL_IN_INVALID, field="dial_in")


def _open_review(review: ConcurrentReview) -> ConcurrentReview:
    """The review, locked (one scheduling change at a time), and refused once it is closed."""
    review = ConcurrentReview.objects.select_for_update(of=("self",)).get(
        organization_id=review.organization_id, pk=review.pk
    )
    if not selectors.review_is_open(review):
        refuse(
            f"This review is {review.get_status_display().lower()}: its calls can no longer change.",
            code=AuthorizationsErrorCode.CALL_REVIEW_CLOSED,
        )
    return review


def _scheduled(call: ReviewCall) -> ReviewCall:
    call = ReviewCall.objects.select_for_update().get(organization_id=call.organization_id, pk=call.pk)
    if call.status != CallStatus.SCHEDULED:
        refuse(
            f"This call was {call.get_status_display().lower()}: schedule a new one instead.",
            code=AuthorizationsErrorCode.CALL_NOT_SCHEDULED,
        )
    return call


def _invite_later(call: ReviewCall) -> None:
    from authorizations.tasks import review_call_invite_send

    review_call_invite_send.delay_on_commit(call.organization_id, str(call.pk), selectors.call_sequence(call))


# --- Schedule, reschedule, cancel ------------------------------------------------------------------------


@transaction.atomic
def review_call_schedule(
    *,
    review: ConcurrentReview,
    starts_at: dt.datetime,
    dial_in: str,
    duration_minutes: int = 30,
    reviewer_name: str = "",
    reviewer_reference: str = "",
    participants: str = "",
    actor: User | None,
    now: dt.datetime | None = None,
) -> ReviewCall:
    """Schedule the review's call with the payer's reviewer and email the clinician the invite.
    Refused when the review already has a call ahead (move it instead)."""
    now = now or timezone.now()
    review = _open_review(review)
    _check(starts_at=starts_at, duration_minutes=duration_minutes, dial_in=dial_in, now=now)
    for existing in ReviewCall.objects.select_for_update().filter(
        organization_id=review.organization_id, review=review, status=CallStatus.SCHEDULED
    ):
        if existing.starts_at + dt.timedelta(minutes=existing.duration_minutes) > now:
            refuse(
                f"This review already has a call on {selectors.local_label(review.organization, existing.starts_at)}: "
                "reschedule that one instead.",
                code=AuthorizationsErrorCode.CALL_ALREADY_SCHEDULED,
            )
        # Its time has passed: it was held.
        existing.status = CallStatus.HELD
        existing.save(update_fields=["status", "updated_at"])
    call = ReviewCall.objects.create(
        organization_id=review.organization_id,
        review=review,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        dial_in=dial_in.strip(),
        reviewer_name=reviewer_name.strip(),
        reviewer_reference=reviewer_reference.strip(),
        participants=participants.strip(),
        created_by=actor,
    )
    _invite_later(call)
    return call


@transaction.atomic
def review_call_reschedule(
    *,
    call: ReviewCall,
    starts_at: dt.datetime,
    duration_minutes: int | None = None,
    dial_in: str | None = None,
    reviewer_name: str | None = None,
    reviewer_reference: str | None = None,
    participants: str | None = None,
    actor: User | None,
    now: dt.datetime | None = None,
) -> ReviewCall:
    """Move the call (and change its details: those given). The earlier time stays in its
    history; the clinician gets the updated invite and is reminded again for the new time."""
    now = now or timezone.now()
    _open_review(call.review)
    call = _scheduled(call)
    minutes = call.duration_minutes if duration_minutes is None else duration_minutes
    line = call.dial_in if dial_in is None else dial_in.strip()
    _check(starts_at=starts_at, duration_minutes=minutes, dial_in=line, now=now)
    changes: dict[str, object] = {"starts_at": starts_at, "duration_minutes": minutes, "dial_in": line}
    given = {"reviewer_name": reviewer_name, "reviewer_reference": reviewer_reference, "participants": participants}
    changes |= {name: value.strip() for name, value in given.items() if value is not None}
    if all(getattr(call, name) == value for name, value in changes.items()):
        refuse("Nothing changed: give the call's new time or details.", code=AuthorizationsErrorCode.CALL_UNCHANGED)
    for name, value in changes.items():
        setattr(call, name, value)
    call.save(update_fields=[*changes, "updated_at"])
    _invite_later(call)
    return call


@transaction.atomic
def review_call_cancel(*, call: ReviewCall, reason: str, actor: User | None) -> ReviewCall:
    """Cancel the call, with the reason; the clinician's calendar gets the cancellation and no
    reminder goes out any more."""
    if not reason.strip():
        refuse(
            "Say why the call is cancelled.", code=AuthorizationsErrorCode.CALL_CANCEL_REASON_REQUIRED, field="reason"
        )
    call = _scheduled(call)
    call.status = CallStatus.CANCELLED
    call.cancel_reason = reason.strip()[:300]
    call.save(update_fields=["status", "cancel_reason", "updated_at"])
    _invite_later(call)
    return call


@transaction.atomic
def review_calls_cancel_open(*, review: ConcurrentReview, reason: str, actor: User | None) -> list[ReviewCall]:
    """Cancel the review's calls still ahead (when the review is decided or cancelled before its
    call), so the clinician's calendar drops them; the calls whose time has passed were held."""
    now = timezone.now()
    cancelled = []
    for call in ReviewCall.objects.filter(
        organization_id=review.organization_id, review=review, status=CallStatus.SCHEDULED
    ):
        if call.starts_at > now:
            cancelled.append(review_call_cancel(call=call, reason=reason, actor=actor))
        else:
            call.status = CallStatus.HELD
            call.save(update_fields=["status", "updated_at"])
    return cancelled


# --- Reminders ---------------------------------------------------------------------------------------


def _reminder_notice(due: selectors.DueReminder, recipient) -> Notice:
    call = due.call
    organization = call.review.organization
    local = call.starts_at.astimezone(organization.tzinfo)
    when = f"tomorrow at {time_hm(local)}" if due.kind == selectors.EVENING else f"at {time_hm(local)}"
    body = [f"{selectors.local_label(organization, call.starts_at)}, {call.duration_minutes} minutes.", call.dial_in]
    reviewer = [call.reviewer_name, f"ref {call.reviewer_reference}" if call.reviewer_reference else ""]
    if any(reviewer):
        body.append(" · ".join(v for v in reviewer if v))
    # The in-app inbox names the client; the calendar invite and emails keep to initials.
    client = call.review.episode.client
    return Notice(
        recipient=recipient,
        kind=REMINDER_KIND,
        title=f"Join the review call for {client.display_name} {when}",
        body="\n".join(body),
        link=selectors.review_link(call.review),
        dedupe_key=due.key,
        client_id=client.pk,
        subject_ids=[call.pk],
    )


@transaction.atomic
def review_call_reminders_send(*, organization: Organization, now: dt.datetime | None = None) -> list[str]:
    """Put each due reminder in the clinician's inbox (once per key: a repeat run adds nothing).
    Returns the keys of the reminders due now with a clinician to tell."""
    now = now or timezone.now()
    notices = []
    for due in selectors.reminders_due(organization=organization, now=now):
        recipient = selectors.call_clinician(due.call.review)
        if recipient is not None:
            notices.append(_reminder_notice(due, recipient))
    notices_send(organization=organization, notices=notices)
    return [n.dedupe_key for n in notices]


# --- The invite email -------------------------------------------------------------------------------------


def invite_key(call: ReviewCall, sequence: int) -> str:
    return f"review-call:{call.pk}:{sequence}:{call_method(call).lower()}"


def _invite_message(call: ReviewCall, recipient) -> tuple[str, str]:
    organization = call.review.organization
    when = selectors.local_label(organization, call.starts_at)
    cancelled = call.status == CallStatus.CANCELLED
    context = {
        "call": call,
        "when": when,
        "zone": organization.timezone,
        "cancelled": cancelled,
        "initials": selectors.client_initials(call.review),
        "join_href": selectors.dial_in_href(call.dial_in),
        "link": settings.IOP_PUBLIC_URL.rstrip("/") + path if (path := selectors.review_link(call.review)) else "",
        "recipient": recipient.user,
        "organization": organization,
    }
    body = render_to_string("authorizations/reviews/calls/invite_email.txt", context).strip()
    subject = f"{'Cancelled: ' if cancelled else ''}Concurrent review call {when}"
    return subject, body


def _send_with_invite(message: OutboundMessage, ics: bytes, method: str) -> Delivery:
    email = EmailMessage(subject=message.subject, body=message.body, to=[message.to])
    email.attach("invite.ics", ics, f"text/calendar; method={method}; charset=utf-8")
    try:
        email.send()
    except OSError as exc:
        raise ProviderError("The mail server could not be reached.", transient=True) from exc
    return Delivery(provider="email", recorded_only=False)


def review_call_invite_deliver(*, call_id, sequence: int, now: dt.datetime | None = None) -> OutboundMessage | None:
    """Email the clinician the call's invite (or cancellation) as of version `sequence`, once.

    Returns the message sent, or None when there is nothing to send: the call changed again
    (a newer task sends the newer version), nobody to tell, or this version already went (or a
    worker died sending it: its outbox row is marked unknown rather than sent twice). Raises a
    transient ProviderError when the mail server is away (the message did not leave; the task
    retries it under the same key)."""
    call = (
        ReviewCall.objects.filter(pk=call_id)
        .select_related("review__episode__client", "review__organization", "organization")
        .first()
    )
    if call is None or selectors.call_sequence(call) != sequence:
        return None
    recipient = selectors.call_clinician(call.review)
    if recipient is None or not recipient.user.email:
        return None
    organization = call.review.organization
    key = invite_key(call, sequence)
    with transaction.atomic():
        message = (
            OutboundMessage.objects.select_for_update().filter(organization=organization, idempotency_key=key).first()
        )
        if message is not None and message.status != OutboundStatus.FAILED:
            if message.status == OutboundStatus.PENDING:  # its worker died mid-send: nobody can tell
                outbound_mark(organization=organization, keys=[key], status=OutboundStatus.UNKNOWN)
            return None
        subject, body = _invite_message(call, recipient)
        if message is None:
            message = outbound_record(
                organization=organization,
                channel=Channel.EMAIL,
                to=recipient.user.email,
                subject=subject,
                body=body,
                idempotency_key=key,
            )
        else:  # a retry after the mail server was away: the same row, the same key
            message.status = OutboundStatus.PENDING
            message.save(update_fields=["status"])
    ics = call_ics(call=call, attendee_email=recipient.user.email, attendee_name=recipient.user.full_name, now=now)
    try:
        delivery = _send_with_invite(message, ics, call_method(call))
    except ProviderError:
        outbound_mark(organization=organization, keys=[key], status=OutboundStatus.FAILED)
        raise
    return outbound_mark_sent(message=message, delivery=delivery)


# --- Demo data -------------------------------------------------------------------------------------------


def review_calls_seed(
    *, reviews: list[ConcurrentReview], actor: User | None = None, now: dt.datetime | None = None
) -> list[ReviewCall]:
    """A call for each open review of the demo, at 10:00 local on its review date (or the next
    working hour when that has passed), one of them moved once, so the page shows its history.
    Idempotent: a review with a scheduled call is left as it is. The invites are queued like any
    other (a running worker emails them to the demo clinicians)."""
    now = now or timezone.now()
    made = []
    for index, review in enumerate(reviews):
        if not selectors.review_is_open(review) or selectors.review_call_scheduled(review=review):
            continue
        organization = review.organization
        starts_at = organization.local_datetime(review.review_date, dt.time(10, 0))
        if starts_at <= now:
            tomorrow = organization.local_today(now) + dt.timedelta(days=1)
            starts_at = organization.local_datetime(tomorrow, dt.time(10, 0))
        if index % 2 == 0:
            dial_in = f"+1 800 555 0142,,{310000 + index:06d}#"
        else:
            dial_in = f"https://meet.example.com/review-{index + 1}"
        call = review_call_schedule(
            review=review,
            starts_at=starts_at + dt.timedelta(hours=1) if index == 0 else starts_at,
            dial_in=dial_in,
            duration_minutes=30,
            reviewer_name=("Dana Whitfield, RN", "Marcus Oyelaran, LCSW", "Priya Raman, MD")[index % 3],
            reviewer_reference=f"CR-{24180 + index}",
            participants="Program VA",
            actor=actor,
            now=now,
        )
        if index == 0:
            call = review_call_reschedule(call=call, starts_at=starts_at, actor=actor, now=now)
        made.append(call)
    return made
