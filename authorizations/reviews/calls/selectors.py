"""Reads for review calls: a review's calls and the next one, the earlier times a call had (from
its pghistory events), the SEQUENCE of its invite, who is reminded, and the reminders due now.

Every time shown here is already in the organization's zone: reminders and invites are rendered
by the worker, outside any request, where template filters would use UTC.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.db.models import QuerySet
from django.urls import NoReverseMatch, reverse

from authorizations.models import (
    OPEN_REVIEW_STATUSES,
    CallStatus,
    ConcurrentReview,
    ReviewCall,
)
from iop.common.dates import datetime_short, time_hm
from iop.tenancy.models import Membership, Organization
from scheduling.reminders.selectors import reminder_time

EVENING, HOUR = "evening", "hour"
REMINDER_KINDS = (EVENING, HOUR)
HOUR_BEFORE = dt.timedelta(hours=1)
# The evening reminder can come up to two days ahead (a reminder time early in the morning of the
# day before); calls further out are not read by the reminders job.
REMINDER_LOOKAHEAD = dt.timedelta(days=3)
# Fields whose change makes the invite a new version (its SEQUENCE goes up).
_INVITE_FIELDS = ("starts_at", "duration_minutes", "dial_in", "status")
_PHONE_START = re.compile(r"^\+?[\d\s().\-]+")


# --- Formatting ----------------------------------------------------------------------------------------


def local_label(organization: Organization, instant: dt.datetime) -> str:
    """ "Tue 8 Dec 10:00" in the organization's zone."""
    local = instant.astimezone(organization.tzinfo)
    return datetime_short(local)


def client_initials(review: ConcurrentReview) -> str:
    """The client's initials: all an invite or a calendar shows of who the call is about."""
    client = review.episode.client
    first = (client.preferred_name or client.first_name)[:1]
    return f"{first}.{client.last_name[:1]}.".upper()


def dial_in_is_link(dial_in: str) -> bool:
    return dial_in.strip().lower().startswith(("http://", "https://"))


def dial_in_problem(dial_in: str) -> str:
    """Why `dial_in` is neither a phone number nor an https meeting link, or ""."""
    value = dial_in.strip()
    if dial_in_is_link(value):
        parts = urlsplit(value)
        if parts.scheme.lower() != "https" or not parts.netloc or any(c.isspace() for c in value):
            return "A meeting link must be a full https:// address."
        return ""
    match = _PHONE_START.match(value)
    if match is None or sum(c.isdigit() for c in match.group()) < 7:
        return "Give a phone number (with its access code if any) or an https:// meeting link."
    return ""


def dial_in_href(dial_in: str) -> str:
    """The link that joins the call: the meeting link itself, or a tel: URI of the number with its
    access code after pauses (`+18005550100,,123456#`)."""
    value = dial_in.strip()
    if dial_in_is_link(value):
        return value
    match = _PHONE_START.match(value)
    if match is None:
        return ""
    number = ("+" if match.group().startswith("+") else "") + re.sub(r"\D", "", match.group())
    # The access codes after the number: digit groups between words or commas ("code 771 204").
    chunks = re.split(r"[^\d#*\s().\-]+", value[match.end() :])
    codes = [code for chunk in chunks if (code := re.sub(r"[^\d#*]", "", chunk))]
    return "tel:" + number + "".join(f",,{code}" for code in codes)


# --- Calls -------------------------------------------------------------------------------------------


def review_calls(*, review: ConcurrentReview) -> list[ReviewCall]:
    """Every call of the review, the latest time first."""
    return list(
        ReviewCall.objects.filter(organization_id=review.organization_id, review=review)
        .select_related("created_by")
        .order_by("-starts_at", "-created_at")
    )


def review_call_scheduled(*, review: ConcurrentReview) -> ReviewCall | None:
    """The review's scheduled call (at most one: scheduling another moves it)."""
    return (
        ReviewCall.objects.filter(organization_id=review.organization_id, review=review, status=CallStatus.SCHEDULED)
        .order_by("-starts_at")
        .first()
    )


def review_call_get(*, review: ConcurrentReview, call_id) -> ReviewCall | None:
    """One of the review's calls (another review's or organization's id is as unknown as a made-up one)."""
    return (
        ReviewCall.objects.filter(organization_id=review.organization_id, review=review, pk=call_id)
        .select_related("review__episode__client", "review__organization", "organization")
        .first()
    )


def review_call_list(*, organization: Organization) -> QuerySet[ReviewCall]:
    """The organization's calls (for the API), with what their rows name."""
    return ReviewCall.objects.filter(organization=organization).select_related("review__episode", "created_by")


def calls_next_by_review(*, organization: Organization, review_ids: Iterable) -> dict:
    """{review id: its scheduled call} for many reviews in one query (the Reviews page's call time)."""
    calls = ReviewCall.objects.filter(
        organization=organization, review_id__in=list(review_ids), status=CallStatus.SCHEDULED
    ).order_by("starts_at")
    found: dict = {}
    for call in calls:
        found.setdefault(call.review_id, call)
    return found


def review_is_open(review: ConcurrentReview) -> bool:
    return review.status in OPEN_REVIEW_STATUSES


# --- History -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CallChange:
    """One change of a call's time (or its cancellation), oldest first."""

    at: dt.datetime
    moved_from: dt.datetime | None = None
    moved_to: dt.datetime | None = None
    cancelled: bool = False
    reason: str = ""


def _events(call_ids: Iterable) -> dict:
    """{call id: its history events, oldest first}, in one query."""
    from authorizations.models import ReviewCallEvent  # type: ignore[attr-defined]  # generated by pghistory

    found: dict = {}
    for event in ReviewCallEvent.objects.filter(id__in=list(call_ids)).order_by("pgh_id"):
        found.setdefault(event.id, []).append(event)
    return found


def _changes(events: list) -> list[CallChange]:
    changes: list[CallChange] = []
    previous = None
    for event in events:
        if previous is not None:
            if event.starts_at != previous.starts_at:
                changes.append(
                    CallChange(at=event.pgh_created_at, moved_from=previous.starts_at, moved_to=event.starts_at)
                )
            if event.status == CallStatus.CANCELLED and previous.status != CallStatus.CANCELLED:
                changes.append(CallChange(at=event.pgh_created_at, cancelled=True, reason=event.cancel_reason))
        previous = event
    return changes


def call_changes(call: ReviewCall) -> list[CallChange]:
    """The moves and the cancellation of a call, oldest first, read from its history."""
    return _changes(_events([call.pk]).get(call.pk, []))


def calls_changes(calls: Iterable[ReviewCall]) -> dict:
    """{call id: its changes} for many calls in one query (an API page, the panel)."""
    calls = list(calls)
    events = _events([c.pk for c in calls])
    return {call.pk: _changes(events.get(call.pk, [])) for call in calls}


def call_sequence(call: ReviewCall) -> int:
    """The invite's SEQUENCE: 0 when scheduled, one more for each change of its time, length,
    dial-in or status (RFC 5545: a calendar keeps the highest version it has seen)."""
    sequence = 0
    previous = None
    for event in _events([call.pk]).get(call.pk, []):
        if previous is not None and any(getattr(event, f) != getattr(previous, f) for f in _INVITE_FIELDS):
            sequence += 1
        previous = event
    return sequence


# --- Who is reminded -----------------------------------------------------------------------------------


def call_clinician(review: ConcurrentReview) -> Membership | None:
    """The review's clinician (else the episode's primary clinician), if still an active member."""
    if review.clinician_id is not None:
        membership = (
            Membership.objects.filter(
                organization_id=review.organization_id, user_id=review.clinician_id, is_active=True
            )
            .select_related("user")
            .first()
        )
        if membership is not None:
            return membership
    primary = review.episode.primary_clinician
    if primary is not None and primary.is_active:
        return primary
    return None


def review_link(review: ConcurrentReview) -> str:
    """The review page's path (empty while the review pages are not installed)."""
    try:
        return reverse("authorizations:review", kwargs={"org_slug": review.organization.slug, "review_id": review.pk})
    except NoReverseMatch:
        return ""


# --- Reminders -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DueReminder:
    call: ReviewCall
    kind: str  # EVENING or HOUR

    @property
    def key(self) -> str:
        """Stable per call, time and kind: a moved call is reminded again for its new time."""
        return reminder_key(self.call, self.kind)


def reminder_key(call: ReviewCall, kind: str) -> str:
    return f"review-call:{call.pk}:{call.starts_at.astimezone(dt.UTC):%Y%m%dT%H%M}:{kind}"


def reminder_kind_due(*, organization: Organization, starts_at: dt.datetime, now: dt.datetime, evening_at: dt.time):
    """Which reminder a call starting at `starts_at` is due at `now`, or None.

    The hour reminder from an hour before until the call starts. The evening reminder from the
    organization's reminder time the local day before until that day ends, unless the hour one is
    due already; both instants are local wall-clock times, so a call on the Monday after a DST
    change is reminded at Sunday's local reminder time."""
    if starts_at - HOUR_BEFORE <= now < starts_at:
        return HOUR
    call_day = starts_at.astimezone(organization.tzinfo).date()
    evening = organization.local_datetime(call_day - dt.timedelta(days=1), evening_at)
    midnight = organization.local_datetime(call_day, dt.time(0))
    if evening <= now < min(midnight, starts_at):
        return EVENING
    return None


def reminders_due(*, organization: Organization, now: dt.datetime) -> list[DueReminder]:
    """The reminders due now for the organization's scheduled calls of open reviews (sent or
    not: sending is once per key)."""
    evening_at = reminder_time(organization)
    calls = (
        ReviewCall.objects.filter(
            organization=organization,
            status=CallStatus.SCHEDULED,
            review__status__in=OPEN_REVIEW_STATUSES,
            starts_at__gt=now,
            starts_at__lte=now + REMINDER_LOOKAHEAD,
        )
        .select_related("review__episode__client", "review__episode__primary_clinician__user", "review__organization")
        .order_by("starts_at")
    )
    due = []
    for call in calls:
        kind = reminder_kind_due(organization=organization, starts_at=call.starts_at, now=now, evening_at=evening_at)
        if kind is not None:
            due.append(DueReminder(call=call, kind=kind))
    return due


# --- The review page's panel ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CallRow:
    """A call as the panel shows it, every time already in the organization's zone."""

    call: ReviewCall
    when: str
    ends: str
    href: str
    is_link: bool
    moves: tuple[str, ...]  # "moved from Tue 8 Dec 10:00", oldest first
    cancelled_reason: str


@dataclass(frozen=True)
class CallsPanel:
    current: CallRow | None
    history: tuple[CallRow, ...]
    is_open: bool


def _row(organization: Organization, call: ReviewCall, changes: list[CallChange]) -> CallRow:
    ends = call.starts_at + dt.timedelta(minutes=call.duration_minutes)
    return CallRow(
        call=call,
        when=local_label(organization, call.starts_at),
        ends=time_hm(ends, organization.tzinfo),
        href=dial_in_href(call.dial_in),
        is_link=dial_in_is_link(call.dial_in),
        moves=tuple(
            f"moved from {local_label(organization, c.moved_from)}" for c in changes if c.moved_from is not None
        ),
        cancelled_reason=call.cancel_reason if call.status == CallStatus.CANCELLED else "",
    )


def calls_panel(*, review: ConcurrentReview) -> CallsPanel:
    """The scheduled call (prominent) and the others (held or cancelled), each with its moves."""
    organization = review.organization
    calls = review_calls(review=review)
    current = next((c for c in calls if c.status == CallStatus.SCHEDULED), None)
    changes = calls_changes(calls)
    return CallsPanel(
        current=_row(organization, current, changes[current.pk]) if current else None,
        history=tuple(_row(organization, c, changes[c.pk]) for c in calls if c is not current),
        is_open=review_is_open(review),
    )
