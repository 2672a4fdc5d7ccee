"""Absence patterns on constructed program days: by day, not by session, and never twice about
the same days."""

from __future__ import annotations

import datetime as dt
import random
from types import SimpleNamespace

import pytest

from attendance.models import ABSENT_STATUSES, UNEXCUSED_STATUSES, AbsenceRule, AbsenceRuleKind
from attendance.patterns.rules import absence_days, pattern_hits, program_days

MON = dt.date(2026, 3, 2)
NOW = dt.datetime(2026, 3, 20, 12, tzinfo=dt.UTC)
CONSECUTIVE = AbsenceRule(kind=AbsenceRuleKind.CONSECUTIVE_UNEXCUSED, count=2)
WINDOW = AbsenceRule(kind=AbsenceRuleKind.ABSENCES_IN_WINDOW, count=3, window_days=14)
NO_REASON = AbsenceRule(kind=AbsenceRuleKind.NO_REASON, after_hours=24)


def _record(day_offset: int, status: str, hour: int = 9, reason: str = "illness"):
    day = MON + dt.timedelta(days=day_offset)
    ends = dt.datetime.combine(day, dt.time(hour + 1), tzinfo=dt.UTC)
    return SimpleNamespace(status=status, absence_reason=reason, session=SimpleNamespace(local_date=day, ends_at=ends))


def _hits(records, rules, alerted_until=None, today=MON + dt.timedelta(days=13)):
    return pattern_hits(program_days(records), rules, today=today, now=NOW, alerted_until=alerted_until or {})


def test_missing_one_day_of_three_groups_is_one_absence():
    one_day = [_record(0, "no_show", hour) for hour in (9, 11, 13)]
    assert _hits(one_day, [CONSECUTIVE, WINDOW]) == []


def test_two_days_missed_without_excuse_in_a_row():
    records = [_record(0, "no_show"), _record(0, "absent_unexcused", 11), _record(1, "no_show")]
    (hit,) = _hits(records, [CONSECUTIVE])
    assert hit.days == (MON, MON + dt.timedelta(days=1)) and hit.record is records[2]


@pytest.mark.parametrize(
    "second_day",
    [["present"], ["no_show", "present"], ["absent_excused"]],
    ids=["attended", "attended one group", "excused"],
)
def test_a_day_attended_or_excused_breaks_the_streak(second_day):
    records = [_record(0, "no_show")] + [_record(1, status, 9 + 2 * i) for i, status in enumerate(second_day)]
    records.append(_record(2, "no_show"))
    assert _hits(records, [CONSECUTIVE]) == []


def test_days_with_an_absence_within_the_window():
    records = [_record(0, "absent_excused"), _record(3, "present"), _record(3, "no_show", 11), _record(9, "late")]
    assert _hits(records, [WINDOW]) == []
    records.append(_record(10, "absent_excused"))
    (hit,) = _hits(records, [WINDOW])
    assert hit.days == (MON, MON + dt.timedelta(days=3), MON + dt.timedelta(days=10))
    assert _hits(records, [WINDOW], today=MON + dt.timedelta(days=16)) == []  # the first day left the window


def test_only_days_after_an_earlier_alert_of_the_kind_count():
    records = [_record(0, "no_show"), _record(1, "no_show"), _record(2, "no_show")]
    assert _hits(records, [CONSECUTIVE], alerted_until={CONSECUTIVE.kind: MON + dt.timedelta(days=1)}) == []
    records.append(_record(3, "no_show"))
    (hit,) = _hits(records, [CONSECUTIVE], alerted_until={CONSECUTIVE.kind: MON + dt.timedelta(days=1)})
    assert hit.days == (MON + dt.timedelta(days=2), MON + dt.timedelta(days=3))


def test_no_reason_is_one_alert_per_day_once_overdue():
    records = [_record(0, "no_show", 9, ""), _record(0, "no_show", 11, ""), _record(18, "no_show", 9, "")]
    (hit,) = _hits(records, [NO_REASON])  # the day-18 absence (this morning) is not 24 hours old yet
    assert hit.record is records[0] and hit.days == (MON,)


def _absence_days(records):
    """What the sweep passes: the absences, the days with one attended or excused, the last such day."""
    kept = {r.session.local_date for r in records if r.status not in UNEXCUSED_STATUSES}
    absences = [r for r in records if r.status in ABSENT_STATUSES]
    return absence_days(absences, kept_days=kept, last_kept=max(kept, default=None))


@pytest.mark.parametrize("seed", range(40))
def test_the_absences_alone_find_the_hits_every_record_finds(seed):
    """The sweep reads only the absences and the last day kept (`absence_days`), not every record:
    on any history the patterns find the same hits, completed by the same records."""
    rng = random.Random(seed)
    statuses = ["present", "present", "late", "absent_excused", "absent_unexcused", "no_show"]
    records = [
        _record(offset, rng.choice(statuses), hour, reason=rng.choice(["", "illness"]))
        for offset in sorted(rng.sample(range(18), rng.randint(1, 12)))
        for hour in range(9, 9 + 2 * rng.randint(1, 3), 2)
    ]
    rules = [CONSECUTIVE, AbsenceRule(kind=AbsenceRuleKind.CONSECUTIVE_UNEXCUSED, count=3), WINDOW, NO_REASON]
    alerted = rng.choice([{}, {CONSECUTIVE.kind: MON + dt.timedelta(days=rng.randint(0, 10))}])
    options = {"today": MON + dt.timedelta(days=17), "now": NOW, "alerted_until": alerted}

    def found(days):
        return [(h.rule.kind, h.rule.count, id(h.record), h.days) for h in pattern_hits(days, rules, **options)]

    assert found(_absence_days(records)) == found(program_days(records))
