"""Absence patterns, judged by program day (a day the client had sessions), as a pure function of
the client's records — so they can be tested on constructed days without a database.

By day, not by session: missing one day of a three-group program is one absence, not three, and
"two unexcused absences in a row" means two program days missed, not two groups of one morning.
A new alert needs days after the ones an earlier alert of the same kind was about: acknowledging
an alert never makes the same absences alert again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import groupby

from iop.common.dates import date_short

from ..models import ABSENT_STATUSES, UNEXCUSED_STATUSES, AbsenceRule, AbsenceRuleKind, AttendanceRecord


@dataclass(frozen=True)
class ProgramDay:
    local_date: dt.date
    records: tuple[AttendanceRecord, ...]  # in session order

    @property
    def absences(self) -> tuple[AttendanceRecord, ...]:
        return tuple(r for r in self.records if r.status in ABSENT_STATUSES)

    @property
    def missed_unexcused(self) -> bool:
        """Every session of the day missed, and not excused."""
        return bool(self.records) and all(r.status in UNEXCUSED_STATUSES for r in self.records)


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


def program_days(records: Iterable[AttendanceRecord]) -> list[ProgramDay]:
    """Records (ordered by session start, `session` loaded) grouped by the session's local date."""
    return [
        ProgramDay(local_date=day, records=tuple(group))
        for day, group in groupby(records, key=lambda r: r.session.local_date)
    ]


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
