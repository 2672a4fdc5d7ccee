"""Writes for attendance: roll call, walk-ins, the pace evaluation and its flags, absence-pattern
alerts and their acknowledgement, and the morning notice about missing attendance.

A roll call is one transaction: every line is validated first and nothing is saved if one is
refused; then the records are inserted or updated in bulk, and the affected clients' week is
re-evaluated (flags, alerts and notifications), all with a constant number of queries.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from iop.clients.models import Episode
from iop.common.exceptions import ApplicationError
from iop.common.units import hours
from iop.notifications.services import Notice, notices_send
from iop.tenancy.models import Membership, Organization, Role
from iop.tenancy.selectors import members_with_roles
from scheduling.models import RosterEntry, RosterSource, RosterStatus, Session, SessionStatus
from scheduling.selectors import week_start_for
from scheduling.services import roster_book, roster_remove

from . import selectors
from .models import (
    ABSENT_STATUSES,
    AbsenceAlert,
    AbsenceRuleKind,
    AlertAction,
    AttendanceRecord,
    AttendanceStatus,
    PaceState,
    ThresholdFlag,
)
from .patterns import pattern_hits, program_days
from .signals import attendance_saved

# --- Minutes -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Minutes:
    arrived_at: dt.datetime | None
    departed_at: dt.datetime | None
    attended: int
    # Times outside the session are kept as entered but counted from the session's bounds.
    clamped: bool = False


def attended_minutes_compute(
    *, session: Session, status: str, arrived_at: dt.datetime | None, departed_at: dt.datetime | None
) -> Minutes:
    """Attended minutes from arrival and departure, bounded by the session. Absent is 0 and keeps
    no times; a missing time is the session's. Refused (ApplicationError on the field): departure
    before arrival, arrival after the session ended, departure before it began."""
    if status in ABSENT_STATUSES:
        return Minutes(arrived_at=None, departed_at=None, attended=0)
    arrived_at = arrived_at or session.starts_at
    departed_at = departed_at or session.ends_at
    if departed_at < arrived_at:
        raise ApplicationError(
            "Departure is before arrival.",
            code="departure_before_arrival",
            extra={"departed_at": ["Departure is before arrival."]},
        )
    if arrived_at >= session.ends_at:
        raise ApplicationError(
            "Arrival is after the session ended: record the client as absent instead.",
            code="arrival_after_session",
            extra={"arrived_at": ["Arrival is after the session ended: record the client as absent instead."]},
        )
    if departed_at <= session.starts_at:
        raise ApplicationError(
            "Departure is before the session began: record the client as absent instead.",
            code="departure_before_session",
            extra={"departed_at": ["Departure is before the session began: record the client as absent instead."]},
        )
    start, end = max(arrived_at, session.starts_at), min(departed_at, session.ends_at)
    clamped = (start, end) != (arrived_at, departed_at)
    return Minutes(
        arrived_at=arrived_at,
        departed_at=departed_at,
        attended=int((end - start).total_seconds() // 60),
        clamped=clamped,
    )


# --- Roll call -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RollCallLine:
    roster_entry_id: uuid.UUID
    status: str
    arrived_at: dt.datetime | None = None
    departed_at: dt.datetime | None = None
    absence_reason: str = ""
    note: str = ""


@dataclass
class RollCallResult:
    created: list[AttendanceRecord] = field(default_factory=list)
    updated: list[AttendanceRecord] = field(default_factory=list)
    unchanged: list[AttendanceRecord] = field(default_factory=list)
    flags: list[ThresholdFlag] = field(default_factory=list)
    alerts: list[AbsenceAlert] = field(default_factory=list)
    clamped: list[uuid.UUID] = field(default_factory=list)

    @property
    def records(self) -> list[AttendanceRecord]:
        return self.created + self.updated + self.unchanged


class RosterEntryNotFound(ApplicationError):
    """A line names a roster entry that is not on this session (or not this tenant's): the API and
    views answer 404."""


_RECORD_FIELDS = (
    "status",
    "arrived_at",
    "departed_at",
    "attended_minutes",
    "counted_minutes",
    "absence_reason",
    "note",
)


def episodes_lock(episode_ids: Iterable) -> None:
    """Lock the clients' episodes (in id order, FOR NO KEY UPDATE like scheduling's bookings) for
    the rest of the transaction. Two saves touching one client's week — roll calls of two of their
    sessions, or a roll call and the sweep — then run one after the other, and each judges the
    pace from the other's committed records instead of both missing the other's absence. Always
    episodes before sessions, in the order `roster_book` takes them, so the two cannot deadlock."""
    list(
        Episode.objects.filter(pk__in=list(episode_ids))
        .order_by("pk")
        .select_for_update(of=("self",), no_key=True)
        .values_list("pk", flat=True)
    )


def _locked_session(session: Session) -> Session:
    # One roll call of a session at a time: two people saving together are serialised, so the
    # second sees the first's records (and updates them) instead of failing on the unique key.
    return (
        Session.objects.select_for_update(of=("self",))
        .select_related("group__group_type", "organization")
        .get(pk=session.pk)
    )


def _line_values(session: Session, line: RollCallLine) -> tuple[dict, bool]:
    if line.status not in AttendanceStatus.values:
        raise ApplicationError("Choose a status.", code="invalid_status", extra={"status": ["Choose a status."]})
    minutes = attended_minutes_compute(
        session=session, status=line.status, arrived_at=line.arrived_at, departed_at=line.departed_at
    )
    counts = session.group.group_type.counts_toward_hours
    reason = "" if line.status == AttendanceStatus.PRESENT else line.absence_reason
    values = {
        "status": line.status,
        "arrived_at": minutes.arrived_at,
        "departed_at": minutes.departed_at,
        "attended_minutes": minutes.attended,
        "counted_minutes": minutes.attended if counts else 0,
        "absence_reason": reason,
        "note": line.note.strip()[:300],
    }
    return values, minutes.clamped


@transaction.atomic
def roll_call_save(
    *, session: Session, lines: Sequence[RollCallLine], actor, now: dt.datetime | None = None
) -> RollCallResult:
    """Record (or correct) attendance for some or all of a session's clients. Idempotent: lines
    equal to what is stored change nothing. Refused as a whole when any line is refused; the
    errors are keyed `"<roster entry id>.<field>"`, and the message says which lines (`records.<n>`,
    counted from 0 in the order given) of which clients (by id: messages may reach logs)."""
    now = now or timezone.now()
    ids = [line.roster_entry_id for line in lines]
    if len(set(ids)) != len(ids):
        raise ApplicationError("A client appears twice in the roll call.", code="duplicate_line")
    episodes_lock(RosterEntry.objects.filter(session=session, pk__in=ids).values_list("episode_id", flat=True))
    session = _locked_session(session)
    if session.status != SessionStatus.SCHEDULED:
        raise ApplicationError("The session was cancelled: there is no attendance to record.", code="session_cancelled")
    if session.starts_at > now:
        raise ApplicationError("The session has not started yet.", code="session_not_started")
    entries = {
        e.pk: e
        # Seated clients, and anyone already recorded (then taken off the roster) for corrections.
        for e in RosterEntry.objects.filter(session=session, pk__in=ids)
        .filter(Q(status=RosterStatus.BOOKED) | Q(attendance__isnull=False))
        .select_related("attendance", "episode")
    }
    missing = [i for i in ids if i not in entries]
    if missing:
        raise RosterEntryNotFound("A client in the roll call is not on this session's roster.", code="not_found")

    values_by_entry, errors, refused, result = {}, {}, [], RollCallResult()
    for index, line in enumerate(lines):
        try:
            values_by_entry[line.roster_entry_id], clamped = _line_values(session, line)
        except ApplicationError as exc:
            line_errors = exc.extra or {"status": [exc.message]}
            for name, messages in line_errors.items():
                errors[f"{line.roster_entry_id}.{name}"] = messages
            said = " ".join(str(m) for messages in line_errors.values() for m in messages)
            refused.append(f"records.{index} (client {entries[line.roster_entry_id].episode.client_id}): {said}")
            continue
        if clamped:
            result.clamped.append(line.roster_entry_id)
    if errors:
        message = "Attendance was not saved. " + " ".join(refused)
        raise ApplicationError(message, code="invalid", extra=errors)

    late = now > session.ends_at + dt.timedelta(
        hours=selectors.attendance_settings(session.organization).late_entry_hours
    )
    to_update = []
    for entry_id, values in values_by_entry.items():
        entry = entries[entry_id]
        record = getattr(entry, "attendance", None)
        if record is None:
            record = AttendanceRecord(
                id=uuid.uuid4(),
                organization_id=session.organization_id,
                roster_entry=entry,
                session=session,
                episode_id=entry.episode_id,
                recorded_by=actor,
                recorded_at=now,
                updated_by=actor,
                updated_at=now,
                is_late_entry=late,
                **values,
            )
            result.created.append(record)
        elif any(getattr(record, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(record, name, value)
            record.updated_by, record.updated_at = actor, now
            record.is_late_entry = record.is_late_entry or late
            to_update.append(record)
        else:
            result.unchanged.append(record)
    AttendanceRecord.objects.bulk_create(result.created)
    if to_update:
        AttendanceRecord.objects.bulk_update(to_update, [*_RECORD_FIELDS, "updated_by", "updated_at", "is_late_entry"])
    result.updated = to_update

    changed = result.created + result.updated
    if changed:
        attendance_saved.send(
            sender=AttendanceRecord, organization=session.organization, session=session, records=changed
        )
        _reasons_documented(records=[r for r in changed if r.absence_reason], actor=actor, now=now)
        episode_ids = {r.episode_id for r in changed}
        episodes = selectors.active_episodes(organization=session.organization, episode_ids=episode_ids)
        week = week_start_for(session.organization, session.local_date)
        result.flags = pace_evaluate(organization=session.organization, episodes=episodes, weeks=[week], now=now)
        result.alerts = absence_patterns_evaluate(organization=session.organization, episodes=episodes, now=now)
    return result


@transaction.atomic
def roll_call_walk_in(
    *, session: Session, episode: Episode, reason: str, actor, now: dt.datetime | None = None
) -> RosterEntry:
    """Put a client who joined without being on the roster onto it (with the reason), so their
    attendance can be recorded. Capacity does not refuse a walk-in: they were there."""
    now = now or timezone.now()
    reason = reason.strip()
    if not reason:
        raise ApplicationError(
            "Say why the client joined without being on the roster.",
            code="reason_required",
            extra={"reason": ["Say why the client joined without being on the roster."]},
        )
    if session.starts_at > now:
        raise ApplicationError(
            "The session has not started yet: add the client to its roster instead.", code="session_not_started"
        )
    waiting = RosterEntry.objects.filter(session=session, episode=episode, status=RosterStatus.WAITLISTED).first()
    if waiting is not None:
        # They were waiting for a seat and came anyway: their waitlist place gives way to the seat.
        roster_remove(entry=waiting, actor=actor, reason="Joined as a walk-in")
    return roster_book(session=session, episode=episode, source=RosterSource.WALK_IN, reason=reason[:200], actor=actor)


def _reasons_documented(*, records: list[AttendanceRecord], actor, now: dt.datetime) -> None:
    """An absence that now has a reason closes its "no reason" alert."""
    if records:
        AbsenceAlert.objects.filter(
            kind=AbsenceRuleKind.NO_REASON, record__in=records, acknowledged_at__isnull=True
        ).update(acknowledged_at=now, acknowledged_by=actor, action_taken=AlertAction.REASON_DOCUMENTED)


# --- Pace and flags -----------------------------------------------------------------------------

_STATE_TITLES = {
    PaceState.AT_RISK: "Hours at risk: a client must attend every remaining session this week",
    PaceState.CANNOT_REACH: "Hours cannot be reached this week: add sessions for a client",
    PaceState.BELOW_MINIMUM: "A client's week closed below the required hours",
}


def _insert_new(model, candidates: list) -> list:
    """Insert the candidate rows (ids set in Python) and return those really inserted: the table's
    unique key decides under concurrency, and only new rows may notify anyone."""
    model.objects.bulk_create(candidates, ignore_conflicts=True)
    inserted = set(model.objects.filter(pk__in=[c.pk for c in candidates]).values_list("pk", flat=True))
    return [c for c in candidates if c.pk in inserted]


def _followers(organization: Organization, episodes: Iterable[Episode]) -> dict:
    """Who hears about an episode: the VAs (and org admins), and its primary clinician."""
    vas = list(members_with_roles(organization=organization, roles=[Role.VA, Role.ORG_ADMIN]))
    return {e.pk: [*vas, *([e.primary_clinician] if e.primary_clinician_id else [])] for e in episodes}


def pace_evaluate(
    *, organization: Organization, episodes: list[Episode], weeks: Sequence[dt.date], now: dt.datetime | None = None
) -> list[ThresholdFlag]:
    """Evaluate each active episode's pace for each week; raise a flag on the first entry into a
    flagged state (and tell the VAs and the clinician), close flags the week has moved away from.
    Returns the flags raised now. Re-running changes nothing."""
    now = now or timezone.now()
    if not episodes or not weeks:
        return []
    summaries = selectors.week_summaries(
        organization=organization, episodes=episodes, first_week=min(weeks), last_week=max(weeks), now=now
    )
    evaluated = {key: s for key, s in summaries.items() if s.evaluable and key[1] in weeks}
    existing = defaultdict(dict)
    for flag in ThresholdFlag.objects.filter(
        organization=organization, episode__in=[e.pk for e in episodes], week_start__in=list(weeks)
    ):
        existing[(flag.episode_id, flag.week_start)][flag.state] = flag

    candidates, superseded, reopened = [], [], []
    for key, summary in evaluated.items():
        state = summary.state
        for flag in existing[key].values():
            # Flags follow the pace. A closed week's shortfall stays until staff resolve it, unless
            # late entries show the week was met after all.
            closes = flag.state != PaceState.BELOW_MINIMUM or state == PaceState.ON_TRACK
            if flag.state != state and flag.is_open and closes:
                flag.resolved_at = now
                if flag.state == PaceState.BELOW_MINIMUM:
                    flag.resolution = "Met after late entries."
                elif state == PaceState.ON_TRACK:
                    flag.resolution = "Back on track."
                else:
                    flag.resolution = f"Now {PaceState(state).label.lower()}."
                superseded.append(flag)
            elif flag.state == state and not flag.is_open and flag.resolved_by_id is None:
                flag.resolved_at, flag.resolution = None, ""
                reopened.append(flag)
        if state != PaceState.ON_TRACK and state not in existing[key]:
            candidates.append(
                ThresholdFlag(
                    id=uuid.uuid4(),
                    organization=organization,
                    episode=summary.episode,
                    week_start=summary.week_start,
                    state=state,
                    required_minutes=summary.requirement.minutes_per_week,
                    required_days=summary.requirement.days_per_week,
                    attended_minutes=summary.attended_minutes,
                    remaining_minutes=summary.remaining_minutes,
                    days_attended=len(summary.attended_days),
                    requirement_source=summary.requirement.source,
                    raised_at=now,
                )
            )
    for key, summary in summaries.items():
        # The admission week and earlier are not judged: a flag raised on one before (under an
        # earlier rule, or before the admission date was corrected) does not stay open.
        if key[1] in weeks and summary.outside_care:
            for flag in existing[key].values():
                if flag.is_open:
                    flag.resolved_at, flag.resolution = now, "Not judged: the admission week or earlier."
                    superseded.append(flag)
    if superseded or reopened:
        ThresholdFlag.objects.bulk_update([*superseded, *reopened], ["resolved_at", "resolution"])
    if not candidates:
        return []
    raised = _insert_new(ThresholdFlag, candidates)
    followers = _followers(organization, {f.episode for f in raised})
    notices_send(
        organization=organization,
        notices=[
            Notice(
                recipient=member,
                kind=f"hours_{flag.state}",
                title=_STATE_TITLES[flag.state],
                body=f"Week of {flag.week_start:%-d %B}: {hours(flag.attended_minutes)} h attended"
                f" of {hours(flag.required_minutes)} h required.",
                link=f"/o/{organization.slug}/attendance/hours-at-risk/#flag-{flag.pk}",
                dedupe_key=f"flag:{flag.pk}",
            )
            for flag in raised
            for member in followers[flag.episode_id]
        ],
    )
    return raised


@transaction.atomic
def flag_resolve(*, flag: ThresholdFlag, actor, resolution: str, now: dt.datetime | None = None) -> ThresholdFlag:
    """Staff close a flag with what was done (e.g. sessions added, reason given to the payer)."""
    resolution = resolution.strip()
    if not resolution:
        raise ApplicationError(
            "Say what was done about it.",
            code="resolution_required",
            extra={"resolution": ["Say what was done about it."]},
        )
    flag = ThresholdFlag.objects.select_for_update().get(pk=flag.pk)
    if not flag.is_open:
        raise ApplicationError("This flag is already resolved.", code="already_resolved")
    flag.resolved_at, flag.resolved_by, flag.resolution = now or timezone.now(), actor, resolution[:300]
    flag.save(update_fields=["resolved_at", "resolved_by", "resolution"])
    return flag


# --- Absence patterns ---------------------------------------------------------------------------

# Absences older than this never complete a pattern (the longest window an admin may set).
PATTERN_LOOKBACK = dt.timedelta(days=90)


def absence_patterns_evaluate(
    *, organization: Organization, episodes: list[Episode], now: dt.datetime | None = None
) -> list[AbsenceAlert]:
    """Raise an alert (and tell the clinical team) for each absence pattern an episode newly
    meets (attendance.patterns: by program day, each alert about days no earlier alert of its
    kind covered). An episode with an open alert of a kind gets no second one of that kind until
    it is acknowledged (except "no reason", which is per day)."""
    now = now or timezone.now()
    rules = selectors.absence_rules(organization=organization)
    if not episodes or not rules:
        return []
    today = organization.local_today(now)
    by_episode = defaultdict(list)
    for record in (
        AttendanceRecord.objects.filter(
            organization=organization,
            episode__in=[e.pk for e in episodes],
            session__starts_at__gte=now - PATTERN_LOOKBACK,
            session__starts_at__lte=now,
        )
        .select_related("session")
        .order_by("session__starts_at")
    ):
        by_episode[record.episode_id].append(record)
    open_kinds, alerted_until = set(), defaultdict(dict)
    earlier = (
        AbsenceAlert.objects.filter(episode__in=list(by_episode))
        .values("episode_id", "kind")
        .annotate(last_day=Max("record__session__local_date"), open=Count("pk", filter=Q(acknowledged_at__isnull=True)))
    )
    for row in earlier:
        alerted_until[row["episode_id"]][row["kind"]] = row["last_day"]
        if row["open"]:
            open_kinds.add((row["episode_id"], row["kind"]))
    episodes_by_id = {e.pk: e for e in episodes}
    candidates = []
    for episode_id, records in by_episode.items():
        days = program_days(records)
        for hit in pattern_hits(days, rules, today=today, now=now, alerted_until=alerted_until[episode_id]):
            # An open alert of the kind is enough for the team; "no reason" is about each day.
            if hit.rule.kind != AbsenceRuleKind.NO_REASON and (episode_id, hit.rule.kind) in open_kinds:
                continue
            candidates.append(
                AbsenceAlert(
                    id=uuid.uuid4(),
                    organization=organization,
                    episode=episodes_by_id[episode_id],
                    kind=hit.rule.kind,
                    record=hit.record,
                    summary=hit.summary[:300],
                    raised_at=now,
                )
            )
    if not candidates:
        return []
    raised = _insert_new(AbsenceAlert, candidates)
    team = _clinical_team(organization, {a.episode for a in raised})
    notices_send(
        organization=organization,
        notices=[
            Notice(
                recipient=member,
                kind="absence_alert",
                title=f"Absence alert: {AbsenceRuleKind(alert.kind).label.lower()}",
                link=f"/o/{organization.slug}/attendance/alerts/#alert-{alert.pk}",
                dedupe_key=f"alert:{alert.pk}",
            )
            for alert in raised
            for member in team[alert.episode_id]
        ],
    )
    return raised


def _clinical_team(organization: Organization, episodes: Iterable[Episode]) -> dict:
    """The episode's primary clinician; every clinician when none is assigned."""
    clinicians: list[Membership] | None = None
    team = {}
    for episode in episodes:
        if episode.primary_clinician_id:
            team[episode.pk] = [episode.primary_clinician]
        else:
            if clinicians is None:
                clinicians = list(members_with_roles(organization=organization, roles=[Role.CLINICIAN]))
            team[episode.pk] = clinicians
    return team


@transaction.atomic
def alert_acknowledge(
    *, alert: AbsenceAlert, actor, action_taken: str, note: str = "", now: dt.datetime | None = None
) -> AbsenceAlert:
    if action_taken not in AlertAction.values:
        raise ApplicationError(
            "Choose the action taken.", code="action_required", extra={"action_taken": ["Choose the action taken."]}
        )
    if action_taken == AlertAction.OTHER and not note.strip():
        raise ApplicationError(
            "Describe the action taken.", code="note_required", extra={"note": ["Describe the action taken."]}
        )
    alert = AbsenceAlert.objects.select_for_update().get(pk=alert.pk)
    if not alert.is_open:
        raise ApplicationError("This alert was already acknowledged.", code="already_acknowledged")
    alert.acknowledged_at, alert.acknowledged_by = now or timezone.now(), actor
    alert.action_taken, alert.action_note = action_taken, note.strip()[:500]
    alert.save(update_fields=["acknowledged_at", "acknowledged_by", "action_taken", "action_note"])
    return alert


# --- Sweeps --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SweepResult:
    flags: int
    alerts: int


def attendance_sweep(*, organization: Organization, now: dt.datetime | None = None) -> SweepResult:
    """The safety net behind the per-save evaluation: every active episode's pace for this week
    and the week just closed, and every absence pattern (a reason still missing after N hours
    only shows with time passing)."""
    now = now or timezone.now()
    this_week = selectors.this_week_start(organization, now)
    with transaction.atomic():
        episodes = selectors.active_episodes(organization=organization)
        episodes_lock(e.pk for e in episodes)
        flags = pace_evaluate(
            organization=organization, episodes=episodes, weeks=[this_week - dt.timedelta(days=7), this_week], now=now
        )
        alerts = absence_patterns_evaluate(organization=organization, episodes=episodes, now=now)
    return SweepResult(flags=len(flags), alerts=len(alerts))


def missing_attendance_notify(*, organization: Organization, now: dt.datetime | None = None) -> int:
    """Past the organization's morning notice time, tell each facilitator about their sessions
    before today that still lack attendance, and the VAs once a day with the count. Returns the
    number of sessions notified about (0 before the notice time)."""
    now = now or timezone.now()
    settings = selectors.attendance_settings(organization)
    today = organization.local_today(now)
    if now < organization.local_datetime(today, settings.missing_notice_time):
        return 0
    sessions = list(
        selectors.sessions_missing_attendance(
            organization=organization, now=now, before=organization.local_datetime(today, dt.time(0))
        )
    )
    if not sessions:
        return 0
    link = f"/o/{organization.slug}/attendance/missing/"
    notices = [
        Notice(
            recipient=booking.staff_profile.membership,
            kind="attendance_missing",
            title=f"Attendance missing: {session.group.name}, {session.local_date:%a %-d %b}",
            link=f"/o/{organization.slug}/attendance/sessions/{session.pk}/",
            dedupe_key=f"attendance-missing:{session.pk}",
        )
        for session in sessions
        for booking in session.facilitator_bookings
    ]
    notices += [
        Notice(
            recipient=member,
            kind="attendance_missing",
            title=f"{len(sessions)} past session{'s' if len(sessions) != 1 else ''} without complete attendance",
            link=link,
            dedupe_key=f"attendance-missing:{today:%Y-%m-%d}",
        )
        for member in members_with_roles(organization=organization, roles=[Role.VA, Role.ORG_ADMIN])
    ]
    notices_send(organization=organization, notices=notices)
    return len(sessions)
