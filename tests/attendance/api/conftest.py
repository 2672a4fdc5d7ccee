"""Attendance API fixtures: bearer-token clients (as in the scheduling API tests), a session that
ended weeks ago with three clients seated, and summit's schedule to aim at."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from ...scheduling.api.conftest import BASE, api, summit_schedule, va_api
from ..conftest import book, sessions_of

__all__ = ["BASE", "api", "summit_schedule", "va_api"]


def roll_call_url(session) -> str:
    return f"{BASE}/attendance/sessions/{session.pk}/"


def line(entry, status="present", **fields) -> dict:
    return {"roster_entry": str(entry.pk), "status": status, **fields}


@pytest.fixture
def past_group(make_past_group):
    """Mondays, Wednesdays and Fridays 9:00–12:00, led by facilitators[0]."""
    return make_past_group("Process A", [(0, "09:00", 180), (2, "09:00", 180), (4, "09:00", 180)], capacity=15)


@pytest.fixture
def roll_call(past_group, past_week, make_active_episode, harbor):
    """The group's Monday session of `past_week` with three clients seated, and its week."""
    week = sessions_of(past_group, past_week)
    episodes = [make_active_episode() for _ in range(3)]
    for episode in episodes:
        # Admitted before the week, so the week is a full one and its pace is judged.
        episode.referral_date = past_week - dt.timedelta(weeks=2)
        episode.admission_date = past_week - dt.timedelta(weeks=1)
        episode.save(update_fields=["referral_date", "admission_date"])
    entries = [book(episode, [week[0]])[0] for episode in episodes]
    return SimpleNamespace(session=week[0], week=week, episodes=episodes, entries=entries, url=roll_call_url(week[0]))


@pytest.fixture
def lead_user(facilitators):
    """The clinician booked as the group's sessions' lead facilitator."""
    return facilitators[0].membership.user


@pytest.fixture
def other_facilitator_user(facilitators):
    return facilitators[1].membership.user
