"""Weekly hours use the organization's zone and week start: a session late on a local Saturday
evening is already Sunday in UTC, and must count in the local week it was held."""

from __future__ import annotations

import datetime as dt

import pytest

from attendance.hours import selectors
from iop.tenancy.models import Weekday
from scheduling.services import materialisation as materialisation_services

from ..conftest import book, record

pytestmark = pytest.mark.django_db

# New York leaves daylight time at 02:00 on Sunday 1 November 2026.
DST_SUNDAY = dt.date(2026, 11, 1)


@pytest.fixture
def sunday_weeks(harbor, in_harbor):
    harbor.week_start = Weekday.SUNDAY
    harbor.save()
    return harbor


@pytest.fixture
def weekend_group(sunday_weeks, make_group):
    group = make_group(
        "Weekend process",
        [(Weekday.SATURDAY, "21:00", 60), (Weekday.SUNDAY, "09:00", 120)],
        effective_from=DST_SUNDAY - dt.timedelta(days=7),
    )
    materialisation_services.sessions_materialise(
        organization=sunday_weeks, group=group, today=DST_SUNDAY - dt.timedelta(days=7)
    )
    return group


def _session(group, day):
    return group.sessions.get(local_date=day)


def test_week_of_a_dst_change_with_sunday_week_start(sunday_weeks, weekend_group, make_active_episode):
    saturday_before = _session(weekend_group, DST_SUNDAY - dt.timedelta(days=1))  # 21:00 EDT = 01:00 UTC Sunday
    sunday = _session(weekend_group, DST_SUNDAY)  # 09:00 EST, after the clocks went back
    saturday_after = _session(weekend_group, DST_SUNDAY + dt.timedelta(days=6))
    assert saturday_before.starts_at.astimezone(dt.UTC).date() == DST_SUNDAY  # UTC would put it in this week
    assert sunday.duration_minutes == 120  # real elapsed minutes, not wall-clock arithmetic

    episode = make_active_episode(hours=3, days=2)
    entries = book(episode, [saturday_before, sunday, saturday_after])
    later = saturday_after.ends_at + dt.timedelta(hours=1)
    for session, entry in zip([saturday_before, sunday, saturday_after], entries, strict=True):
        record(session, entry, "present", now=later)

    loaded = selectors.episode_for_attendance(organization=sunday_weeks, episode_id=episode.pk)
    weeks = selectors.week_summaries(
        organization=sunday_weeks,
        episodes=[loaded],
        first_week=DST_SUNDAY - dt.timedelta(days=7),
        last_week=DST_SUNDAY,
        now=later,
    )
    before, dst_week = weeks[(episode.pk, DST_SUNDAY - dt.timedelta(days=7))], weeks[(episode.pk, DST_SUNDAY)]
    assert (before.attended_minutes, sorted(before.attended_days)) == (60, [saturday_before.local_date])
    assert dst_week.attended_minutes == 180
    assert sorted(dst_week.attended_days) == [DST_SUNDAY, DST_SUNDAY + dt.timedelta(days=6)]
    assert dst_week.scheduled_minutes == 180 and dst_week.week_end == DST_SUNDAY + dt.timedelta(days=6)


def test_episode_weeks_start_on_the_organization_week_start(sunday_weeks, make_active_episode):
    episode = make_active_episode()
    episode.admission_date = episode.referral_date = sunday_weeks.local_today() - dt.timedelta(weeks=10)
    episode.save()
    weeks = selectors.episode_weeks(organization=sunday_weeks, episode=episode, weeks_back=3)
    assert all(w.week_start.weekday() == Weekday.SUNDAY for w in weeks)
    assert [w.closed for w in weeks] == [False, True, True, True]


def _figures(week) -> tuple:
    remaining = sorted((r.local_date, r.minutes) for r in week.remaining)
    return week.attended_minutes, week.attended_days, remaining, week.state, week.shortfall_minutes


def test_the_sweeps_week_totals_are_the_session_by_session_figures(sunday_weeks, weekend_group, make_active_episode):
    """`week_totals` sums in SQL (the local week, Sunday-based here, across the DST change) what
    `week_summaries` adds up session by session: same attended minutes and days, same sessions
    left, same pace."""
    saturday_before = _session(weekend_group, DST_SUNDAY - dt.timedelta(days=1))
    sunday = _session(weekend_group, DST_SUNDAY)
    saturday_after = _session(weekend_group, DST_SUNDAY + dt.timedelta(days=6))
    attended, absent, left = make_active_episode(hours=3, days=2), make_active_episode(hours=2), make_active_episode()
    for episode in (attended, absent, left):
        episode.admission_date = episode.referral_date = DST_SUNDAY - dt.timedelta(weeks=3)
        episode.save()
    sessions = [saturday_before, sunday, saturday_after]
    booked = {episode.pk: book(episode, sessions) for episode in (attended, absent, left)}
    now = sunday.ends_at + dt.timedelta(hours=1)  # Saturday after still to come
    for session, entry in zip(sessions[:2], booked[attended.pk][:2], strict=True):
        record(session, entry, "present", now=now)
    record(saturday_before, booked[absent.pk][0], "absent_excused", now=now, absence_reason="illness")
    record(sunday, booked[absent.pk][1], "present", now=now)

    episodes = selectors.active_episodes(organization=sunday_weeks)
    options = {
        "organization": sunday_weeks,
        "episodes": episodes,
        "first_week": DST_SUNDAY - dt.timedelta(days=7),
        "last_week": DST_SUNDAY,
        "now": now,
    }
    summaries, totals = selectors.week_summaries(**options), selectors.week_totals(**options)
    assert summaries.keys() == totals.keys()
    assert {k: _figures(w) for k, w in totals.items()} == {k: _figures(w) for k, w in summaries.items()}
    assert totals[(left.pk, DST_SUNDAY)].remaining_minutes == 180  # nothing recorded: Sunday and Saturday
    assert totals[(attended.pk, DST_SUNDAY)].attended_days == {DST_SUNDAY}
