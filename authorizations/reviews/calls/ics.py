"""The iCalendar invite (RFC 5545 / iTIP RFC 5546) for a review call, to the clinician.

One UID per call, so a calendar updates the same event when the call moves; SEQUENCE goes up with
every change (`selectors.call_sequence`), so the calendar keeps the latest; a cancelled call is
sent as METHOD:CANCEL with STATUS:CANCELLED. The summary names the client by initials only, and
the description carries the dial-in, the reviewer and the reference: nothing clinical.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress
from icalendar.enums import STATUS

from authorizations.models import CallStatus, ReviewCall

from .selectors import call_sequence, client_initials, dial_in_href

PRODID = "-//IOP Ops//Concurrent review calls//EN"
UID_DOMAIN = "review-calls.iop-ops"


def call_uid(call: ReviewCall) -> str:
    return f"{call.pk}@{UID_DOMAIN}"


def call_method(call: ReviewCall) -> str:
    return "CANCEL" if call.status == CallStatus.CANCELLED else "REQUEST"


def call_summary(call: ReviewCall) -> str:
    return f"Concurrent review call ({client_initials(call.review)})"


def _description(call: ReviewCall) -> str:
    lines = [f"Join: {call.dial_in}"]
    if call.reviewer_name:
        lines.append(f"Payer reviewer: {call.reviewer_name}")
    if call.reviewer_reference:
        lines.append(f"Reference: {call.reviewer_reference}")
    if call.participants:
        lines.append(f"Also joining: {call.participants}")
    if call.status == CallStatus.CANCELLED and call.cancel_reason:
        lines.append(f"Cancelled: {call.cancel_reason}")
    return "\n".join(lines)


def _address(email: str, name: str = "") -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    if name:
        address.params["CN"] = name
    return address


def call_ics(
    *, call: ReviewCall, attendee_email: str = "", attendee_name: str = "", now: dt.datetime | None = None
) -> bytes:
    """The invite (or its cancellation) as of the call's current state."""
    cancelled = call.status == CallStatus.CANCELLED
    organizer = settings.DEFAULT_FROM_EMAIL.rsplit("<", 1)[-1].rstrip(">").strip()
    event = Event.new(
        uid=call_uid(call),
        sequence=call_sequence(call),
        stamp=now or timezone.now(),
        start=call.starts_at.astimezone(dt.UTC),
        end=(call.starts_at + dt.timedelta(minutes=call.duration_minutes)).astimezone(dt.UTC),
        summary=call_summary(call),
        description=_description(call),
        location=call.dial_in,
        url=dial_in_href(call.dial_in) if call.dial_in.lower().startswith("https://") else None,
        status=STATUS.CANCELLED if cancelled else STATUS.CONFIRMED,
        organizer=_address(organizer, call.organization.name),
        attendees=[_address(attendee_email, attendee_name)] if attendee_email else None,
    )
    calendar = Calendar.new(prodid=PRODID, method=call_method(call))
    calendar.add_component(event)
    return calendar.to_ical()
