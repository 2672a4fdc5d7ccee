"""Reads of the census and billing exports, each a constant number of queries however many
clients and sessions the file holds.

- The census (`census_export_rows`): every active episode (the census board's rows), by program
  then client, with the client's coverage in effect today (the primary before a secondary) and the
  authorization in force today (the census board's: `current_authorizations`).
- Attendance for billing (`billing_attendance_rows`): one row per client per session attended
  (attended minutes above zero) from `start` to `end`, with the code it is billed under where one
  is known — the line of the client's authorization covering that date for the session's track
  (couples, SUD counseling…), else the authorization's program line (a per diem covers every
  session of the day) — the units of that row by the line's unit type (as the burn-down counts
  them: a session, the 15-minute units of the session's minutes by the 8-minute rule, a per-diem day
  once, on the day's first session, when the day's counted minutes reach the payer's daily
  minimum), the session's lead facilitator (the rendering provider) and the authorization number.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from attendance.models import AttendanceRecord
from authorizations.census import current_authorizations
from authorizations.models import (
    Authorization,
    AuthorizationLine,
    AuthorizationStatus,
    Coverage,
    CoveragePriority,
    PayerRule,
    ServiceTrack,
    UnitType,
)
from authorizations.selectors import in_effect_on, rules_for_coverage
from authorizations.units.selectors import (
    DEFAULT_DAILY_MINIMUM,
    authorization_lines,
    code_tracks,
    daily_minimum_from,
)
from iop.clients.models import Episode, EpisodeStatus
from iop.tenancy.models import Organization
from scheduling.models import FacilitatorRole, SessionFacilitator

# The longest period one billing export covers (a quarter and a bit): a larger file is split.
MAX_EXPORT_DAYS = 186

_PROGRAM_TRACKS = frozenset({ServiceTrack.PROGRAM, ServiceTrack.ASSESSMENT})


def _coverage_order(coverage: Coverage) -> tuple:
    return (coverage.priority != CoveragePriority.PRIMARY, -coverage.effective_from.toordinal())


def _coverages_by_client(*, organization: Organization, client_ids, start: dt.date, end: dt.date) -> dict:
    """`{client_id: [Coverage]}` in effect at some point from `start` to `end`, primary first (one query)."""
    found: dict = defaultdict(list)
    coverages = (
        Coverage.objects.filter(organization=organization, client_id__in=list(client_ids), effective_from__lte=end)
        .exclude(effective_to__lt=start)
        .select_related("payer")
    )
    for coverage in sorted(coverages, key=_coverage_order):
        found[coverage.client_id].append(coverage)
    return found


def _in_effect(coverages: Sequence[Coverage], day: dt.date) -> Coverage | None:
    return next((c for c in coverages if in_effect_on(c, day)), None)


# --- The census --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CensusExportRow:
    episode: Episode
    coverage: Coverage | None
    authorization: Authorization | None


def census_export_rows(*, organization: Organization, today: dt.date) -> list[CensusExportRow]:
    """The active episodes with their coverage and authorization in force on `today` (four queries)."""
    episodes = list(
        Episode.objects.filter(organization=organization, status=EpisodeStatus.ACTIVE)
        .select_related("client", "program")
        .order_by("program__name", "program_id", "client__last_name", "client__first_name", "pk")
    )
    if not episodes:
        return []
    coverages = _coverages_by_client(
        organization=organization, client_ids={e.client_id for e in episodes}, start=today, end=today
    )
    authorizations = current_authorizations(
        organization=organization, episode_ids=[e.pk for e in episodes], today=today
    )
    rows = []
    for episode in episodes:
        authorization = authorizations.get(episode.pk)
        coverage = authorization.coverage if authorization else _in_effect(coverages.get(episode.client_id, []), today)
        rows.append(CensusExportRow(episode=episode, coverage=coverage, authorization=authorization))
    return rows


# --- Attendance for billing --------------------------------------------------------------------------


@dataclass(frozen=True)
class BillingAttendanceRow:
    record: AttendanceRecord
    line: AuthorizationLine | None
    authorization: Authorization | None
    coverage: Coverage | None
    units: int | None  # None: not measured from attendance, or no code known
    rendering: str
    rendering_credentials: str


def _line_for(
    lines: Sequence[tuple[Authorization, AuthorizationLine]], *, day: dt.date, track: str, tracks: dict[str, str]
) -> tuple[Authorization | None, AuthorizationLine | None]:
    """The authorization line a session on `day` of `track` is billed under: one of its own track,
    else a program (or assessment) line; the latest-starting of them."""
    covering = [(a, line) for a, line in lines if line.start_date <= day <= line.end_date]
    own = [(a, line) for a, line in covering if tracks.get(line.code) == track]
    program = [(a, line) for a, line in covering if tracks.get(line.code, ServiceTrack.PROGRAM) in _PROGRAM_TRACKS]
    for candidates in (own, program):
        if candidates:
            return max(candidates, key=lambda pair: (pair[1].start_date, pair[0].created_at))
    return None, None


def _facilitators(session_ids) -> dict:
    """`{session_id: (name, credentials)}` of each session's lead (a co-facilitator when no lead) (one query)."""
    found: dict = {}
    bookings = (
        SessionFacilitator.objects.filter(session_id__in=list(session_ids))
        .select_related("staff_profile__membership__user")
        .order_by("session_id", "role")  # "co" < "lead": the lead, read last, wins
    )
    for booking in bookings:
        if booking.role == FacilitatorRole.LEAD or booking.session_id not in found:
            profile = booking.staff_profile
            user = profile.membership.user
            found[booking.session_id] = (user.get_full_name() or user.email, profile.credentials)
    return found


def billing_attendance_rows(*, organization: Organization, start: dt.date, end: dt.date) -> list[BillingAttendanceRow]:
    """Every attended session from `start` to `end` (local dates), by date, time and client, with
    its code, units, rendering facilitator and authorization (seven queries at most)."""
    records = list(
        AttendanceRecord.objects.filter(
            organization=organization,
            attended_minutes__gt=0,
            session__local_date__gte=start,
            session__local_date__lte=end,
        )
        .select_related("session__group__group_type", "episode__client", "episode__program")
        .order_by(
            "session__local_date",
            "session__starts_at",
            "episode__client__last_name",
            "episode__client__first_name",
            "pk",
        )
    )
    if not records:
        return []
    episode_ids = {r.episode_id for r in records}
    authorizations = list(
        Authorization.objects.filter(
            organization=organization, episode_id__in=episode_ids, start_date__lte=end, end_date__gte=start
        )
        .exclude(status=AuthorizationStatus.CANCELLED)
        .select_related("coverage__payer")
        .prefetch_related("lines")
    )
    lines_by_episode: dict = defaultdict(list)
    for held in authorizations:
        lines_by_episode[held.episode_id].extend((held, held_line) for held_line in authorization_lines(held))
    coverages = _coverages_by_client(
        organization=organization, client_ids={r.episode.client_id for r in records}, start=start, end=end
    )
    tracks = code_tracks(organization=organization)
    facilitators = _facilitators({r.session_id for r in records})
    minimum = _daily_minimums(
        organization=organization,
        authorizations=authorizations,
        levels={r.episode_id: r.episode.level_of_care for r in records},
    )

    # Per-diem days: the day's counted minutes under each per-diem line, and which row carries it.
    chosen = []
    day_minutes: dict = defaultdict(int)
    for record in records:
        day, track = record.session.local_date, record.session.group.group_type.track
        authorization, line = _line_for(
            lines_by_episode.get(record.episode_id, []), day=day, track=track, tracks=tracks
        )
        chosen.append((record, authorization, line))
        if line is not None and line.unit_type == UnitType.PER_DIEM:
            day_minutes[(line.pk or id(line), day)] += record.counted_minutes
    carried: set = set()
    rows = []
    for record, authorization, line in chosen:
        day = record.session.local_date
        units = None
        if line is not None:
            if line.unit_type == UnitType.PER_SESSION:
                units = 1
            elif line.unit_type == UnitType.PER_15_MIN:
                units = (record.attended_minutes + 7) // 15
            elif line.unit_type == UnitType.PER_DIEM:
                key = (line.pk or id(line), day)
                qualifies = day_minutes[key] > 0 and day_minutes[key] >= minimum(authorization, day)
                units = 1 if qualifies and key not in carried else 0
                carried.add(key)
        coverage = (
            authorization.coverage
            if authorization is not None
            else _in_effect(coverages.get(record.episode.client_id, []), day)
        )
        name, credentials = facilitators.get(record.session_id, ("", ""))
        rows.append(
            BillingAttendanceRow(
                record=record,
                line=line,
                authorization=authorization,
                coverage=coverage,
                units=units,
                rendering=name,
                rendering_credentials=credentials,
            )
        )
    return rows


def _daily_minimums(
    *, organization: Organization, authorizations: list[Authorization], levels: dict
) -> Callable[[Authorization | None, dt.date], int]:
    """The per-diem daily minimum of an authorization's coverage on a day (the payer's rule in
    effect, for the episode's level of care; the default without one) (one query, when any
    authorization has a per-diem line)."""
    per_diem = [a for a in authorizations if any(li.unit_type == UnitType.PER_DIEM for li in authorization_lines(a))]
    if not per_diem:
        return lambda authorization, day: DEFAULT_DAILY_MINIMUM
    rules = list(
        PayerRule.objects.filter(organization=organization, payer_id__in={a.coverage.payer_id for a in per_diem})
    )
    by_authorization = {
        a.pk: daily_minimum_from(rules_for_coverage(a.coverage, rules, levels.get(a.episode_id, ""))) for a in per_diem
    }

    def minimum(authorization: Authorization | None, day: dt.date) -> int:
        found = by_authorization.get(authorization.pk) if authorization is not None else None
        return found(day) if found is not None else DEFAULT_DAILY_MINIMUM

    return minimum
