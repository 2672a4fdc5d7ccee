"""Reads for reviews: the Reviews page (open reviews grouped by when they fall), the month view,
and one review with what its page shows. Each selector owns its joins, so a page costs the same
queries however many reviews it lists."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field

from django.db.models import BooleanField, ExpressionWrapper, Prefetch, Q, QuerySet
from django.utils import timezone

from authorizations.models import (
    OPEN_REVIEW_STATUSES,
    CallStatus,
    ConcurrentReview,
    PacketElement,
    PayerRule,
    ReviewCall,
    ReviewStatus,
)
from authorizations.requests.selectors import rule_in_effect, rules_of
from iop.common.dates import date_short, datetime_short
from iop.tenancy.models import Organization

# Groups of the Reviews page, in the order a busy person works them.
PAST_DUE, TODAY, TOMORROW, THIS_WEEK, LATER = "past_due", "today", "tomorrow", "this_week", "later"
GROUP_TITLES = {
    PAST_DUE: "Past due",
    TODAY: "Today",
    TOMORROW: "Tomorrow",
    THIS_WEEK: "This week",
    LATER: "Later",
}
GROUP_ORDER = (PAST_DUE, TODAY, TOMORROW, THIS_WEEK, LATER)

PACKET_READY, PACKET_MISSING, PACKET_NOT_PREPARED = "ready", "missing", "not_prepared"


def _reviews() -> QuerySet[ConcurrentReview]:
    """Reviews with what a row shows: the client, the payer, the clinician, the packet (without its
    PDF bytes) and the scheduled calls, in two queries."""
    return (
        ConcurrentReview.objects.select_related(
            "episode__client",
            "authorization__coverage__payer",
            "authorization__coverage__plan",
            "clinician",
            "packet",
            "request",
        )
        .defer("packet__pdf")
        .annotate(packet_has_pdf=ExpressionWrapper(Q(packet__pdf__isnull=False), output_field=BooleanField()))
        .prefetch_related(
            Prefetch(
                "calls",
                queryset=ReviewCall.objects.filter(status=CallStatus.SCHEDULED).order_by("starts_at"),
                to_attr="scheduled_calls",
            )
        )
    )


def review_list(*, organization: Organization, open_only: bool = False) -> QuerySet[ConcurrentReview]:
    qs = _reviews().filter(organization=organization)
    if open_only:
        qs = qs.filter(status__in=OPEN_REVIEW_STATUSES)
    return qs.order_by("review_date", "created_at")


def review_get(*, organization: Organization, review_id) -> ConcurrentReview | None:
    return _reviews().filter(organization=organization, pk=review_id).first()


# --- The payer's rule and the next window ---------------------------------------------------------------


def review_rule(authorization, *, on: dt.date, rules: list[PayerRule] | None = None) -> PayerRule | None:
    """The payer's rule for the authorization's coverage and the episode's level of care in effect on `on`."""
    rules = rules if rules is not None else rules_of(authorization.coverage)
    return rule_in_effect(
        coverage=authorization.coverage, rules=rules, level_of_care=authorization.episode.level_of_care, on=on
    )


def renewal_window(authorization, rules: list[PayerRule] | None = None) -> tuple[dt.date, dt.date]:
    """The next window a review asks for: from the day after the authorization ends, for the payer
    rule's authorization length (as long as the current one without a rule)."""
    start = authorization.end_date + dt.timedelta(days=1)
    rule = review_rule(authorization, on=start, rules=rules)
    if rule is not None:
        length = rule.initial_authorization_days
    else:
        length = (authorization.end_date - authorization.start_date).days + 1
    return start, start + dt.timedelta(days=length - 1)


# --- What a row says ---------------------------------------------------------------------------------


def next_call(review: ConcurrentReview, now: dt.datetime | None = None) -> ReviewCall | None:
    """The review's next scheduled call (the latest one when all have passed), from the prefetch."""
    calls = getattr(review, "scheduled_calls", None)
    if calls is None:
        calls = list(review.calls.filter(status=CallStatus.SCHEDULED).order_by("starts_at"))
    now = now or timezone.now()
    upcoming = [c for c in calls if c.starts_at >= now - dt.timedelta(minutes=c.duration_minutes)]
    return upcoming[0] if upcoming else (calls[-1] if calls else None)


@dataclass(frozen=True)
class PacketState:
    state: str
    missing: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        if self.state == PACKET_READY:
            return "Ready"
        if self.state == PACKET_MISSING:
            return "Missing: " + ", ".join(self.missing)
        return "Not prepared"


def _element_label(value: str) -> str:
    try:
        return str(PacketElement(value).label)
    except ValueError:
        return value


def packet_state(review: ConcurrentReview) -> PacketState:
    """ "Ready", "Missing: …" (the checklist's items) or "Not prepared", without reading the PDF."""
    packet = getattr(review, "packet", None)
    if packet is None:
        return PacketState(PACKET_NOT_PREPARED)
    if packet.missing:
        return PacketState(PACKET_MISSING, tuple(_element_label(m) for m in packet.missing))
    has_pdf = getattr(review, "packet_has_pdf", None)
    if has_pdf is None:
        has_pdf = packet.is_ready
    return PacketState(PACKET_READY if has_pdf else PACKET_NOT_PREPARED)


def due_text(due: dt.datetime | None, organization: Organization) -> str:
    """A deadline as a person reads it: "end of Sun 6 Dec" for the midnight that starts the review
    day (what "00:00 on Monday" means), else "Mon 7 Dec, 14:00"; in the organization's zone."""
    if due is None:
        return ""
    local = due.astimezone(organization.tzinfo)
    if local.hour == 0 and local.minute == 0:
        day = local.date() - dt.timedelta(days=1)
        return f"end of {date_short(day)}"
    return datetime_short(local)


@dataclass
class ReviewRow:
    review: ConcurrentReview
    group: str
    call: ReviewCall | None
    packet: PacketState
    mine: bool
    submission_overdue: bool
    due_text: str = ""


@dataclass
class ReviewCalendar:
    today: dt.date
    now: dt.datetime
    rows: list[ReviewRow]
    mine_only: bool = False
    groups: list[tuple[str, str, list[ReviewRow]]] = field(default_factory=list)

    def client_ids(self) -> list:
        return list(dict.fromkeys(row.review.episode.client_id for row in self.rows))


def group_of(review_date: dt.date, today: dt.date) -> str:
    if review_date < today:
        return PAST_DUE
    days = (review_date - today).days
    if days == 0:
        return TODAY
    if days == 1:
        return TOMORROW
    if days < 7:
        return THIS_WEEK
    return LATER


def reviews_calendar(
    *, organization: Organization, user=None, mine_only: bool = False, now: dt.datetime | None = None
) -> ReviewCalendar:
    """Open reviews grouped Past due / Today / Tomorrow / This week (the next 7 days) / Later, in
    the organization's zone; `user`'s own reviews first in each group (or only theirs)."""
    now = now or timezone.now()
    today = organization.local_today(now)
    reviews = review_list(organization=organization, open_only=True)
    if mine_only and user is not None:
        reviews = reviews.filter(clinician=user)
    rows = []
    for review in reviews:
        call = next_call(review, now)
        rows.append(
            ReviewRow(
                review=review,
                group=group_of(review.review_date, today),
                call=call,
                packet=packet_state(review),
                mine=user is not None and review.clinician_id == user.pk,
                submission_overdue=(
                    review.status == ReviewStatus.UPCOMING
                    and review.submission_due_at is not None
                    and review.submission_due_at <= now
                ),
                due_text=due_text(review.submission_due_at, organization),
            )
        )
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    rows.sort(key=lambda r: (not r.mine, r.review.review_date, r.call.starts_at if r.call else far))
    result = ReviewCalendar(today=today, now=now, rows=rows, mine_only=mine_only)
    result.groups = [
        (key, GROUP_TITLES[key], [r for r in rows if r.group == key])
        for key in GROUP_ORDER
        if key != LATER or any(r.group == LATER for r in rows)
    ]
    return result


# --- The month view --------------------------------------------------------------------------------------


@dataclass
class MonthDay:
    day: dt.date
    in_month: bool
    is_today: bool
    rows: list[ReviewRow]


@dataclass
class ReviewMonth:
    year: int
    month: int
    first: dt.date
    weeks: list[list[MonthDay]]
    weekday_names: list[str]
    previous: dt.date
    next: dt.date
    rows: list[ReviewRow]

    def client_ids(self) -> list:
        return list(dict.fromkeys(row.review.episode.client_id for row in self.rows))


def reviews_month(
    *, organization: Organization, year: int, month: int, user=None, now: dt.datetime | None = None
) -> ReviewMonth:
    """A calendar grid of the month (weeks starting on the organization's week start) with each
    day's reviews, decided ones included (cancelled ones not)."""
    now = now or timezone.now()
    today = organization.local_today(now)
    grid = calendar.Calendar(firstweekday=organization.week_start).monthdatescalendar(year, month)
    start, end = grid[0][0], grid[-1][-1]
    reviews = review_list(organization=organization).filter(review_date__range=(start, end))
    reviews = reviews.exclude(status=ReviewStatus.CANCELLED)
    rows = [
        ReviewRow(
            review=review,
            group=group_of(review.review_date, today),
            call=next_call(review, now),
            packet=packet_state(review),
            mine=user is not None and review.clinician_id == user.pk,
            submission_overdue=False,
        )
        for review in reviews
    ]
    by_day: dict[dt.date, list[ReviewRow]] = {}
    for row in rows:
        by_day.setdefault(row.review.review_date, []).append(row)
    weeks = [
        [MonthDay(day=d, in_month=d.month == month, is_today=d == today, rows=by_day.get(d, [])) for d in week]
        for week in grid
    ]
    first = dt.date(year, month, 1)
    previous = (first - dt.timedelta(days=1)).replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    names = [calendar.day_abbr[(organization.week_start + i) % 7] for i in range(7)]
    return ReviewMonth(
        year=year,
        month=month,
        first=first,
        weeks=weeks,
        weekday_names=names,
        previous=previous,
        next=following,
        rows=rows,
    )


# --- The review page -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AskedLine:
    """A code the outcome form asks about, with what the renewal asks for by default."""

    code: str
    label: str
    units: int
    start_date: dt.date
    end_date: dt.date


def outcome_defaults(review: ConcurrentReview) -> list[AskedLine]:
    """Per code, what the review asks the payer for: the renewal request's lines when it exists,
    else the authorization's ongoing lines for the next window (as `review_renewal_request` would
    copy them; reading the page creates nothing)."""
    from authorizations.requests.services.lines import ONCE_UNIT_TYPES

    authorization = review.authorization
    if review.request is not None:
        asked = list(review.request.lines.all())
        return _unique(
            AskedLine(
                code=line.code,
                label=line.description or line.code,
                units=line.units * max(line.estimated_sessions, 1),
                start_date=line.start_date,
                end_date=line.end_date,
            )
            for line in asked
        )
    start, end = renewal_window(authorization)
    lines = [line for line in authorization.lines.all() if line.unit_type not in ONCE_UNIT_TYPES]
    if not lines:
        return [AskedLine(authorization.code, authorization.code, authorization.units_authorized, start, end)]
    return _unique(AskedLine(line.code, line.code, line.units_authorized, start, end) for line in lines)


def _unique(lines) -> list[AskedLine]:
    seen: dict[str, AskedLine] = {}
    for line in lines:
        seen.setdefault(line.code, line)
    return list(seen.values())
