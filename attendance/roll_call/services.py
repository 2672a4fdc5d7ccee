"""Roll call: recording (and correcting) a session's attendance, walk-ins, attended minutes,
and the morning notice about sessions still missing attendance.

A roll call is one transaction: every line is validated first and nothing is saved if one is
refused; then the records are inserted or updated in bulk, and the affected clients' week is
re-evaluated (flags, alerts and notifications), all with a constant number of queries.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from iop.clients.models import Episode
from iop.common.crash import pause_point
from iop.common.dates import datetime_short, time_hm
from iop.common.exceptions import ApplicationError, refuse
from iop.common.text import plural
from iop.common.weeks import week_start_for
from iop.notifications.hooks import names_text
from iop.notifications.services import Notice, notices_send
from iop.tenancy.models import Organization
from iop.tenancy.selectors import vas_and_admins
from scheduling.models import RosterEntry, RosterSource, RosterStatus, Session, SessionStatus
from scheduling.services.rosters import roster_book, roster_remove

from ..errors import AttendanceErrorCode
from ..hooks import attendance_saved
from ..hours.selectors import active_episodes
from ..hours.services import pace_evaluate
from ..inbox import ATTENDANCE_MISSING, missing_names
from ..models import (
    ABSENT_STATUSES,
    AbsenceAlert,
    AbsenceRuleKind,
    AlertAction,
    AttendanceRecord,
    AttendanceStatus,
    ThresholdFlag,
)
from ..patterns.services import absence_patterns_evaluate
from . import selectors

if TYPE_CHECKING:
    from iop.accounts.models import User

# The VAs' daily line lists this many sessions with whose attendance is missing, then a count.
MISSING_SESSIONS_LISTED = 5


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
    no times; a missing time is the session's. Refused (on the field): departure
    before arrival, arrival after the session ended, departure before it began."""
    if status in ABSENT_STATUSES:
        return Minutes(arrived_at=None, departed_at=None, attended=0)
    arrived_at = arrived_at or session.starts_at
    departed_at = departed_at or session.ends_at
    if departed_at < arrived_at:
        refuse("Departure is before arrival.", code=AttendanceErrorCode.DEPARTURE_BEFORE_ARRIVAL, field="departed_at")
    if arrived_at >= session.ends_at:
        refuse(
            "Arrival is after the session ended: record the client as absent instead.",
            code=AttendanceErrorCode.ARRIVAL_AFTER_SESSION,
            field="arrived_at",
        )
    if departed_at <= session.starts_at:
        refuse(
            "Departure is before the session began: record the client as absent instead.",
            code=AttendanceErrorCode.DEPARTURE_BEFORE_SESSION,
            field="departed_at",
        )
    start, end = max(arrived_at, session.starts_at), min(departed_at, session.ends_at)
    clamped = (start, end) != (arrived_at, departed_at)
    return Minutes(
        arrived_at=arrived_at,
        departed_at=departed_at,
        attended=int((end - start).total_seconds() // 60),
        clamped=clamped,
    )


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


def _clock(session: Session, instant: dt.datetime) -> str:
    return time_hm(instant, session.organization.tzinfo)


def _status_times_check(*, session: Session, status: str, minutes: Minutes) -> None:
    """Refuse a status that the line's own times contradict, on the time that contradicts it.
    Minutes count from the times, while reports, absence patterns and payers read the status:
    "left early" with a departure at the session's end, "late" with an arrival at its start, or
    "present" with times that leave minutes out, is almost always one of the two entered wrongly
    (a forgotten time, a mis-tapped status), and saving it would make the record say two things."""
    if status in ABSENT_STATUSES or minutes.arrived_at is None or minutes.departed_at is None:
        return
    arrived, departed = minutes.arrived_at, minutes.departed_at
    start, end = session.starts_at, session.ends_at
    if status == AttendanceStatus.LATE and arrived <= start:
        refuse(
            f"Marked late, but the arrival ({_clock(session, arrived)}) is not after the start "
            f"({_clock(session, start)}): enter when they joined, or mark them present.",
            code=AttendanceErrorCode.LATE_BUT_ON_TIME,
            field="arrived_at",
        )
    if status == AttendanceStatus.LEFT_EARLY and departed >= end:
        refuse(
            f"Marked as left early, but the departure ({_clock(session, departed)}) is not before the end "
            f"({_clock(session, end)}): enter when they left, or mark them present.",
            code=AttendanceErrorCode.LEFT_EARLY_BUT_STAYED,
            field="departed_at",
        )
    if status == AttendanceStatus.PRESENT and arrived > start:
        refuse(
            f"Marked present, but the arrival ({_clock(session, arrived)}) is after the start "
            f"({_clock(session, start)}), which leaves {_minutes_between(start, arrived)} out: "
            "mark them late, or correct the arrival.",
            code=AttendanceErrorCode.PRESENT_BUT_MINUTES_CUT,
            field="arrived_at",
        )
    if status == AttendanceStatus.PRESENT and departed < end:
        refuse(
            f"Marked present, but the departure ({_clock(session, departed)}) is before the end "
            f"({_clock(session, end)}), which leaves {_minutes_between(departed, end)} out: "
            "mark them as left early, or correct the departure.",
            code=AttendanceErrorCode.PRESENT_BUT_MINUTES_CUT,
            field="departed_at",
        )


def _minutes_between(earlier: dt.datetime, later: dt.datetime) -> str:
    return plural(math.ceil((later - earlier).total_seconds() / 60), "minute")


def _line_values(session: Session, line: RollCallLine) -> tuple[dict, bool]:
    if line.status not in AttendanceStatus.values:
        refuse("Choose a status.", code=AttendanceErrorCode.INVALID_STATUS, field="status")
    minutes = attended_minutes_compute(
        session=session, status=line.status, arrived_at=line.arrived_at, departed_at=line.departed_at
    )
    _status_times_check(session=session, status=line.status, minutes=minutes)
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
    *, session: Session, lines: Sequence[RollCallLine], actor: User, now: dt.datetime | None = None
) -> RollCallResult:
    """Record (or correct) attendance for some or all of a session's clients. Idempotent: lines
    equal to what is stored change nothing. Refused as a whole when any line is refused; the
    errors are keyed `"<roster entry id>.<field>"`, and the message says which lines (`records.<n>`,
    counted from 0 in the order given) of which clients (by id: messages may reach logs)."""
    now = now or timezone.now()
    ids = [line.roster_entry_id for line in lines]
    if len(set(ids)) != len(ids):
        refuse("A client appears twice in the roll call.", code=AttendanceErrorCode.DUPLICATE_LINE)
    episodes_lock(RosterEntry.objects.filter(session=session, pk__in=ids).values_list("episode_id", flat=True))
    session = _locked_session(session)
    if session.status != SessionStatus.SCHEDULED:
        refuse(
            "The session was cancelled: there is no attendance to record.", code=AttendanceErrorCode.SESSION_CANCELLED
        )
    if session.starts_at > now:
        refuse("The session has not started yet.", code=AttendanceErrorCode.SESSION_NOT_STARTED)
    entries = {
        e.pk: e
        # Seated clients, and anyone already recorded (then taken off the roster) for corrections.
        for e in RosterEntry.objects.filter(session=session, pk__in=ids)
        .filter(Q(status=RosterStatus.BOOKED) | Q(attendance__isnull=False))
        .select_related("attendance", "episode")
    }
    missing = [i for i in ids if i not in entries]
    if missing:
        # Another session's or another tenant's entry: the API and the page answer 404.
        refuse(
            "A client in the roll call is not on this session's roster.",
            code=AttendanceErrorCode.ROSTER_ENTRY_NOT_ON_SESSION,
        )

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
        refuse(message, code=AttendanceErrorCode.LINES_REFUSED, extra=errors)

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
    pause_point("roll_call_save")  # fault tests: records written, not committed
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
        episodes = active_episodes(organization=session.organization, episode_ids=episode_ids)
        week = week_start_for(session.organization, session.local_date)
        result.flags = pace_evaluate(organization=session.organization, episodes=episodes, weeks=[week], now=now)
        result.alerts = absence_patterns_evaluate(organization=session.organization, episodes=episodes, now=now)
    return result


@transaction.atomic
def roll_call_walk_in(
    *, session: Session, episode: Episode, reason: str, actor: User, now: dt.datetime | None = None
) -> RosterEntry:
    """Put a client who joined without being on the roster onto it (with the reason), so their
    attendance can be recorded. Capacity does not refuse a walk-in: they were there."""
    now = now or timezone.now()
    reason = reason.strip()
    if not reason:
        refuse(
            "Say why the client joined without being on the roster.",
            code=AttendanceErrorCode.WALK_IN_REASON_REQUIRED,
            field="reason",
        )
    if session.starts_at > now:
        refuse(
            "The session has not started yet: add the client to its roster instead.",
            code=AttendanceErrorCode.SESSION_NOT_STARTED,
        )
    waiting = RosterEntry.objects.filter(session=session, episode=episode, status=RosterStatus.WAITLISTED).first()
    if waiting is not None:
        # They were waiting for a seat and came anyway: their waitlist place gives way to the seat.
        roster_remove(entry=waiting, actor=actor, reason="Joined as a walk-in")
    return roster_book(session=session, episode=episode, source=RosterSource.WALK_IN, reason=reason[:200], actor=actor)


def _reasons_documented(*, records: list[AttendanceRecord], actor: User, now: dt.datetime) -> None:
    """An absence that now has a reason closes its "no reason" alert."""
    if records:
        AbsenceAlert.objects.filter(
            kind=AbsenceRuleKind.NO_REASON, record__in=records, acknowledged_at__isnull=True
        ).update(acknowledged_at=now, acknowledged_by=actor, action_taken=AlertAction.REASON_DOCUMENTED)


def missing_attendance_notify(*, organization: Organization, now: dt.datetime | None = None) -> int:
    """Past the organization's morning notice time, tell each facilitator about their sessions
    before today that still lack attendance, and the VAs once a day with the count, naming whose
    attendance is missing (each line leaves the unread list once the roll call is complete:
    attendance.inbox). Returns the number of sessions notified about (0 before the notice time)."""
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
    missing = missing_names(session_ids=[s.pk for s in sessions])

    def label(session: Session) -> str:
        return f"{session.group.name}, {datetime_short(session.starts_at, organization.tzinfo)}"

    link = reverse("attendance:missing", kwargs={"org_slug": organization.slug})
    notices = [
        Notice(
            recipient=booking.staff_profile.membership,
            kind=ATTENDANCE_MISSING,
            title=f"Take roll call for {label(session)}",
            body=f"No attendance yet for {names_text(missing[session.pk])}." if missing[session.pk] else "",
            link=reverse("attendance:roll_call", kwargs={"org_slug": organization.slug, "session_id": session.pk}),
            dedupe_key=f"attendance-missing:{session.pk}",
            subject_ids=[session.pk],
        )
        for session in sessions
        # `facilitator_bookings` is the to_attr of scheduling's facilitators_prefetch(), unknown to the stubs.
        for booking in session.facilitator_bookings  # type: ignore[attr-defined]
    ]
    listed = [f"{label(s)}: {names_text(missing[s.pk])}" for s in sessions[:MISSING_SESSIONS_LISTED]]
    if len(sessions) > MISSING_SESSIONS_LISTED:
        listed.append(f"and {len(sessions) - MISSING_SESSIONS_LISTED} more sessions")
    notices += [
        Notice(
            recipient=member,
            kind=ATTENDANCE_MISSING,
            title=f"Take roll call for {len(sessions)} past session{'s' if len(sessions) != 1 else ''}"
            " without complete attendance",
            body="; ".join(listed) + ".",
            link=link,
            dedupe_key=f"attendance-missing:{today:%Y-%m-%d}",
            subject_ids=[s.pk for s in sessions],
        )
        for member in vas_and_admins(organization=organization)
    ]
    notices_send(organization=organization, notices=notices)
    return len(sessions)
