"""The demo's attendance history (harbor): the past weeks and this week so far, recorded as the
facilitators would have.

Every session that has ended since the history's first week gets its roll call through
`attendance.roll_call.services.roll_call_save`, by the session's lead facilitator, a few minutes after it
ended — so no record is a late entry, and each flag and alert is raised when it would have been —
in the order they happened, with the attendance sweep run at the start of each week as the
periodic job does (it closes the past week: below minimum, or back on track). Then the sweep runs
for now. Staff follow-up is filled in as it would have happened: alerts acknowledged with an
outreach call the day after (the last three days' still open), below-minimum weeks before last week
resolved, their notices read, so the worklists show the current work, not a month of it.

What each client did is deterministic: a random generator seeded with the client and the session,
so a re-run (or another database) decides the same, with some clients more reliable than others.
Mostly present; sometimes late or leaving early; now and then a day missed with a reason (illness,
a medical appointment, transport, the internet), rarely without one. On top of that, the parts
`AttendanceSpec` casts:

- flu: ill for the first three program days of the week two weeks ago (absences on three days
  within 14 days: an absence alert, followed up the next day) — at risk, then cannot reach, and the
  week closed below the minimum (resolved by staff since);
- missed a day: last week, which put the client at risk until they attended the rest of the week;
- no-shows: every session of the client's two most recent program days, unexcused: an
  absence-pattern alert, still open;
- this week, one client at risk (must attend every session left) and one who cannot reach the
  hours, chosen from candidates by what has been held and what is still ahead: see
  `_design_this_week`. The two clients placed short of hours cannot reach them in any week; the
  others are on track (a client the dice would put off track this week attends instead).

Sessions with attendance already are left alone: a second run records nothing, and a run days
later records only the sessions held since.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch

from attendance.hours import selectors
from attendance.hours.pace import Remaining, pace_state
from attendance.hours.selectors import SessionLine, WeekSummary
from attendance.hours.services import flag_resolve
from attendance.models import (
    ABSENT_STATUSES,
    AbsenceAlert,
    AbsenceReason,
    AlertAction,
    AttendanceRecord,
    AttendanceStatus,
    PaceState,
    ThresholdFlag,
)
from attendance.patterns.services import alert_acknowledge
from attendance.roll_call.services import RollCallLine, attended_minutes_compute, roll_call_save
from attendance.sweeps import attendance_sweep
from demo.people import OrganizationReport
from demo.schedule import DemoClient
from iop.accounts.models import User
from iop.common.weeks import week_start_for
from iop.notifications.models import Notification
from iop.tenancy.models import Organization
from scheduling.models import FacilitatorRole, RosterEntry, RosterStatus, Session, SessionFacilitator, SessionStatus
from scheduling.services.rosters import roster_remove

SEED = 20260301

# A cast member, as (index of the schedule's placement spec, position among its clients).
Part = tuple[int, int]


@dataclass(frozen=True)
class AttendanceSpec:
    weeks: int  # of history before this one
    flu: Part
    missed_a_day: Part
    no_shows: Part
    at_risk: tuple[Part, ...]  # candidates, the first that can be made so is
    cannot_reach: tuple[Part, ...]


# Who plays which part in Harbor's attendance history, as (placement of `HARBOR_SCHEDULE`, position
# in it). The couples (placement 0) are left to ordinary weeks.
HARBOR_ATTENDANCE = AttendanceSpec(
    weeks=4,
    flu=(1, 2),
    missed_a_day=(2, 1),
    no_shows=(1, 4),
    at_risk=((2, 2), (1, 0), (2, 4), (1, 6), (2, 6)),
    cannot_reach=((1, 5), (2, 3), (1, 1), (2, 5)),
)


@dataclass(frozen=True)
class Line:
    """What one client did at one session."""

    status: str = AttendanceStatus.PRESENT
    late: int = 0  # minutes after the start
    early: int = 0  # minutes before the end
    reason: str = ""
    note: str = ""

    def roll_call_line(self, entry: RosterEntry, session: Session) -> RollCallLine:
        absent = self.status in ABSENT_STATUSES
        return RollCallLine(
            roster_entry_id=entry.pk,
            status=self.status,
            arrived_at=session.starts_at + dt.timedelta(minutes=self.late) if self.late and not absent else None,
            departed_at=session.ends_at - dt.timedelta(minutes=self.early) if self.early and not absent else None,
            absence_reason=self.reason,
            note=self.note,
        )

    def counted_minutes(self, entry: RosterEntry, session: Session) -> int:
        if not session.group.group_type.counts_toward_hours:
            return 0
        line = self.roll_call_line(entry, session)
        return attended_minutes_compute(
            session=session, status=line.status, arrived_at=line.arrived_at, departed_at=line.departed_at
        ).attended


PRESENT = Line()
S, R = AttendanceStatus, AbsenceReason


# --- Ordinary weeks ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Habits:
    late: float  # chance per session
    left_early: float  # per session of an hour or more
    day_off: float  # per day: the whole day missed, with a reason
    no_show: float  # per day: missed without one


# (share of clients, habits): most are reliable, a few struggle.
HABITS = (
    (55, Habits(late=0.03, left_early=0.01, day_off=0.015, no_show=0.003)),
    (35, Habits(late=0.07, left_early=0.03, day_off=0.035, no_show=0.01)),
    (10, Habits(late=0.12, left_early=0.05, day_off=0.06, no_show=0.03)),
)
DAY_OFF = (
    (R.ILLNESS, "Called in sick."),
    (R.ILLNESS, "Migraine."),
    (R.ILLNESS, "Stomach bug."),
    (R.MEDICAL, "Medical appointment."),
    (R.MEDICAL, "Psychiatry appointment at the same time."),
    (R.TRANSPORTATION, "No ride home from work in time to join from a private place."),
    (R.TRANSPORTATION, "Car trouble; stuck away from home."),
    (R.TECHNOLOGY, "Internet outage at home."),
    (R.WORK_SCHOOL, "Shift change at work."),
    (R.FAMILY, "Childcare fell through."),
)
UNEXCUSED = (
    (S.NO_SHOW, R.NO_CONTACT, "No answer when the VA called; voicemail left."),
    (S.ABSENT_UNEXCUSED, R.OTHER, "Said they forgot about the session."),
)
LATE_NOTES = ("", "", "Connection trouble at the start.", "Audio problems; rejoined.", "Joined late from work.")
LEFT_EARLY = (
    (R.MEDICAL, "Left for a medical appointment."),
    (R.WORK_SCHOOL, "Called in to work."),
    (R.FAMILY, "Picked up a child from school."),
    (R.TECHNOLOGY, "Lost the connection and could not rejoin."),
)


def _habits(client: DemoClient) -> Habits:
    rng = random.Random(f"{SEED}:{client.key}")  # noqa: S311 - repeatable demo data, not a secret
    return rng.choices([h for _, h in HABITS], weights=[w for w, _ in HABITS])[0]


def _ordinary(client: DemoClient, habits: Habits, session: Session) -> Line:
    # One draw per day (the same for each of its sessions): a day missed is missed entirely.
    day = random.Random(f"{SEED}:{client.key}:{session.local_date}")  # noqa: S311
    roll = day.random()
    if roll < habits.no_show:
        status, reason, note = day.choice(UNEXCUSED)
        return Line(status, reason=reason, note=note)
    if roll < habits.no_show + habits.day_off:
        reason, note = day.choice(DAY_OFF)
        return Line(S.ABSENT_EXCUSED, reason=reason, note=note)
    rng = random.Random(f"{SEED}:{client.key}:{session.starts_at.isoformat()}")  # noqa: S311
    roll = rng.random()
    if roll < habits.late:
        return Line(S.LATE, late=rng.randint(5, 20), note=rng.choice(LATE_NOTES))
    if roll < habits.late + habits.left_early and session.duration_minutes >= 60:
        reason, note = rng.choice(LEFT_EARLY)
        return Line(S.LEFT_EARLY, early=rng.randint(15, 40), reason=reason, note=note)
    return PRESENT


# --- The cast ------------------------------------------------------------------------------------

FLU = (
    Line(S.ABSENT_EXCUSED, reason=R.ILLNESS, note="Flu."),
    Line(S.ABSENT_EXCUSED, reason=R.ILLNESS, note="Still ill (flu)."),
    Line(S.ABSENT_EXCUSED, reason=R.ILLNESS, note="Flu; back tomorrow (doctor's note on file)."),
)
MISSED_A_DAY = Line(S.ABSENT_EXCUSED, reason=R.TRANSPORTATION, note="Car broke down; stuck away from home all morning.")
NO_SHOW = Line(S.NO_SHOW, reason=R.NO_CONTACT, note="No answer when the VA called; voicemail left.")
# This week's at-risk and cannot-reach clients: a whole day missed, or single sessions.
AT_RISK_DAY = Line(S.ABSENT_EXCUSED, reason=R.FAMILY, note="Childcare fell through.")
AT_RISK_SESSION = Line(S.ABSENT_EXCUSED, reason=R.MEDICAL, note="Medical appointment.")
CANNOT_REACH = Line(S.ABSENT_EXCUSED, reason=R.ILLNESS, note="Flu; a doctor's note is on its way.")
LATE = Line(S.LATE, late=15, note="Joined late: internet trouble.")
EXCUSED_AHEAD = "Asked to be excused in advance: out of town for a family event."


def _part(placed: list[list[DemoClient]], part: Part) -> DemoClient | None:
    index, position = part
    if index < len(placed) and position < len(placed[index]):
        return placed[index][position]
    return None


def _sessions_to_record(organization: Organization, first_week: dt.date, now: dt.datetime) -> list[Session]:
    """Sessions held since `first_week` (ended by now) without any attendance, with their seated
    roster entries (`seated`) and lead facilitator (`leads`)."""
    return list(
        Session.objects.filter(
            organization=organization, status=SessionStatus.SCHEDULED, local_date__gte=first_week, ends_at__lte=now
        )
        .filter(~Exists(AttendanceRecord.objects.filter(session=OuterRef("pk"))))
        .select_related("group__group_type")
        .prefetch_related(
            Prefetch(
                "roster_entries",
                queryset=RosterEntry.objects.filter(status=RosterStatus.BOOKED).order_by("pk"),
                to_attr="seated",
            ),
            Prefetch(
                "facilitators",
                queryset=SessionFacilitator.objects.filter(role=FacilitatorRole.LEAD).select_related(
                    "staff_profile__membership__user"
                ),
                to_attr="leads",
            ),
        )
        .order_by("starts_at", "pk")
    )


# The two to_attr prefetches of _sessions_to_record, unknown to the stubs.
def _seated(session: Session) -> list[RosterEntry]:
    return session.seated  # type: ignore[attr-defined]


def _leads(session: Session) -> list[SessionFacilitator]:
    return session.leads  # type: ignore[attr-defined]


def seed_attendance(
    *,
    organization: Organization,
    spec: AttendanceSpec,
    placed: list[list[DemoClient]],
    staff: User,
    now: dt.datetime,
    report: OrganizationReport,
) -> None:
    """Record the attendance of every session held since `spec.weeks` weeks before this one that
    has none yet; then sweep as of now and fill in staff follow-up. `staff` (the VA) records for a
    session without a lead facilitator and does the follow-up."""
    this_week = week_start_for(organization, organization.local_today(now))
    first_week = this_week - dt.timedelta(weeks=spec.weeks)
    sessions = [s for s in _sessions_to_record(organization, first_week, now) if _seated(s)]
    clients = {c.episode.pk: c for group in placed for c in group}

    # Every seat held gets an ordinary line; then the cast's parts replace some. The flu and the
    # day missed happen to reliable clients (so they stand out); the no-shows to one who struggles.
    habits = {episode_id: _habits(client) for episode_id, client in clients.items()}
    for part, kind in ((spec.flu, 0), (spec.missed_a_day, 0), (spec.no_shows, -1)):
        if (client := _part(placed, part)) is not None:
            habits[client.episode.pk] = HABITS[kind][1]
    plan: dict = {}
    held: dict = defaultdict(list)  # episode id -> [(session, entry)], in session order
    for session in sessions:
        for entry in _seated(session):
            client = clients.get(entry.episode_id)
            plan[entry.pk] = _ordinary(client, habits[client.episode.pk], session) if client else PRESENT
            held[entry.episode_id].append((session, entry))
    _past_parts(organization, spec, placed, plan, held, this_week)
    _design_this_week(organization, spec, placed, plan, staff, now, this_week)

    flags_before = ThresholdFlag.objects.filter(organization=organization).count()
    alerts_before = AbsenceAlert.objects.filter(organization=organization).count()
    recorded = _record(organization, sessions, plan, staff, now)
    _follow_up(organization, staff, now)
    attendance_sweep(organization=organization, now=now)
    _notices_read(organization, now)
    if recorded:
        report.add("attendance record", recorded)
    if flags := ThresholdFlag.objects.filter(organization=organization).count() - flags_before:
        report.add("hours flag", flags)
    if alerts := AbsenceAlert.objects.filter(organization=organization).count() - alerts_before:
        report.add("absence alert", alerts)


def _past_parts(
    organization: Organization,
    spec: AttendanceSpec,
    placed: list[list[DemoClient]],
    plan: dict,
    held: dict,
    this_week: dt.date,
) -> None:
    """The flu two weeks ago, the day missed last week, and the two latest sessions missed."""

    def week_of(client: DemoClient | None, weeks_ago: int) -> list[tuple[Session, RosterEntry]]:
        week = this_week - dt.timedelta(weeks=weeks_ago)
        if client is None:
            return []
        return [(s, e) for s, e in held[client.episode.pk] if week_start_for(organization, s.local_date) == week]

    flu = week_of(_part(placed, spec.flu), 2)
    days = sorted({s.local_date for s, _ in flu})[: len(FLU)]
    for session, entry in flu:
        if session.local_date in days:
            plan[entry.pk] = FLU[days.index(session.local_date)]

    # A day missed, then every session attended: at risk for a few days, then back on track.
    missed = week_of(_part(placed, spec.missed_a_day), 1)
    days = sorted({s.local_date for s, _ in missed})
    for session, entry in missed:
        plan[entry.pk] = MISSED_A_DAY if len(days) > 1 and session.local_date == days[1] else PRESENT

    # Absence patterns are judged by program day: the two latest days, every session of them.
    no_shows = _part(placed, spec.no_shows)
    if no_shows is not None:
        sessions = held[no_shows.episode.pk]
        last_days = sorted({s.local_date for s, _ in sessions})[-2:]
        for session, entry in sessions:
            if session.local_date in last_days:
                plan[entry.pk] = NO_SHOW


# --- This week ----------------------------------------------------------------------------------


def _state(summary: WeekSummary, plan: dict, removed: frozenset = frozenset()) -> str:
    """The pace state of the week once the planned lines are recorded (and the `removed` seats
    given up): `WeekSummary.state` over what is not saved yet."""
    attended, days, remaining = 0, set(), []
    for line in summary.lines:
        if line.record is not None:
            minutes = line.record.counted_minutes
        elif line.entry.pk in plan:
            minutes = plan[line.entry.pk].counted_minutes(line.entry, line.session)
        else:
            if line.is_booked and line.counts and line.entry.pk not in removed:
                remaining.append(Remaining(local_date=line.session.local_date, minutes=line.session.duration_minutes))
            continue
        attended += minutes
        if minutes:
            days.add(line.session.local_date)
    return pace_state(
        required_minutes=summary.requirement.minutes_per_week,
        required_days=summary.requirement.days_per_week,
        attended_minutes=attended,
        attended_days=frozenset(days),
        remaining=tuple(remaining),
        closed=summary.closed,
    )


def _absences(pending: list[SessionLine], day: Line, session: Line) -> Iterator[dict]:
    """Ways of missing part of the week held so far, smallest first within each kind: whole days
    from the first one; single counted sessions from the first one (and then late to the next)."""
    counted = [line for line in pending if line.counts]
    days = sorted({line.session.local_date for line in counted})
    for n in range(1, len(days) + 1):
        yield {line.entry.pk: day for line in pending if line.session.local_date in days[:n]}
    for n in range(1, len(counted) + 1):
        missed = {line.entry.pk: session for line in counted[:n]}
        yield missed
        if n < len(counted):
            yield {**missed, counted[n].entry.pk: LATE}


def _design_this_week(
    organization: Organization,
    spec: AttendanceSpec,
    placed: list[list[DemoClient]],
    plan: dict,
    staff: User,
    now: dt.datetime,
    this_week: dt.date,
) -> None:
    """Make one candidate at risk and one cannot reach this week, and keep everyone else on track.

    Which candidate, and how, depends on when the seed runs. At risk needs sessions still ahead
    that the client cannot miss: a candidate misses what it takes of the sessions held so far
    (two sessions of their 12 hours, or one and a late arrival). Early on Monday nothing has been
    held yet: then a candidate gives up a day still ahead (excused in advance), which leaves just
    the 9 hours. From Friday's last session to Sunday nothing is ahead and nobody can be at risk:
    the at-risk flags are then those of past weeks (the flu, the day missed). Cannot reach needs
    enough missed: from Tuesday's last session on a candidate missed it, before that only the two
    clients placed short of hours cannot reach theirs (as in every week).

    A second run finds the parts already played (records kept) and changes nothing."""
    episodes = selectors.active_episodes(organization=organization)
    summaries = selectors.week_summaries(
        organization=organization, episodes=episodes, first_week=this_week, last_week=this_week, now=now
    )
    weeks = {episode_id: s for (episode_id, _), s in summaries.items() if s.evaluable}
    cast = {}  # episode id -> part played this week

    def pending(summary: WeekSummary) -> list[SessionLine]:
        return [line for line in summary.lines if line.record is None and line.entry.pk in plan]

    no_shows = _part(placed, spec.no_shows)
    if no_shows is not None:
        cast[no_shows.episode.pk] = "no_shows"
    for state, candidates, day, session in (
        (PaceState.CANNOT_REACH, spec.cannot_reach, CANNOT_REACH, CANNOT_REACH),
        (PaceState.AT_RISK, spec.at_risk, AT_RISK_DAY, AT_RISK_SESSION),
    ):
        summaries_of = [
            weeks[c.episode.pk]
            for c in filter(None, (_part(placed, p) for p in candidates))
            if c.episode.pk in weeks and c.episode.pk not in cast
        ]
        # Played already (an earlier run this week), or by the dice.
        played = next((s for s in summaries_of if _state(s, plan) == state), None)
        for summary in summaries_of if played is None else ():
            held = pending(summary)
            attended = {line.entry.pk: PRESENT for line in held}
            for missed in _absences(held, day, session):
                if _state(summary, {**plan, **attended, **missed}) == state:
                    plan.update({**attended, **missed})
                    played = summary
                    break
            if played is not None:
                break
        if played is None and state == PaceState.AT_RISK:
            played = _excused_ahead(summaries_of, plan, staff, now)
        if played is not None:
            cast[played.episode.pk] = state

    # Everyone else on track where attending the week's sessions held so far would do it.
    for episode_id, summary in weeks.items():
        if episode_id in cast or _state(summary, plan) == PaceState.ON_TRACK:
            continue
        attended = {line.entry.pk: PRESENT for line in pending(summary)}
        if _state(summary, {**plan, **attended}) == PaceState.ON_TRACK:
            plan.update(attended)


def _excused_ahead(summaries: list[WeekSummary], plan: dict, staff: User, now: dt.datetime) -> WeekSummary | None:
    """The first candidate who, attending everything held so far and giving up the last days (or
    sessions) still ahead, is left at risk: their seats there are released (the VA does it when a
    client asks to be excused in advance)."""
    for summary in summaries:
        held = {line.entry.pk: PRESENT for line in summary.lines if line.record is None and line.entry.pk in plan}
        ahead = [
            line
            for line in summary.lines
            if line.record is None and line.entry.pk not in plan and line.is_booked and line.session.starts_at > now
        ]
        counted = sorted((line for line in ahead if line.counts), key=lambda line: line.session.starts_at, reverse=True)
        days = sorted({line.session.local_date for line in counted}, reverse=True)
        options = [[line for line in ahead if line.session.local_date in days[:n]] for n in range(1, len(days) + 1)]
        options += [counted[:n] for n in range(1, len(counted) + 1)]
        for released in options:
            if _state(summary, {**plan, **held}, frozenset(line.entry.pk for line in released)) == PaceState.AT_RISK:
                plan.update(held)
                for line in released:
                    roster_remove(entry=line.entry, actor=staff, reason=EXCUSED_AHEAD)
                return summary
    return None


# --- Recording -----------------------------------------------------------------------------------


def _record(organization: Organization, sessions: list[Session], plan: dict, staff: User, now: dt.datetime) -> int:
    """Each session's roll call a few minutes after it ended, and the sweep at 6:00 on the Monday
    after each week recorded, in the order they happened, each after staff followed up what was
    due by then. Returns the records created."""
    events: list[tuple[dt.datetime, Session | None]] = []  # (when, the session recorded, or None: the sweep)
    for held in sessions:
        rng = random.Random(f"{SEED}:{held.group.name}:{held.starts_at.isoformat()}")  # noqa: S311
        events.append((min(held.ends_at + dt.timedelta(minutes=rng.randint(5, 40)), now), held))
    for week in {week_start_for(organization, s.local_date) for s in sessions}:
        sweep_at = organization.local_datetime(week + dt.timedelta(days=7), dt.time(6, 0))
        if sweep_at <= now:
            events.append((sweep_at, None))
    created = 0
    for at, session in sorted(events, key=lambda event: (event[0], event[1] is not None)):
        _follow_up(organization, staff, at)
        if session is None:
            attendance_sweep(organization=organization, now=at)
            continue
        lines = [plan[entry.pk].roll_call_line(entry, session) for entry in _seated(session)]
        leads = _leads(session)
        actor = leads[0].staff_profile.membership.user if leads else staff
        created += len(roll_call_save(session=session, lines=lines, actor=actor, now=at).created)
    return created


def _follow_up(organization: Organization, staff: User, at: dt.datetime) -> None:
    """What staff had done by `at`: the VA called each client with an alert the day after it was
    raised, and the alerts raised in the last three days are still open; below-minimum weeks
    before last week were reviewed and resolved the day after they closed. In the timeline, so an
    acknowledged pattern can alert again later, when it would have."""
    for alert in AbsenceAlert.objects.filter(
        organization=organization, acknowledged_at__isnull=True, raised_at__lt=at - dt.timedelta(days=3)
    ):
        alert_acknowledge(
            alert=alert,
            actor=staff,
            action_taken=AlertAction.OUTREACH_CALL,
            note="Reached the client; reviewed the attendance expectations and what gets in the way.",
            now=alert.raised_at + dt.timedelta(days=1),
        )
    last_week = week_start_for(organization, organization.local_today(at)) - dt.timedelta(days=7)
    for flag in ThresholdFlag.objects.filter(
        organization=organization,
        resolved_at__isnull=True,
        state=PaceState.BELOW_MINIMUM,
        week_start__lt=last_week,
        raised_at__lt=at - dt.timedelta(days=1),
    ):
        flag_resolve(
            flag=flag,
            actor=staff,
            resolution="Reviewed with the client and the clinician; shortfall documented for the payer.",
            now=flag.raised_at + dt.timedelta(days=1),
        )


def _notices_read(organization: Organization, now: dt.datetime) -> None:
    """The notices this run sent (all created after `now`) about flags and alerts since closed:
    staff read them when they acted. Anyone's own unread notices stay as they are."""
    closed = [
        f"flag:{pk}"
        for pk in ThresholdFlag.objects.filter(organization=organization, resolved_at__isnull=False).values_list(
            "pk", flat=True
        )
    ]
    closed += [
        f"alert:{pk}"
        for pk in AbsenceAlert.objects.filter(organization=organization, acknowledged_at__isnull=False).values_list(
            "pk", flat=True
        )
    ]
    Notification.objects.filter(
        organization=organization, read_at__isnull=True, dedupe_key__in=closed, created_at__gte=now
    ).update(read_at=now)
