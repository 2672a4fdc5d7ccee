"""Attended minutes: from arrival and departure, bounded by the session; absent is 0; group types
that do not count toward therapy hours count 0."""

from __future__ import annotations

import datetime as dt

import pytest

from attendance.models import AttendanceRecord
from attendance.roll_call.services import RollCallLine, attended_minutes_compute, roll_call_save
from iop.common.exceptions import ApplicationError

from ..conftest import book, record, sessions_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def session_and_entry(make_past_group, make_active_episode, past_week):
    group = make_past_group("Process A", [(0, "09:00", 180)])
    session = sessions_of(group, past_week)[0]
    episode = make_active_episode()
    (entry,) = book(episode, [session])
    return session, entry


def _at(session, minutes: int) -> dt.datetime:
    return session.starts_at + dt.timedelta(minutes=minutes)


def test_present_defaults_to_the_whole_session(session_and_entry):
    session, entry = session_and_entry
    result = record(session, entry)
    (saved,) = result.created
    assert (saved.arrived_at, saved.departed_at) == (session.starts_at, session.ends_at)
    assert saved.attended_minutes == saved.counted_minutes == 180


def test_late_arrival_counts_from_arrival(session_and_entry):
    session, entry = session_and_entry
    (saved,) = record(session, entry, "late", arrived_at=_at(session, 25)).created
    assert saved.attended_minutes == 155


def test_early_departure_counts_until_departure(session_and_entry):
    session, entry = session_and_entry
    (saved,) = record(session, entry, "left_early", departed_at=_at(session, 100)).created
    assert saved.attended_minutes == 100


def test_departure_before_arrival_is_refused_and_nothing_saved(session_and_entry):
    session, entry = session_and_entry
    with pytest.raises(ApplicationError) as exc:
        record(session, entry, "late", arrived_at=_at(session, 60), departed_at=_at(session, 30))
    assert exc.value.extra == {f"{entry.pk}.departed_at": ["Departure is before arrival."]}
    assert not AttendanceRecord.objects.exists()


def test_times_outside_the_session_are_clamped_and_said_so(session_and_entry):
    session, entry = session_and_entry
    result = record(session, entry, "present", arrived_at=_at(session, -20), departed_at=_at(session, 200))
    (saved,) = result.created
    assert saved.attended_minutes == 180  # not 220
    assert saved.arrived_at == _at(session, -20)  # what was entered is kept
    assert result.clamped == [entry.pk]


@pytest.mark.parametrize(
    ("arrive", "depart", "field"),
    [(185, 200, "arrived_at"), (-60, -5, "departed_at")],
    ids=["arrival after the session", "departure before the session"],
)
def test_times_wholly_outside_the_session_are_refused(session_and_entry, arrive, depart, field):
    session, entry = session_and_entry
    with pytest.raises(ApplicationError) as exc:
        record(session, entry, "present", arrived_at=_at(session, arrive), departed_at=_at(session, depart))
    assert "record the client as absent" in exc.value.extra[f"{entry.pk}.{field}"][0]
    assert not AttendanceRecord.objects.exists()


@pytest.mark.parametrize("status", ["absent_excused", "absent_unexcused", "no_show"])
def test_absent_is_zero_and_keeps_no_times(session_and_entry, status):
    session, entry = session_and_entry
    (saved,) = record(session, entry, status, arrived_at=_at(session, 10), absence_reason="illness").created
    assert (saved.attended_minutes, saved.counted_minutes, saved.arrived_at) == (0, 0, None)


def test_non_counting_group_types_count_zero_toward_hours(make_past_group, make_active_episode, past_week):
    group = make_past_group("Check-in", [(0, "08:30", 30)], kind="checkin")
    session = sessions_of(group, past_week)[0]
    (entry,) = book(make_active_episode(), [session])
    (saved,) = record(session, entry).created
    assert (saved.attended_minutes, saved.counted_minutes) == (30, 0)


def test_one_bad_line_refuses_the_whole_roll_call(make_past_group, make_active_episode, past_week):
    group = make_past_group("Process B", [(0, "09:00", 60)])
    session = sessions_of(group, past_week)[0]
    good, bad = book(make_active_episode(), [session]) + book(make_active_episode(), [session])
    with pytest.raises(ApplicationError):
        roll_call_save(
            session=session,
            lines=[
                RollCallLine(roster_entry_id=good.pk, status="present"),
                RollCallLine(roster_entry_id=bad.pk, status="late", arrived_at=_at(session, 61)),
            ],
            actor=None,
        )
    assert not AttendanceRecord.objects.exists()


def test_compute_is_pure_for_a_session_without_saving(session_and_entry):
    session, _ = session_and_entry
    minutes = attended_minutes_compute(session=session, status="late", arrived_at=_at(session, 30), departed_at=None)
    assert minutes.attended == 150 and not minutes.clamped
