"""Pace forecast states on constructed weeks, and exactly one flag per transition however often
the evaluation runs."""

from __future__ import annotations

import datetime as dt

import pytest

from attendance.hours import selectors
from attendance.hours.pace import Remaining, pace_state
from attendance.hours.services import pace_evaluate
from attendance.models import PaceState, ThresholdFlag
from attendance.sweeps import attendance_sweep
from iop.notifications.models import Notification

from ..conftest import book, record, sessions_of

MON = dt.date(2026, 3, 2)
TUE, WED, THU = (MON + dt.timedelta(days=i) for i in (1, 2, 3))


def _state(attended=0, days=(), remaining=(), closed=False, required=540, required_days=3):
    return pace_state(
        required_minutes=required,
        required_days=required_days,
        attended_minutes=attended,
        attended_days=frozenset(days),
        remaining=tuple(Remaining(local_date=d, minutes=m) for d, m in remaining),
        closed=closed,
    )


@pytest.mark.parametrize(
    ("case", "kwargs", "expected"),
    [
        ("met already", {"attended": 540, "days": (MON, TUE, WED)}, PaceState.ON_TRACK),
        (
            "room to miss one",
            {"attended": 180, "days": (MON,), "remaining": [(TUE, 180), (WED, 180), (THU, 180)]},
            PaceState.ON_TRACK,
        ),
        (
            "needs every remaining session",
            {"attended": 180, "days": (MON,), "remaining": [(TUE, 180), (WED, 180)]},
            PaceState.AT_RISK,
        ),
        (
            "enough minutes but needs every day",
            {"attended": 360, "days": (MON,), "remaining": [(TUE, 180), (WED, 180)]},
            PaceState.AT_RISK,
        ),
        (
            "short even with full attendance",
            {"attended": 90, "days": (MON,), "remaining": [(TUE, 180), (WED, 180)]},
            PaceState.CANNOT_REACH,
        ),
        (
            "hours reachable, days not",
            {"attended": 360, "days": (MON,), "remaining": [(TUE, 90), (TUE, 90)]},
            PaceState.CANNOT_REACH,
        ),
        ("closed short", {"attended": 500, "days": (MON, TUE, WED), "closed": True}, PaceState.BELOW_MINIMUM),
        ("closed met", {"attended": 600, "days": (MON, TUE, WED), "closed": True}, PaceState.ON_TRACK),
        ("nothing left, open week", {"attended": 500, "days": (MON, TUE, WED)}, PaceState.CANNOT_REACH),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_pace_state_on_constructed_weeks(case, kwargs, expected):
    assert _state(**kwargs) == expected


# --- Through the database -------------------------------------------------------------------------


@pytest.fixture
def mwf(make_past_group, this_week):
    """A three-hour group Monday, Wednesday and Friday; this week's sessions are all ahead of
    `now` (the Monday 06:00 before the first)."""
    return make_past_group("MWF Process", [(0, "09:00", 180), (2, "09:00", 180), (4, "09:00", 180)])


@pytest.mark.django_db
def test_flag_raised_once_per_transition_and_notifies_va_and_clinician(
    harbor, mwf, make_active_episode, this_week, harbor_va, harbor_clinician, in_harbor
):
    from iop.tenancy.models import Membership

    week = this_week + dt.timedelta(weeks=1)
    episode = make_active_episode(hours=9, days=3)
    episode.admission_date = week - dt.timedelta(days=1)  # the admission week before is not judged
    episode.primary_clinician = Membership.objects.get(user=harbor_clinician)
    episode.save()
    mon, wed, fri = sessions_of(mwf, week)
    entries = book(episode, [mon, wed, fri])
    after_monday = mon.ends_at + dt.timedelta(minutes=5)

    # Monday missed: 6 h still booked for 9 required → cannot reach.
    result = record(mon, entries[0], "absent_excused", absence_reason="illness", now=after_monday)
    assert [f.state for f in result.flags] == [PaceState.CANNOT_REACH]
    for _ in range(3):  # the nightly safety net and re-saves raise nothing more
        assert attendance_sweep(organization=harbor, now=after_monday).flags == 0
        assert record(mon, entries[0], "absent_excused", absence_reason="illness", now=after_monday).flags == []
    assert ThresholdFlag.objects.filter(episode=episode).count() == 1
    notified = set(Notification.objects.filter(kind="hours_cannot_reach").values_list("recipient__user", flat=True))
    assert notified == {harbor_va.pk, harbor_clinician.pk}


@pytest.mark.django_db
def test_at_risk_then_back_on_track_then_closed_short(harbor, mwf, make_active_episode, this_week, in_harbor):
    week = this_week + dt.timedelta(weeks=1)  # a future week, evaluated with a constructed "now"
    episode = make_active_episode(hours=6, days=2)
    episode.admission_date = week - dt.timedelta(days=7)
    episode.save()
    mon, wed, fri = sessions_of(mwf, week)
    entries = book(episode, [mon, wed, fri])
    episodes = selectors.active_episodes(organization=harbor)

    # Monday missed: Wednesday and Friday (6 h, 2 days) are both needed → at risk.
    record(mon, entries[0], "no_show", now=mon.ends_at)
    flags = ThresholdFlag.objects.filter(episode=episode)
    assert [(f.state, f.is_open) for f in flags] == [(PaceState.AT_RISK, True)]

    # Wednesday attended, Friday still booked: 3 + 3 = 6 reachable but Friday is needed → still at risk.
    record(wed, entries[1], "present", now=wed.ends_at)
    assert flags.count() == 1

    # Friday attended: requirement met → the flag closes by itself.
    record(fri, entries[2], "present", now=fri.ends_at)
    flag = flags.get()
    assert (flag.state, flag.is_open, flag.resolution) == (PaceState.AT_RISK, False, "Back on track.")

    # Friday corrected to absent after the week closed → below minimum, raised once.
    closed = harbor.local_datetime(week + dt.timedelta(days=7), dt.time(9))
    raised = record(fri, entries[2], "absent_excused", absence_reason="medical", now=closed).flags
    assert [f.state for f in raised] == [PaceState.BELOW_MINIMUM]
    assert pace_evaluate(organization=harbor, episodes=episodes, weeks=[week], now=closed) == []
    assert sorted(flags.values_list("state", flat=True)) == [PaceState.AT_RISK, PaceState.BELOW_MINIMUM]
    below = flags.get(state=PaceState.BELOW_MINIMUM)
    assert below.is_open and below.attended_minutes == 180 and below.required_minutes == 360
    assert record(fri, entries[2], "absent_excused", absence_reason="medical", now=closed).unchanged


@pytest.mark.django_db
def test_admission_week_is_not_judged(harbor, mwf, make_active_episode, this_week, in_harbor):
    week = this_week + dt.timedelta(weeks=1)
    episode = make_active_episode(hours=9, days=3)
    episode.admission_date = week + dt.timedelta(days=2)  # admitted on the Wednesday
    episode.save()
    mon, *_ = sessions_of(mwf, week)
    (entry,) = book(episode, [mon])
    assert record(mon, entry, "no_show", now=mon.ends_at).flags == []


@pytest.mark.django_db
def test_a_week_starting_on_the_admission_day_and_the_weeks_before_are_not_judged(
    harbor, mwf, make_active_episode, this_week, in_harbor
):
    week = this_week + dt.timedelta(weeks=1)
    episode = make_active_episode(hours=9, days=3)
    episode.admission_date = week  # admitted on the week's first day: still the admission week
    episode.save()
    mon, wed, fri = sessions_of(mwf, week)
    entries = book(episode, [mon])  # only Monday booked: would be "cannot reach" in a judged week
    following = sessions_of(mwf, week + dt.timedelta(weeks=1))
    book(episode, following[:1])

    assert record(mon, entries[0], "no_show", now=mon.ends_at).flags == []
    weeks = selectors.week_summaries(
        organization=harbor,
        episodes=selectors.active_episodes(organization=harbor),
        first_week=week - dt.timedelta(weeks=1),
        last_week=week + dt.timedelta(weeks=1),
        now=mon.ends_at,
    )
    before, admission, after = (weeks[(episode.pk, week + dt.timedelta(weeks=n))] for n in (-1, 0, 1))
    assert (before.evaluable, before.outside_care) == (False, "Before admission")
    assert (admission.evaluable, admission.outside_care) == (False, "Admitted this week — not judged")
    assert (after.evaluable, after.outside_care) == (True, "")

    # Neither the sweep (this week and the one before, seen from the weeks after) flags them; the
    # first full week of care is judged.
    later = harbor.local_datetime(week + dt.timedelta(days=8), dt.time(6))
    attendance_sweep(organization=harbor, now=later)
    assert list(ThresholdFlag.objects.filter(episode=episode).values_list("week_start", "state")) == [
        (week + dt.timedelta(weeks=1), PaceState.CANNOT_REACH)
    ]


@pytest.mark.django_db
def test_a_flag_left_open_on_the_admission_week_is_closed_by_the_sweep(
    harbor, mwf, make_active_episode, this_week, in_harbor
):
    week = this_week + dt.timedelta(weeks=1)
    episode = make_active_episode(hours=9, days=3)
    episode.admission_date = week - dt.timedelta(days=1)
    episode.save()
    mon, *_ = sessions_of(mwf, week)
    (entry,) = book(episode, [mon])
    (flag,) = record(mon, entry, "no_show", now=mon.ends_at).flags
    # The admission date is corrected to that week's Monday: the week is not judged any more.
    episode.admission_date = week
    episode.save()

    attendance_sweep(organization=harbor, now=mon.ends_at + dt.timedelta(hours=1))

    flag.refresh_from_db()
    assert (flag.is_open, flag.resolution) == (False, "Not judged: the admission week or earlier.")


@pytest.mark.django_db
def test_a_state_entered_again_reopens_its_flag_without_a_second_one(
    harbor, mwf, make_active_episode, this_week, in_harbor
):
    week = this_week + dt.timedelta(weeks=1)
    episode = make_active_episode(hours=6, days=2)
    episode.admission_date = week - dt.timedelta(days=1)
    episode.save()
    mon, wed, fri = sessions_of(mwf, week)
    entries = book(episode, [mon, wed, fri])

    record(mon, entries[0], "no_show", now=mon.ends_at)  # at risk
    record(mon, entries[0], "present", now=mon.ends_at)  # corrected: on track, the flag closes
    flag = ThresholdFlag.objects.get(episode=episode)
    assert not flag.is_open
    assert record(mon, entries[0], "no_show", now=mon.ends_at).flags == []  # at risk again: reopened
    flag.refresh_from_db()
    assert flag.is_open and ThresholdFlag.objects.filter(episode=episode).count() == 1


@pytest.mark.django_db
def test_a_closed_week_met_after_late_entries_closes_its_below_minimum_flag(
    harbor, mwf, make_active_episode, this_week, in_harbor
):
    week = this_week + dt.timedelta(weeks=1)
    episode = make_active_episode(hours=6, days=2)
    episode.admission_date = week - dt.timedelta(days=1)
    episode.save()
    mon, wed, fri = sessions_of(mwf, week)
    entries = book(episode, [mon, wed, fri])
    record(mon, entries[0], "present", now=mon.ends_at)
    closed = harbor.local_datetime(week + dt.timedelta(days=7), dt.time(1))
    attendance_sweep(organization=harbor, now=closed)  # Wednesday and Friday not recorded yet
    below = ThresholdFlag.objects.get(episode=episode, state=PaceState.BELOW_MINIMUM)

    record(wed, entries[1], "present", now=closed + dt.timedelta(hours=8))
    below.refresh_from_db()
    assert (below.is_open, below.resolution) == (False, "Met after late entries.")


@pytest.mark.django_db
def test_hours_at_risk_survives_a_change_of_week_start(harbor, mwf, make_active_episode, this_week, in_harbor):
    from iop.tenancy.models import Weekday

    week = this_week + dt.timedelta(weeks=1)
    episode = make_active_episode(hours=9, days=3)
    episode.admission_date = week - dt.timedelta(days=1)
    episode.save()
    mon, wed, fri = sessions_of(mwf, week)
    entries = book(episode, [mon, wed, fri])
    record(mon, entries[0], "no_show", now=mon.ends_at)
    harbor.week_start = Weekday.SUNDAY
    harbor.save()
    ((flag, summary),) = selectors.hours_at_risk(organization=harbor, now=mon.ends_at)
    assert flag.week_start == week and summary.week_start == week - dt.timedelta(days=1)
