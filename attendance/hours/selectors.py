"""Reads for weekly hours: each episode's weeks (scheduled, attended, required, pace) and the
hours flags. Each selector owns its joins so a page costs a constant number of queries however
many clients, sessions and weeks it shows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from django.contrib.postgres.aggregates import ArrayAgg
from django.core.paginator import Page
from django.db.models import Case, DateField, ExpressionWrapper, F, IntegerField, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Cast, ExtractIsoWeekDay, Mod
from django.utils import timezone

from iop.clients.models import Episode, EpisodeStatus
from iop.common.pages import rows_page
from iop.common.units import hours
from iop.common.weeks import week_start_for
from iop.tenancy.models import Organization
from scheduling.models import RosterEntry, RosterStatus, Session, SessionStatus
from scheduling.selectors import session_minutes

from ..models import (
    AttendanceRecord,
    PaceState,
    ThresholdFlag,
)
from .pace import Remaining, pace_state
from .requirements import Requirement, payer_requirements_attach, requirement_for


@dataclass
class SessionLine:
    """One of the client's sessions in a week, with its attendance when recorded."""

    entry: RosterEntry
    record: AttendanceRecord | None

    @property
    def session(self) -> Session:
        return self.entry.session

    @property
    def counts(self) -> bool:
        return self.session.group.group_type.counts_toward_hours

    @property
    def is_booked(self) -> bool:
        return self.entry.status == RosterStatus.BOOKED and self.session.status == SessionStatus.SCHEDULED


class _WeekFigures:
    """What a week's pace, shortfall and hours follow from: the attended minutes and days and the
    sessions still to attend, however they were read (session by session for the pages, summed in
    the database for the sweeps)."""

    if TYPE_CHECKING:
        episode: Episode
        week_start: dt.date
        requirement: Requirement
        closed: bool

        @property
        def attended_minutes(self) -> int: ...

        @property
        def attended_days(self) -> frozenset[dt.date]: ...

        @property
        def remaining(self) -> tuple[Remaining, ...]: ...

    @property
    def week_end(self) -> dt.date:
        return self.week_start + dt.timedelta(days=6)

    @property
    def remaining_minutes(self) -> int:
        return sum(r.minutes for r in self.remaining)

    @property
    def outside_care(self) -> str:
        """Why the week is not one of the episode's weeks of care to judge, for pages and reports;
        "" when it is. The admission week is never judged, even when the admission falls on its
        first day: the intake and assessment take that week, and the client's groups start after."""
        admitted, discharged = self.episode.admission_date, self.episode.discharge_date
        if admitted is None or admitted > self.week_end:
            return "Before admission"
        if admitted >= self.week_start:
            return "Admitted this week — not judged"
        if discharged is not None and discharged < self.week_start:
            return "After discharge"
        return ""

    @property
    def evaluable(self) -> bool:
        """Pace is judged (and flagged) on the full weeks of active care after the admission week."""
        return self.episode.status == EpisodeStatus.ACTIVE and not self.outside_care

    @property
    def state(self) -> str:
        return pace_state(
            required_minutes=self.requirement.minutes_per_week,
            required_days=self.requirement.days_per_week,
            attended_minutes=self.attended_minutes,
            attended_days=self.attended_days,
            remaining=self.remaining,
            closed=self.closed,
        )

    @property
    def shortfall_minutes(self) -> int:
        return max(0, self.requirement.minutes_per_week - self.attended_minutes - self.remaining_minutes)

    @property
    def missing_days(self) -> int:
        possible = self.attended_days | {r.local_date for r in self.remaining}
        return max(0, self.requirement.days_per_week - len(possible))

    # Hours, for pages and reports.
    @property
    def attended_hours(self) -> Decimal:
        return hours(self.attended_minutes)

    @property
    def remaining_hours(self) -> Decimal:
        return hours(self.remaining_minutes)

    @property
    def required_hours(self) -> Decimal:
        return self.requirement.hours_per_week

    @property
    def shortfall_hours(self) -> Decimal:
        return hours(self.shortfall_minutes)


@dataclass
class WeekSummary(_WeekFigures):
    """An episode's week, session by session: scheduled, attended, required, days, and the pace
    state."""

    episode: Episode
    week_start: dt.date
    requirement: Requirement
    closed: bool
    lines: list[SessionLine] = field(default_factory=list)

    @property
    def scheduled_minutes(self) -> int:
        return sum(line.session.duration_minutes for line in self.lines if line.is_booked and line.counts)

    @property
    def attended_minutes(self) -> int:
        return sum(line.record.counted_minutes for line in self.lines if line.record is not None)

    @property
    def attended_days(self) -> frozenset[dt.date]:
        return frozenset(
            line.session.local_date for line in self.lines if line.record is not None and line.record.counted_minutes
        )

    @property
    def remaining(self) -> tuple[Remaining, ...]:
        return tuple(
            Remaining(local_date=line.session.local_date, minutes=line.session.duration_minutes)
            for line in self.lines
            if line.record is None and line.is_booked and line.counts
        )

    @property
    def scheduled_hours(self) -> Decimal:
        return hours(self.scheduled_minutes)


@dataclass
class WeekTotals(_WeekFigures):
    """An episode's week as the sweeps judge it: the figures summed by the database
    (`week_totals`), without its sessions."""

    episode: Episode
    week_start: dt.date
    requirement: Requirement
    closed: bool
    attended_minutes: int = 0
    attended_days: frozenset[dt.date] = frozenset()
    remaining: tuple[Remaining, ...] = ()


def _episode_related(qs: QuerySet[Episode]) -> QuerySet[Episode]:
    return qs.select_related("client", "program", "treatment_plan", "primary_clinician__user")


def _weeks(organization: Organization, first_week: dt.date, last_week: dt.date) -> list[dt.date]:
    # Stored week starts (a flag's) predate any change of the organization's week start: use the
    # week that holds them now.
    week, last_week = week_start_for(organization, first_week), week_start_for(organization, last_week)
    weeks = []
    while week <= last_week:
        weeks.append(week)
        week += dt.timedelta(days=7)
    return weeks


def _week_entries(organization: Organization, episodes: list[Episode], weeks: list[dt.date]) -> QuerySet[RosterEntry]:
    """The episodes' seats in the weeks that count: booked in a scheduled session, or attended."""
    return RosterEntry.objects.filter(
        organization=organization,
        episode_id__in=[e.pk for e in episodes],
        session__local_date__gte=weeks[0],
        session__local_date__lt=weeks[-1] + dt.timedelta(days=7),
    ).filter(Q(status=RosterStatus.BOOKED, session__status=SessionStatus.SCHEDULED) | Q(attendance__isnull=False))


def week_summaries(
    *,
    organization: Organization,
    episodes: list[Episode],
    first_week: dt.date,
    last_week: dt.date,
    now: dt.datetime | None = None,
) -> dict[tuple, WeekSummary]:
    """`{(episode_id, week_start): WeekSummary}` for every episode and every week from
    `first_week` to `last_week` (week starts). One query for the sessions of all of them; the
    episodes must carry `treatment_plan` and `program` (see `_episode_related`)."""
    now = now or timezone.now()
    this_week = this_week_start(organization, now)
    weeks = _weeks(organization, first_week, last_week)
    payer_requirements_attach(episodes)
    summaries: dict[tuple, WeekSummary] = {
        (episode.pk, week): WeekSummary(
            episode=episode, week_start=week, requirement=requirement_for(episode, week), closed=week < this_week
        )
        for episode in episodes
        for week in weeks
    }
    if not episodes:
        return summaries
    entries = (
        _week_entries(organization, episodes, weeks)
        .select_related("session__group__group_type", "attendance")
        .order_by("session__starts_at")
    )
    for entry in entries:
        week = week_start_for(organization, entry.session.local_date)
        record = getattr(entry, "attendance", None)
        summaries[(entry.episode_id, week)].lines.append(SessionLine(entry=entry, record=record))
    return summaries


def week_totals(
    *,
    organization: Organization,
    episodes: list[Episode],
    first_week: dt.date,
    last_week: dt.date,
    now: dt.datetime | None = None,
) -> dict[tuple, WeekTotals]:
    """`week_summaries` for the sweeps: the same weeks and figures, summed by the database (one
    query, a row per episode and week, whatever the number of sessions), without the sessions."""
    now = now or timezone.now()
    this_week = this_week_start(organization, now)
    weeks = _weeks(organization, first_week, last_week)
    payer_requirements_attach(episodes)
    totals: dict[tuple, WeekTotals] = {
        (episode.pk, week): WeekTotals(
            episode=episode, week_start=week, requirement=requirement_for(episode, week), closed=week < this_week
        )
        for episode in episodes
        for week in weeks
    }
    if not episodes:
        return totals
    # The week a session's local date falls in (`week_start_for`): ISO weekdays run 1-7 from Monday.
    week = ExpressionWrapper(
        F("session__local_date")
        - Cast(Mod(ExtractIsoWeekDay("session__local_date") + (6 - organization.week_start), 7), IntegerField()),
        output_field=DateField(),
    )
    remaining = Q(
        attendance__isnull=True,
        status=RosterStatus.BOOKED,
        session__status=SessionStatus.SCHEDULED,
        session__group__group_type__counts_toward_hours=True,
    )
    order = ("session__starts_at", "pk")
    rows = (
        _week_entries(organization, episodes, weeks)
        .annotate(week=week)
        .values("episode_id", "week")
        .annotate(
            attended=Sum("attendance__counted_minutes", default=0),
            attended_days=ArrayAgg(
                "session__local_date", filter=Q(attendance__counted_minutes__gt=0), distinct=True, default=Value([])
            ),
            remaining_days=ArrayAgg("session__local_date", filter=remaining, order_by=order, default=Value([])),
            remaining_minutes=ArrayAgg(session_minutes(), filter=remaining, order_by=order, default=Value([])),
        )
        .order_by()
        .values_list("episode_id", "week", "attended", "attended_days", "remaining_days", "remaining_minutes")
    )
    for episode_id, week_start, attended, attended_days, remaining_days, remaining_minutes in rows:
        summary = totals[(episode_id, week_start)]
        summary.attended_minutes = attended
        summary.attended_days = frozenset(attended_days)
        summary.remaining = tuple(
            Remaining(local_date=day, minutes=n) for day, n in zip(remaining_days, remaining_minutes, strict=True)
        )
    return totals


def episode_weeks(
    *, organization: Organization, episode: Episode, weeks_back: int = 7, now: dt.datetime | None = None
) -> list[WeekSummary]:
    """This week and up to `weeks_back` weeks before it (not before the admission week), newest
    first — the client page's hours table."""
    now = now or timezone.now()
    this_week = this_week_start(organization, now)
    first = this_week - dt.timedelta(weeks=weeks_back)
    if episode.admission_date:
        first = max(first, week_start_for(organization, episode.admission_date))
    summaries = week_summaries(
        organization=organization, episodes=[episode], first_week=first, last_week=this_week, now=now
    )
    return sorted(summaries.values(), key=lambda s: s.week_start, reverse=True)


def active_episodes(*, organization: Organization, episode_ids=None) -> list[Episode]:
    qs = Episode.objects.filter(organization=organization, status=EpisodeStatus.ACTIVE)
    if episode_ids is not None:
        qs = qs.filter(pk__in=list(episode_ids))
    return list(_episode_related(qs))


def episode_for_attendance(*, organization: Organization, episode_id) -> Episode | None:
    return _episode_related(Episode.objects.filter(organization=organization, pk=episode_id)).first()


def open_flags(*, organization: Organization) -> QuerySet[ThresholdFlag]:
    return (
        ThresholdFlag.objects.filter(organization=organization, resolved_at__isnull=True)
        .select_related("episode__client", "episode__program", "episode__primary_clinician__user")
        .order_by("week_start", "episode__client__last_name", "pk")
    )


def flag_list(*, organization: Organization) -> QuerySet[ThresholdFlag]:
    return ThresholdFlag.objects.filter(organization=organization).select_related("episode", "resolved_by")


def this_week_start(organization: Organization, now: dt.datetime | None = None) -> dt.date:
    return week_start_for(organization, organization.local_today(now))


# Open flags the hours-at-risk page shows at once; the rest are a page link away, so the page
# loads and renders the same number of weeks however many clients are flagged.
AT_RISK_PER_PAGE = 20

# What to fix first: the weeks that cannot reach, then those at risk, then weeks closed below.
_FIX_FIRST = Case(
    When(state=PaceState.CANNOT_REACH, then=Value(0)),
    When(state=PaceState.AT_RISK, then=Value(1)),
    default=Value(2),
)


def hours_at_risk(*, organization: Organization, now: dt.datetime | None = None, page=None) -> Page:
    """Page `page` of the open flags, most urgent first (what to fix first, then the newest week),
    each as `(flag, summary)` with the current week summary of the flagged episode. The page's
    rows and the count of all are one query; weeks are summarised for the page's flags only."""
    flags = rows_page(
        open_flags(organization=organization).order_by(_FIX_FIRST, "-week_start", "episode__client__last_name", "pk"),
        page,
        AT_RISK_PER_PAGE,
    )
    if not flags:
        return flags
    # Discharged meanwhile: the flag stays open for staff to close, without a current week.
    loaded = active_episodes(organization=organization, episode_ids={f.episode_id for f in flags})
    first = min(f.week_start for f in flags)
    last = max(f.week_start for f in flags)
    summaries = week_summaries(organization=organization, episodes=loaded, first_week=first, last_week=last, now=now)
    flags.object_list = [(f, summaries.get((f.episode_id, week_start_for(organization, f.week_start)))) for f in flags]
    return flags
