"""Unit counting on constructed data (no database): per-diem days at and below the payer's daily
minimum, sessions, 15-minute units, bookings ahead as if attended in full, the projected
exhaustion date and whether the units run out before the review."""

from __future__ import annotations

import datetime as dt

from authorizations.models import PayerRule, UnitType
from authorizations.units.selectors import (
    DEFAULT_DAILY_MINIMUM,
    Occurrence,
    daily_minimum_from,
    unit_figures,
    units_by_day,
)

MON = dt.date(2030, 3, 4)


def day(n: int) -> dt.date:
    return MON + dt.timedelta(days=n)


def at(n: int, minutes: int, track: str = "group") -> Occurrence:
    return Occurrence(local_date=day(n), minutes=minutes, track=track)


def figures(unit_type=UnitType.PER_DIEM, *, authorized=10, attended=(), booked=(), today=None, **kwargs):
    return unit_figures(
        unit_type=unit_type,
        authorized=authorized,
        start_date=kwargs.pop("start", day(0)),
        end_date=kwargs.pop("end", day(27)),
        next_review_date=kwargs.pop("review", None),
        attended=list(attended),
        booked=list(booked),
        today=today or day(7),
        **kwargs,
    )


def test_a_per_diem_day_counts_only_at_or_above_the_daily_minimum():
    occurrences = [
        at(0, 180),  # one full session: exactly the minimum
        at(1, 179),  # a minute short: not a day
        at(2, 90),
        at(2, 90),  # two sessions that together reach it
        at(3, 0),  # present in a group that does not count toward hours
    ]
    assert units_by_day(UnitType.PER_DIEM, occurrences) == {day(0): 1, day(2): 1}
    assert DEFAULT_DAILY_MINIMUM == 180


def test_the_payers_daily_minimum_in_effect_that_day_decides():
    rules = [
        PayerRule(effective_from=day(0), effective_to=day(1), min_minutes_per_day=120),
        PayerRule(effective_from=day(2), effective_to=None, min_minutes_per_day=240),
    ]
    minimum = daily_minimum_from(rules)
    occurrences = [at(0, 150), at(1, 119), at(2, 180), at(3, 240)]

    assert units_by_day(UnitType.PER_DIEM, occurrences, daily_minimum=minimum) == {day(0): 1, day(3): 1}
    assert daily_minimum_from([])(day(0)) == DEFAULT_DAILY_MINIMUM


def test_sessions_count_each_attended_session_and_15_minute_units_follow_the_8_minute_rule():
    occurrences = [at(0, 90), at(0, 60), at(1, 0), at(2, 50), at(3, 7), at(4, 8)]
    assert units_by_day(UnitType.PER_SESSION, occurrences) == {day(0): 2, day(2): 1, day(3): 1, day(4): 1}
    # A day's minutes: 150 → 10; 50 → 3 (a remainder of 5 is no unit); 7 → none; 8 → 1.
    assert units_by_day(UnitType.PER_15_MIN, occurrences) == {day(0): 10, day(2): 3, day(4): 1}
    assert units_by_day(UnitType.PER_EVALUATION, occurrences) == {}


def test_used_scheduled_remaining_on_constructed_days():
    attended = [at(0, 180), at(2, 150), at(4, 180)]  # Wednesday below the minimum
    booked = [at(7, 180), at(9, 180), at(11, 180)]
    f = figures(authorized=6, attended=attended, booked=booked)

    assert (f.authorized, f.used, f.scheduled, f.remaining) == (6, 2, 3, 4)
    assert f.projected_exhaustion_date is None  # three booked days leave one unit
    assert not f.runs_out_before_review
    assert f.days == ((day(0), 1, 0), (day(4), 1, 0), (day(7), 0, 1), (day(9), 0, 1), (day(11), 0, 1))


def test_a_booking_completes_a_part_attended_day_as_scheduled():
    # 9:00–10:30 attended today, 13:00–14:30 still booked: the day reaches 180 only with the booking.
    f = figures(attended=[at(7, 90)], booked=[at(7, 90)])
    assert (f.used, f.scheduled) == (0, 1)


def test_the_exhaustion_date_is_the_booked_day_that_uses_the_last_unit():
    booked = [at(n, 180) for n in (7, 8, 9, 10, 11)]
    f = figures(authorized=4, attended=[at(0, 180)], booked=booked, review=day(14))

    assert f.remaining == 3
    assert f.projected_exhaustion_date == day(9)
    assert f.runs_out_before_review
    assert f.booked_beyond == 2


def test_units_that_last_to_the_review_do_not_run_out_before_it():
    booked = [at(n, 180) for n in (7, 9, 11)]
    f = figures(authorized=3, booked=booked, review=day(11))
    assert f.projected_exhaustion_date == day(11)
    assert not f.runs_out_before_review  # they run out on the review day itself


def test_units_already_used_up_ran_out_on_the_day_of_the_last_one():
    attended = [at(0, 180), at(1, 180), at(2, 180)]
    f = figures(authorized=2, attended=attended, review=day(20))
    assert (f.used, f.remaining) == (3, -1)
    assert f.projected_exhaustion_date == day(1)
    assert f.runs_out_before_review and f.exhausted


def test_only_sessions_in_the_window_count_and_a_past_review_falls_back_to_the_end():
    attended = [at(0, 180), at(5, 180), at(20, 180)]
    f = figures(attended=attended, start=day(3), end=day(10), review=day(4), today=day(6))
    assert f.used == 1
    assert (f.review_date, f.days_left) == (day(10), 4)


def test_evaluations_are_not_counted_from_attendance():
    f = figures(UnitType.PER_EVALUATION, authorized=1, attended=[at(0, 180)], booked=[at(8, 180)])
    assert (f.counted, f.used, f.scheduled, f.remaining, f.projected_exhaustion_date) == (False, 0, 0, 1, None)
    assert not f.runs_out_before_review
