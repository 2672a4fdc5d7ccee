"""Absence patterns, judged by program day (a day the client had sessions), as a pure function of
the client's records — so they can be tested on constructed days without a database.

By day, not by session: missing one day of a three-group program is one absence, not three, and
"two unexcused absences in a row" means two program days missed, not two groups of one morning.
A new alert needs days after the ones an earlier alert of the same kind was about: acknowledging
an alert never makes the same absences alert again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from itertools import groupby

from iop.common.dates import date_short

from ..models import ABSENT_STATUSES, UNEXCUSED_STATUSES, AbsenceRule, AbsenceRuleKind, AttendanceRecord


@dataclass(frozen=True)
class ProgramDay:
    """A program day as the patterns see it: its absences (in session order) and whether every
    session of the day was missed without an excuse. The days a client attended matter only as
    breaks in a streak, so a sweep may pass just the days with absences and the last day attended
    (`absence_days`): the patterns find the same hits."""

    local_date: dt.date
    absences: tuple[AttendanceRecord, ...]
    missed_unexcused: bool


def program_days(records: Iterable[AttendanceRecord]) -> list[ProgramDay]:
    """Records (ordered by session start, `session` loaded) grouped by the session's local date."""
    days = []
    for day, group in groupby(records, key=lambda r: r.session.local_date):
        day_records = tuple(group)
        days.append(
            ProgramDay(
                local_date=day,
                absences=tuple(r for r in day_records if r.status in ABSENT_STATUSES),
                missed_unexcused=all(r.status in UNEXCUSED_STATUSES for r in day_records),
            )
        )
    return days


def absence_days(
    absences: Iterable[AttendanceRecord], *, kept_days: Collection[dt.date], last_kept: dt.date | None
) -> list[ProgramDay]:
    """The program days `pattern_hits` needs, from the absences alone (ordered by session start,
    `session` loaded): each day with one, missed unless it is in `kept_days` (a session of it
    attended or excused), and `last_kept`, the last day any session was. A day attended without an
    absence can only break a streak, and only the last one breaks the streak that counts."""
    days = [
        ProgramDay(local_date=day, absences=tuple(group), missed_unexcused=day not in kept_days)
        for day, group in groupby(absences, key=lambda r: r.session.local_date)
    ]
    if last_kept is not None and all(d.local_date != last_kept for d in days):
        days.append(ProgramDay(local_date=last_kept, absences=(), missed_unexcused=False))
        days.sort(key=lambda d: d.local_date)
    return days


@dataclass(frozen=True)
class PatternHit:
    rule: AbsenceRule
    record: AttendanceRecord  # the absence that completed the pattern (the alert's unique key)
    days: tuple[dt.date, ...]

    @property
    def summary(self) -> str:
        dates = ", ".join(date_short(d) for d in self.days[-5:])
        if self.rule.kind == AbsenceRuleKind.CONSECUTIVE_UNEXCUSED:
            return f"{len(self.days)} program days in a row missed without an excuse ({dates})"
        if self.rule.kind == AbsenceRuleKind.ABSENCES_IN_WINDOW:
            return f"Absences on {len(self.days)} days within {self.rule.window_days} days ({dates})"
        return f"Absence on {dates} still has no reason after {self.rule.after_hours} hours"


def pattern_hits(
    days: Sequence[ProgramDay],
    rules: Iterable[AbsenceRule],
    *,
    today: dt.date,
    now: dt.datetime,
    alerted_until: dict[str, dt.date],
) -> list[PatternHit]:
    """The patterns an episode's program days (oldest first) meet. `alerted_until[kind]` is the
    last day an earlier alert of that kind covered: only later days can form a new one."""
    hits = []
    for rule in rules:
        fresh = [d for d in days if d.local_date > alerted_until.get(rule.kind, dt.date.min)]
        if rule.kind == AbsenceRuleKind.CONSECUTIVE_UNEXCUSED:
            tail = fresh[-rule.count :]
            if len(tail) == rule.count and all(d.missed_unexcused for d in tail):
                hits.append(PatternHit(rule, tail[-1].absences[0], tuple(d.local_date for d in tail)))
        elif rule.kind == AbsenceRuleKind.ABSENCES_IN_WINDOW:
            since = today - dt.timedelta(days=rule.window_days - 1)
            absent = [d for d in fresh if d.local_date >= since and d.absences]
            if len(absent) >= rule.count:
                hits.append(PatternHit(rule, absent[-1].absences[0], tuple(d.local_date for d in absent)))
        elif rule.kind == AbsenceRuleKind.NO_REASON:
            # One alert per day, on its first unexplained absence (stable, so re-runs are no-ops).
            due = now - dt.timedelta(hours=rule.after_hours)
            for day in days:
                unexplained = [r for r in day.absences if not r.absence_reason and r.session.ends_at <= due]
                if unexplained:
                    hits.append(PatternHit(rule, unexplained[0], (day.local_date,)))
    return hits
