"""Unit burn-down: how much of each authorization attendance has used, how much the client is
booked for ahead, what remains, and when the remaining units run out.

The counting is pure (`units_by_day`, `unit_figures`) and tested on constructed data; the loaders
below read everything a list of authorizations needs in a constant number of queries, however many
authorizations, clients and sessions there are.

How a unit is counted, by the authorization's unit type:

- per diem: a day the client attended whose counted minutes (all their sessions that day) reach
  the payer's daily minimum (`PayerRule.min_minutes_per_day` of the coverage's payer in effect that
  day; `DEFAULT_DAILY_MINIMUM` without a rule);
- per session: each attended session with counted minutes;
- per 15 minutes: each attended session's counted minutes in started quarter hours.

Evaluations and instruments are not measured from group attendance (`counted` is False).
Session and 15-minute codes of a therapy track (90853 group, 90847 couples …) count only sessions
of group types of that track; program per diems count every session.

Scheduled ahead is the same logic applied to the client's booked sessions not yet recorded (today
and later), assuming full attendance: a per-diem day counts as scheduled when the booked sessions
bring it to the minimum.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from django.core.paginator import Page
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum, prefetch_related_objects
from django.utils import timezone

from attendance.models import AttendanceRecord
from attendance.reports.selectors import ReportAuthorization, ReportCoverage, ReportPayer
from authorizations.codes import DEFAULT_SERVICE_CODES, service_codes
from authorizations.models import (
    Authorization,
    AuthorizationLine,
    AuthorizationRequest,
    AuthorizationStatus,
    ChaseTask,
    Coverage,
    CoveragePriority,
    PayerRule,
    RequestStatus,
    ServiceTrack,
    UnauthorizedDay,
    UnitType,
)
from authorizations.selectors import in_effect_on, latest_in_effect, rules_for_coverage
from iop.common.dates import date_short
from iop.common.pages import rows_page
from iop.tenancy.models import Organization
from scheduling.models import RosterEntry, RosterStatus, SessionStatus
from scheduling.selectors import session_minutes

# Minutes a per-diem day needs when the coverage's payer has no rule in effect that day (the
# PayerRule field's own default; a payer's rule always wins).
DEFAULT_DAILY_MINIMUM = 180

# Unit types measured from attendance.
COUNTED_UNIT_TYPES = frozenset({UnitType.PER_DIEM, UnitType.PER_SESSION, UnitType.PER_15_MIN})

# Codes of these tracks cover the whole program day, not one kind of group.
_PROGRAM_TRACKS = frozenset({ServiceTrack.PROGRAM, ServiceTrack.ASSESSMENT})

# "Expiring": an active authorization ending within this many days (the chase's first threshold).
EXPIRING_WITHIN_DAYS = 14

UNIT_NOUNS: dict[str, tuple[str, str]] = {  # keyed by plain str: a unit type comes from the database as one
    UnitType.PER_DIEM: ("day", "days"),
    UnitType.PER_SESSION: ("session", "sessions"),
    UnitType.PER_15_MIN: ("15-minute unit", "15-minute units"),
    UnitType.PER_EVALUATION: ("evaluation", "evaluations"),
    UnitType.PER_INSTRUMENT: ("instrument", "instruments"),
}


def unit_noun(unit_type: str, count: int) -> str:
    singular, plural = UNIT_NOUNS.get(unit_type, ("unit", "units"))
    return singular if count == 1 else plural


def line_difference(line: AuthorizationLine) -> str:
    """What a partial approval gave less than asked, or "" when it gave all: "12 of 15 days
    approved; through 18 Dec instead of 24 Dec"."""
    parts = []
    asked = line.units_requested
    if asked is not None and line.units_authorized < asked:
        parts.append(f"{line.units_authorized} of {asked} {unit_noun(line.unit_type, asked)} approved")
    if line.requested_end_date is not None and line.end_date < line.requested_end_date:
        parts.append(f"through {date_short(line.end_date)} instead of {date_short(line.requested_end_date)}")
    return "; ".join(parts)


# --- Pure counting ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Occurrence:
    """One of a client's sessions as the counting sees it: its date and the minutes that count
    (attended, or the session's length for a booking). `track` is the group type's. The loaders
    read a day's sessions of one track summed (`sessions` of them, `minutes` in all): units count
    by day, and a session counts per session only when it has minutes, as each of them then has."""

    local_date: dt.date
    minutes: int
    track: str = ""
    starts_at: dt.datetime | None = None
    session_id: object = None
    sessions: int = 1


def _always(minimum: int) -> Callable[[dt.date], int]:
    return lambda day: minimum


_DEFAULT_MINIMUM = _always(DEFAULT_DAILY_MINIMUM)


def units_by_day(
    unit_type: str,
    occurrences: Iterable[Occurrence],
    *,
    daily_minimum: Callable[[dt.date], int] = _DEFAULT_MINIMUM,
) -> dict[dt.date, int]:
    """Units per date (dates without a unit left out)."""
    units: dict[dt.date, int] = defaultdict(int)
    if unit_type == UnitType.PER_DIEM:
        minutes: dict[dt.date, int] = defaultdict(int)
        for o in occurrences:
            minutes[o.local_date] += max(o.minutes, 0)
        for day, total in minutes.items():
            if total > 0 and total >= daily_minimum(day):
                units[day] = 1
    elif unit_type == UnitType.PER_SESSION:
        for o in occurrences:
            if o.minutes > 0:
                units[o.local_date] += o.sessions
    elif unit_type == UnitType.PER_15_MIN:
        # The 8-minute rule: a day's timed minutes make one unit per full 15, and one more for a
        # remainder of 8 or more (50 minutes are 3 units, not 4; 7 minutes are none).
        minutes = defaultdict(int)
        for o in occurrences:
            minutes[o.local_date] += max(o.minutes, 0)
        for day, total in minutes.items():
            if count := (total + 7) // 15:
                units[day] = count
    return dict(units)


@dataclass(frozen=True)
class UnitFigures:
    """An authorization's burn-down on `today`. `remaining` is negative when attendance used more
    than was authorized. `projected_exhaustion_date` is the day the units run out: in the past
    when they already have, else the booked day that uses the last one (None when the bookings in
    the window do not use them up). `review_date` is the next review, or the end date."""

    authorized: int
    used: int
    scheduled: int
    remaining: int
    projected_exhaustion_date: dt.date | None
    runs_out_before_review: bool
    review_date: dt.date
    end_date: dt.date
    days_left: int
    counted: bool = True
    # (date, units used, units booked) for each day of the window with either.
    days: tuple[tuple[dt.date, int, int], ...] = field(default=(), repr=False)

    @property
    def booked_beyond(self) -> int:
        """Units the bookings in the window need beyond what remains."""
        return max(0, self.scheduled - max(self.remaining, 0))

    @property
    def exhausted(self) -> bool:
        return self.counted and self.remaining <= 0


def unit_figures(
    *,
    unit_type: str,
    authorized: int,
    start_date: dt.date,
    end_date: dt.date,
    next_review_date: dt.date | None,
    attended: Iterable[Occurrence],
    booked: Iterable[Occurrence],
    today: dt.date,
    daily_minimum: Callable[[dt.date], int] = _DEFAULT_MINIMUM,
) -> UnitFigures:
    """The burn-down of one authorization from the client's attended and booked sessions (only
    those in its window count)."""
    review = next_review_date if next_review_date and next_review_date >= today else end_date
    review = min(review, end_date)
    days_left = max((end_date - today).days, 0)
    if unit_type not in COUNTED_UNIT_TYPES:
        return UnitFigures(
            authorized=authorized,
            used=0,
            scheduled=0,
            remaining=authorized,
            projected_exhaustion_date=None,
            runs_out_before_review=False,
            review_date=review,
            end_date=end_date,
            days_left=days_left,
            counted=False,
        )

    def in_window(items: Iterable[Occurrence]) -> list[Occurrence]:
        return [o for o in items if start_date <= o.local_date <= end_date]

    attended, booked = in_window(attended), in_window(booked)
    used_by_day = units_by_day(unit_type, attended, daily_minimum=daily_minimum)
    # Booked sessions counted as if attended in full, on top of what the day already has: a
    # per-diem day is scheduled when the bookings bring it to the minimum.
    total_by_day = units_by_day(unit_type, attended + booked, daily_minimum=daily_minimum)
    booked_by_day = {day: n - used_by_day.get(day, 0) for day, n in total_by_day.items()}
    booked_by_day = {day: n for day, n in booked_by_day.items() if n > 0}
    used, scheduled = sum(used_by_day.values()), sum(booked_by_day.values())
    remaining = authorized - used

    exhaustion = None
    if remaining <= 0:
        running = 0
        for day in sorted(used_by_day):
            running += used_by_day[day]
            if running >= authorized:
                exhaustion = day
                break
    else:
        running = 0
        for day in sorted(booked_by_day):
            running += booked_by_day[day]
            if running >= remaining:
                exhaustion = day
                break
    days = tuple(
        (day, used_by_day.get(day, 0), booked_by_day.get(day, 0)) for day in sorted({*used_by_day, *booked_by_day})
    )
    return UnitFigures(
        authorized=authorized,
        used=used,
        scheduled=scheduled,
        remaining=remaining,
        projected_exhaustion_date=exhaustion,
        runs_out_before_review=exhaustion is not None and exhaustion < review,
        review_date=review,
        end_date=end_date,
        days_left=days_left,
        days=days,
    )


def daily_minimum_from(rules: Sequence[PayerRule]) -> Callable[[dt.date], int]:
    """The daily minimum in effect on a date from a coverage's rules (the latest-starting rule in
    effect wins); the default where none is."""

    def minimum(day: dt.date) -> int:
        rule = latest_in_effect(rules, day)
        return rule.min_minutes_per_day if rule is not None else DEFAULT_DAILY_MINIMUM

    return minimum


def code_tracks(*, organization: Organization) -> dict[str, str]:
    """`{code: track}` from the organization's code list, the defaults filling the gaps (one query)."""
    tracks = {c.code: c.track for c in DEFAULT_SERVICE_CODES}
    tracks.update({c.code: c.track for c in service_codes(organization=organization)})
    return tracks


# Which line of an authorization stands for it where one figure is shown (its summary columns,
# the worklist's figure): the program or group line before individual, medication or assessment
# lines; a code counted from attendance before one that is not; then the earliest.
_TRACK_RANK: dict[str, int] = {
    ServiceTrack.PROGRAM: 0,
    ServiceTrack.GROUP: 1,
    ServiceTrack.SUD_COUNSELING: 2,
    ServiceTrack.ASSESSMENT: 4,
}


def primary_index(lines: Sequence, tracks: dict[str, str]) -> int:
    """The index of the primary line among `lines` (anything with code, unit_type, start_date)."""

    def rank(n: int) -> tuple:
        line = lines[n]
        return (
            line.unit_type not in COUNTED_UNIT_TYPES,
            _TRACK_RANK.get(tracks.get(line.code, ""), 3),
            line.start_date,
            line.code,
            n,
        )

    return min(range(len(lines)), key=rank)


def _of_track(occurrences: list[Occurrence], track: str | None) -> list[Occurrence]:
    if track is None or track in _PROGRAM_TRACKS:
        return occurrences
    return [o for o in occurrences if o.track == track]


# --- Loading --------------------------------------------------------------------------------------


@dataclass
class EpisodeSessions:
    attended: list[Occurrence] = field(default_factory=list)
    booked: list[Occurrence] = field(default_factory=list)


def episode_sessions_load(
    *,
    organization: Organization,
    episode_ids: Iterable,
    start: dt.date,
    end: dt.date,
    today: dt.date,
    exclude_session_ids: Iterable = (),
) -> dict:
    """`{episode_id: EpisodeSessions}`: attended sessions (counted minutes > 0) from `start` to
    `end`, and booked sessions not yet recorded from `today` to `end`, summed by the database per
    day and track (two queries, a row per client-day however many sessions and seats)."""
    episode_ids = list(set(episode_ids))
    loaded: dict = defaultdict(EpisodeSessions)
    if not episode_ids or end < start:
        return loaded
    records = (
        AttendanceRecord.objects.filter(
            organization=organization,
            episode_id__in=episode_ids,
            counted_minutes__gt=0,
            session__local_date__gte=start,
            session__local_date__lte=end,
        )
        .values("episode_id", "session__local_date", "session__group__group_type__track")
        .annotate(minutes=Sum("counted_minutes"), sessions=Count("pk"))
        .order_by()
        .values_list("episode_id", "session__local_date", "session__group__group_type__track", "minutes", "sessions")
    )
    for episode_id, day, track, minutes, sessions in records:
        loaded[episode_id].attended.append(Occurrence(local_date=day, minutes=minutes, track=track, sessions=sessions))
    if end >= max(start, today):
        bookings = (
            RosterEntry.objects.filter(
                organization=organization,
                episode_id__in=episode_ids,
                status=RosterStatus.BOOKED,
                session__status=SessionStatus.SCHEDULED,
                session__local_date__gte=max(start, today),
                session__local_date__lte=end,
            )
            # NOT EXISTS, not `attendance__isnull=True`: under RLS the planner keeps that LEFT JOIN …
            # IS NULL as a join filtered afterwards, estimates 1 row for it and nests a loop over
            # the groups under it (389 ms at 10x demo data); NOT EXISTS plans as a hash anti join
            # (39 ms). See bench/README.md, "EXPLAIN ANALYZE".
            .filter(~Exists(AttendanceRecord.objects.filter(organization=organization, roster_entry=OuterRef("pk"))))
            .exclude(session_id__in=list(exclude_session_ids))
            .values(
                "episode_id",
                "session__local_date",
                "session__group__group_type__counts_toward_hours",
                "session__group__group_type__track",
            )
            .annotate(minutes=Sum(session_minutes()), sessions=Count("pk"))
            .order_by()
            .values_list(
                "episode_id",
                "session__local_date",
                "session__group__group_type__counts_toward_hours",
                "session__group__group_type__track",
                "minutes",
                "sessions",
            )
        )
        for episode_id, day, counts, track, minutes, sessions in bookings:
            loaded[episode_id].booked.append(
                Occurrence(local_date=day, minutes=minutes if counts else 0, track=track, sessions=sessions)
            )
    return loaded


def authorization_lines(authorization: Authorization) -> list[AuthorizationLine]:
    """The authorization's lines (prefetched by the loaders: no query then). One made before lines
    existed and never migrated (a row written straight to the table) stands as one line from its
    own columns, unsaved."""
    lines = list(authorization.lines.all())
    if lines:
        return lines
    return [
        AuthorizationLine(
            organization_id=authorization.organization_id,
            authorization=authorization,
            determination_id=authorization.determination_id,
            code=authorization.code,
            unit_type=authorization.unit_type,
            units_authorized=authorization.units_authorized,
            start_date=authorization.start_date,
            end_date=authorization.end_date,
        )
    ]


def primary_lines(lines: Sequence[AuthorizationLine], tracks: dict[str, str]) -> list[AuthorizationLine]:
    """The lines of the authorization's primary code (`primary_index`): every window of it."""
    code = lines[primary_index(lines, tracks)].code
    return [line for line in lines if line.code == code]


@dataclass
class LoadedUnits:
    """`by_authorization`: one figure per authorization, its primary code's lines together (the
    pages that show one figure); `by_line`: each line's own figure, keyed by the line's id."""

    by_authorization: dict = field(default_factory=dict)
    by_line: dict = field(default_factory=dict)


def _windowed_figures(
    *,
    unit_type: str,
    authorized: int,
    windows: list[tuple[dt.date, dt.date]],
    track: str | None,
    attended: list[Occurrence],
    booked: list[Occurrence],
    next_review_date: dt.date | None,
    today: dt.date,
    daily_minimum: Callable[[dt.date], int],
) -> UnitFigures:
    """`unit_figures` of one code over its windows (one line's, or every line of one code: an
    extended authorization's), counting only its track's sessions on days the windows hold."""

    def within(items: list[Occurrence]) -> list[Occurrence]:
        return [o for o in _of_track(items, track) if any(s <= o.local_date <= e for s, e in windows)]

    return unit_figures(
        unit_type=unit_type,
        authorized=authorized,
        start_date=min(s for s, _ in windows),
        end_date=max(e for _, e in windows),
        next_review_date=next_review_date,
        attended=within(attended),
        booked=within(booked),
        today=today,
        daily_minimum=daily_minimum if unit_type == UnitType.PER_DIEM else _DEFAULT_MINIMUM,
    )


def units_load(
    authorizations: Sequence[Authorization],
    *,
    organization: Organization,
    now: dt.datetime | None = None,
    extra_booked: dict | None = None,
    exclude_session_ids: Iterable = (),
    used_through: dt.date | None = None,
) -> LoadedUnits:
    """The unit figures of any number of authorizations and of each of their lines, in at most seven
    queries (their coverages, episodes and lines when not already loaded, attended and booked
    sessions, payer rules, the code list). Each line counts with its own unit type, its code's
    track and its own window and units. `extra_booked` (`{episode_id: [Occurrence]}`) adds
    bookings not made yet (a placement being considered); `exclude_session_ids` leaves existing
    ones out. `used_through` counts attendance up to that date only (a report's units as of its end)."""
    authorizations = list(authorizations)
    loaded = LoadedUnits()
    if not authorizations:
        return loaded
    today = organization.local_today(now or timezone.now())
    prefetch_related_objects(authorizations, "coverage", "episode", "lines")
    lines_of = {a.pk: authorization_lines(a) for a in authorizations}
    every_line = [line for lines in lines_of.values() for line in lines]
    sessions = episode_sessions_load(
        organization=organization,
        episode_ids=[a.episode_id for a in authorizations],
        start=min(line.start_date for line in every_line),
        end=max(line.end_date for line in every_line),
        today=today,
        exclude_session_ids=exclude_session_ids,
    )
    per_diem_payers = {
        a.coverage.payer_id for a in authorizations if any(li.unit_type == UnitType.PER_DIEM for li in lines_of[a.pk])
    }
    rules = []
    if per_diem_payers:
        rules = list(PayerRule.objects.filter(organization=organization, payer_id__in=per_diem_payers))
    tracks = code_tracks(organization=organization)
    for authorization in authorizations:
        mine = sessions.get(authorization.episode_id) or EpisodeSessions()
        attended = mine.attended
        if used_through is not None:
            attended = [o for o in attended if o.local_date <= used_through]
        booked = mine.booked + list((extra_booked or {}).get(authorization.episode_id, []))
        minimum = _DEFAULT_MINIMUM
        lines = lines_of[authorization.pk]
        if any(line.unit_type == UnitType.PER_DIEM for line in lines):
            coverage_rules = rules_for_coverage(authorization.coverage, rules, authorization.episode.level_of_care)
            minimum = daily_minimum_from(coverage_rules)

        def figure(unit_type: str, authorized: int, windows: list, code: str, **context) -> UnitFigures:
            return _windowed_figures(
                unit_type=unit_type, authorized=authorized, windows=windows, track=tracks.get(code), **context
            )

        context = {
            "attended": attended,
            "booked": booked,
            "next_review_date": authorization.next_review_date,
            "today": today,
            "daily_minimum": minimum,
        }
        for line in lines:
            loaded.by_line[line.pk] = figure(
                line.unit_type, line.units_authorized, [(line.start_date, line.end_date)], line.code, **context
            )
        primary = primary_lines(lines, tracks)
        loaded.by_authorization[authorization.pk] = (
            loaded.by_line[primary[0].pk]
            if len(primary) == 1
            else figure(
                primary[0].unit_type,
                sum(line.units_authorized for line in primary),
                [(line.start_date, line.end_date) for line in primary],
                primary[0].code,
                **context,
            )
        )
    return loaded


def unit_figures_load(authorizations: Sequence[Authorization], *, organization: Organization, **options) -> dict:
    """`{authorization id: UnitFigures}`: one figure per authorization (its primary code's lines
    together), as `units_load` (same options, same queries)."""
    return units_load(authorizations, organization=organization, **options).by_authorization


def figures_attach(authorizations: Sequence[Authorization], *, organization: Organization, now=None) -> list:
    """The authorizations with `.figures` (the one figure) and `.line_list` (their lines, each with
    its own `.figures`) set, for templates and serializers."""
    authorizations = list(authorizations)
    loaded = units_load(authorizations, organization=organization, now=now)
    for authorization in authorizations:
        lines = authorization_lines(authorization)
        for line in lines:
            # Read by templates and serializers; not model fields, so unknown to the stubs.
            line.figures = loaded.by_line.get(line.pk)  # type: ignore[attr-defined]
        authorization.line_list = lines  # type: ignore[attr-defined]
        authorization.figures = loaded.by_authorization.get(authorization.pk)  # type: ignore[attr-defined]
    return authorizations


# --- Selectors -------------------------------------------------------------------------------------


def authorization_list(*, organization: Organization):
    """Authorizations with their client, program, coverage and payer (one query)."""
    return Authorization.objects.filter(organization=organization).select_related(
        "episode__client", "episode__program", "coverage__payer"
    )


def authorizations_in_force(*, organization: Organization, today: dt.date) -> QuerySet[Authorization]:
    """Active authorizations not ended by `today`: the one covering today and a continuation
    approved ahead of it (which starts later). The census board's units (of the one covering
    today), the client list's authorization end and next review and Today's expiring panel read
    them here, so no page counts an authorization in force that another does not."""
    return Authorization.objects.filter(
        organization=organization, status=AuthorizationStatus.ACTIVE, end_date__gte=today
    )


def authorization_get(*, organization: Organization, authorization_id) -> Authorization | None:
    return authorization_list(organization=organization).select_related("prior").filter(pk=authorization_id).first()


def episode_authorizations(*, organization: Organization, episode_ids: Iterable) -> list[Authorization]:
    """The episodes' authorizations (any status), latest first, with their unit figures."""
    authorizations = list(
        authorization_list(organization=organization)
        .filter(episode_id__in=list(episode_ids))
        .order_by("-start_date", "-created_at")
    )
    return figures_attach(authorizations, organization=organization)


def chase_task_list(*, organization: Organization, open_only: bool = False):
    """Chase tasks with what they are about (the authorization's or request's client): one query."""
    qs = ChaseTask.objects.filter(organization=organization).select_related(
        "authorization__episode__client", "request__episode__client", "done_by"
    )
    return qs.filter(done_at__isnull=True) if open_only else qs


def unauthorized_day_list(*, organization: Organization, open_only: bool = False):
    qs = UnauthorizedDay.objects.filter(organization=organization).select_related("episode__client")
    return qs.filter(resolved_at__isnull=True) if open_only else qs


def _task_subject(task: ChaseTask) -> Authorization | AuthorizationRequest:
    about = task.authorization or task.request
    assert about is not None  # a chase task is about an authorization or a request
    return about


# Rows each section of the worklist shows; the rest are a page link away (`?<section>_page=n`), so
# the page renders and counts units for the same number of rows however long its lists grow.
WORKLIST_PER_SECTION = 20

# The worklist's sections: their anchors (and page parameters) in the order the page shows them.
WORKLIST_SECTIONS = ("tasks", "awaiting", "pended", "expiring", "active", "unauthorized", "drafts")


@dataclass
class Worklist:
    """Each section is a `Page` of its rows (`.paginator.count` is the whole section's)."""

    drafts: Page
    awaiting: Page
    pended: Page
    active: Page
    expiring: Page
    tasks: Page
    unauthorized: Page
    today: dt.date
    now: dt.datetime

    def section(self, name: str) -> Page:
        return getattr(self, name)

    def client_ids(self) -> list:
        """The clients the shown rows name (the pages of every section), once."""
        ids = [r.episode.client_id for r in (*self.drafts, *self.awaiting, *self.pended)]
        ids += [a.episode.client_id for a in (*self.active, *self.expiring)]
        ids += [_task_subject(t).episode.client_id for t in self.tasks]
        ids += [d.episode.client_id for d in self.unauthorized]
        return list(dict.fromkeys(ids))


def client_units(*, organization: Organization, client_id) -> dict:
    """The client page's authorizations panel: the client's authorizations (every episode, latest
    first) with their unit figures, and their open unauthorized days, in a constant number of
    queries."""
    from iop.clients.models import Episode

    episode_ids = list(
        Episode.objects.filter(organization=organization, client_id=client_id).values_list("pk", flat=True)
    )
    return {
        "authorizations": episode_authorizations(organization=organization, episode_ids=episode_ids),
        "unauthorized_days": list(
            unauthorized_day_list(organization=organization, open_only=True)
            .filter(episode_id__in=episode_ids)
            .order_by("local_date")
        ),
    }


def authorizations_worklist(
    *, organization: Organization, now: dt.datetime | None = None, pages: Mapping[str, object] | None = None
) -> Worklist:
    """Everything the intake team works: requests by stage, active authorizations with their
    units (expiring ones again on their own), open chase tasks and unauthorized days, each section
    a page of `WORKLIST_PER_SECTION` rows (`pages`: the page number asked for each section, by
    name; the first by default). Each page is read with its section's count in one query, and
    units are counted for the authorizations shown only: a constant number of queries, and work
    proportional to the rows shown, however long the lists grow."""
    now = now or timezone.now()
    today = organization.local_today(now)
    pages = pages or {}

    def page(section: str, queryset: QuerySet) -> Page:
        return rows_page(queryset, pages.get(section), WORKLIST_PER_SECTION)

    requests = AuthorizationRequest.objects.filter(organization=organization).select_related(
        "episode__client", "coverage__payer", "packet"
    )
    # Ties broken by creation, then id throughout: a section's pages must not share or skip rows.
    awaiting = page(
        "awaiting",
        requests.filter(status=RequestStatus.SUBMITTED).order_by(
            F("decision_due_at").asc(nulls_last=True), "created_at", "pk"
        ),
    )
    for request in awaiting:
        # Read by the template (not a model field).
        request.is_overdue = request.decision_due_at is not None and request.decision_due_at < now
    pended = page(
        "pended",
        requests.filter(status=RequestStatus.PENDED).order_by(
            F("information_due").asc(nulls_last=True), "created_at", "pk"
        ),
    )
    for request in pended:
        # Read by the template (not a model field).
        request.information_overdue = request.information_due is not None and request.information_due < today
    active = authorization_list(organization=organization).filter(
        status=AuthorizationStatus.ACTIVE, end_date__gte=today
    )
    active = active.order_by("end_date", "number", "pk")
    active_page = page("active", active)
    expiring = page("expiring", active.filter(end_date__lte=today + dt.timedelta(days=EXPIRING_WITHIN_DAYS)))
    # One count for the rows of both pages (an expiring authorization may be on both: figured once).
    shown = {a.pk: a for a in active_page}
    expiring.object_list = [shown.setdefault(a.pk, a) for a in expiring]
    figures_attach(list(shown.values()), organization=organization, now=now)
    return Worklist(
        drafts=page(
            "drafts",
            requests.filter(status__in=[RequestStatus.DRAFT, RequestStatus.READY]).order_by("created_at", "pk"),
        ),
        awaiting=awaiting,
        pended=pended,
        active=active_page,
        expiring=expiring,
        tasks=page(
            "tasks", chase_task_list(organization=organization, open_only=True).order_by("due_date", "created_at", "pk")
        ),
        unauthorized=page(
            "unauthorized",
            unauthorized_day_list(organization=organization, open_only=True).order_by("local_date", "pk"),
        ),
        today=today,
        now=now,
    )


COVERING_STATUSES = (AuthorizationStatus.ACTIVE, AuthorizationStatus.ENDED)


def report_payer_load(
    *, organization: Organization, episode, start: dt.date, end: dt.date, now: dt.datetime
) -> ReportPayer:
    """Registered with `attendance.hooks.report_payer_register`: the payer side of an attendance report for `start`
    to `end` — the client's primary coverage in effect on the end date (else the latest one in
    effect during the period), and every authorization (active or ended) whose window overlaps the
    period with its units used and remaining as of the end date (or the window's end, when that
    is earlier), one row per line. A constant number of queries (at most eight)."""
    coverages = list(
        Coverage.objects.filter(
            organization=organization,
            client_id=episode.client_id,
            priority=CoveragePriority.PRIMARY,
            effective_from__lte=end,
        )
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=start))
        .select_related("payer", "plan")
        .order_by("-effective_from")
    )
    coverage = next((c for c in coverages if in_effect_on(c, end)), coverages[0] if coverages else None)
    authorizations = list(
        authorization_list(organization=organization)
        .select_related("coverage__plan")
        .filter(episode_id=episode.pk, status__in=COVERING_STATUSES, start_date__lte=end, end_date__gte=start)
        .order_by("start_date", "number")
    )
    loaded = units_load(authorizations, organization=organization, now=now, used_through=end)
    if coverage is None and authorizations:
        coverage = authorizations[-1].coverage
    rows = []
    # One row per line overlapping the period: each code with its own units and window.
    for authorization in authorizations:
        for line in authorization_lines(authorization):
            if line.start_date > end or line.end_date < start:
                continue
            figure = loaded.by_line[line.pk]
            rows.append(
                ReportAuthorization(
                    number=authorization.number,
                    code=line.code,
                    status=authorization.get_status_display().lower(),
                    start=line.start_date,
                    end=line.end_date,
                    unit_label=unit_noun(line.unit_type, line.units_authorized),
                    authorized=line.units_authorized,
                    used=figure.used if figure.counted else None,
                    remaining=figure.remaining if figure.counted else None,
                    as_of=min(end, line.end_date),
                )
            )
    return ReportPayer(
        coverage=ReportCoverage(
            payer=coverage.payer.name,
            plan=coverage.plan.name if coverage.plan else "",
            member_id=coverage.member_id,
            group_number=coverage.group_number,
        )
        if coverage is not None
        else None,
        authorizations=tuple(rows),
    )


def placement_unit_warnings(episode, sessions) -> list[str]:
    """Registered with `scheduling.hooks`: booking `episode` into `sessions` (made or about to
    be) beyond what its active authorizations leave, or on days none covers. Never refuses."""
    from scheduling.models import Session

    organization = Organization.objects.get(pk=episode.organization_id)
    now = timezone.now()
    rows = Session.objects.filter(
        organization=organization, pk__in=[s.pk for s in sessions], status=SessionStatus.SCHEDULED
    ).values_list(
        "pk", "local_date", "starts_at", "ends_at", "group__group_type__counts_toward_hours", "group__group_type__track"
    )
    placed = [
        Occurrence(
            local_date=day,
            minutes=int((ends_at - starts_at).total_seconds() // 60) if counts else 0,
            track=track,
            starts_at=starts_at,
            session_id=pk,
        )
        for pk, day, starts_at, ends_at, counts, track in rows
    ]
    days = sorted({o.local_date for o in placed if o.minutes > 0})
    if not days:
        return []
    authorizations = list(
        Authorization.objects.filter(
            organization=organization, episode_id=episode.pk, status=AuthorizationStatus.ACTIVE
        ).select_related("coverage", "episode")
    )
    loaded = units_load(
        authorizations,
        organization=organization,
        now=now,
        extra_booked={episode.pk: placed},
        exclude_session_ids=[o.session_id for o in placed],
    )
    warnings = []
    windows = []
    for authorization in sorted(authorizations, key=lambda a: (a.start_date, a.number)):
        for line in authorization_lines(authorization):
            windows.append((line.start_date, line.end_date))
            figure = loaded.by_line[line.pk]
            if not figure.counted or not any(line.start_date <= d <= line.end_date for d in days):
                continue
            if figure.booked_beyond:
                left = max(figure.remaining, 0)
                last = max(day for day, _, booked in figure.days if booked)
                text = (
                    f"Authorization {authorization.number} ({line.code}) covers {left} more"
                    f" {unit_noun(line.unit_type, left)}; with this placement the client is booked for"
                    f" {figure.scheduled} {unit_noun(line.unit_type, figure.scheduled)} through {date_short(last)}"
                )
                if figure.projected_exhaustion_date and left:
                    text += f": the units run out on {date_short(figure.projected_exhaustion_date)}"
                warnings.append(text + ".")
    # A day is covered when a line of an active authorization holds it (lines may leave gaps).
    uncovered = [d for d in days if not any(s <= d <= e for s, e in windows)]
    if uncovered:
        some = "any" if len(uncovered) == len(days) else f"{len(uncovered)}"
        noun = "day" if len(days) == 1 else "days"
        warnings.append(
            f"No authorization covers {some} of the {len(days)} booked {noun}"
            f" (from {date_short(uncovered[0])}): attendance on them will be flagged as unauthorized."
        )
    return warnings
