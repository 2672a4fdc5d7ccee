"""Attendance fixtures: groups that met in past weeks, clients booked into them, and a roll call
helper — all built through the real services.

`past_week` is the Monday three weeks before this week (harbor's weeks start on Monday), so every
session of it and the next two weeks has ended whatever the time of day.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from attendance.models import AbsenceAlert, ThresholdFlag
from attendance.roll_call.services import RollCallLine, roll_call_save
from iop.common.weeks import week_start_for
from iop.tenancy.models import Membership
from scheduling.models import RosterEntry, Session
from scheduling.services.rosters import roster_book

from ..scheduling import conftest as scheduling_fixtures

BASE = scheduling_fixtures.BASE
va_api = scheduling_fixtures.va_api
summit_schedule = scheduling_fixtures.summit_schedule
# The scheduling suite's fixtures, shared (a conftest's fixtures reach only its own directory).
today = scheduling_fixtures.today
week = scheduling_fixtures.week
group_types = scheduling_fixtures.group_types
facilitators = scheduling_fixtures.facilitators
make_group = scheduling_fixtures.make_group
make_active_episode = scheduling_fixtures.make_active_episode
summit_objects = scheduling_fixtures.summit_objects


@pytest.fixture
def this_week(harbor, today):
    return week_start_for(harbor, today)


@pytest.fixture
def past_week(this_week):
    return this_week - dt.timedelta(weeks=3)


@pytest.fixture
def make_past_group(make_group, past_week):
    """make_past_group(name, slots, **kw): a group meeting since `past_week`."""

    def _make(name, slots, **kwargs):
        from scheduling.services import materialisation as materialisation_services

        group = make_group(name, slots, effective_from=past_week, **kwargs)
        materialisation_services.sessions_materialise(organization=group.organization, group=group, today=past_week)
        return group

    return _make


def sessions_of(group, start: dt.date, days: int = 7) -> list[Session]:
    return list(
        Session.objects.filter(
            group=group, local_date__gte=start, local_date__lt=start + dt.timedelta(days=days)
        ).order_by("starts_at")
    )


def book(episode, sessions) -> list[RosterEntry]:
    return [roster_book(session=s, episode=episode) for s in sessions]


def record(session, entry, status="present", actor=None, now=None, **kwargs):
    """Record one client's attendance through the roll-call service."""
    return roll_call_save(
        session=session,
        lines=[RollCallLine(roster_entry_id=entry.pk, status=status, **kwargs)],
        actor=actor,
        now=now,
    )


@pytest.fixture
def harbor_va_membership(in_harbor, harbor_va):
    return Membership.objects.get(user=harbor_va)


# --- API: a roll call over the API, and what it raised ------------------------------------------


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


@pytest.fixture
def raised(va_api, roll_call):
    """A closed week short of 9 hours for all three clients (three flags), and one absence without
    a reason (a "no reason" alert: the session ended weeks ago)."""
    first, second, third = roll_call.entries
    payload = {
        "records": [
            line(first),
            line(second, "absent_unexcused"),
            line(third, "absent_excused", absence_reason="illness"),
        ]
    }
    assert va_api.put(roll_call.url, payload, format="json").status_code == 200
    flags = {f.episode_id: f for f in ThresholdFlag.objects.all()}
    (alert,) = AbsenceAlert.objects.all()
    return flags, alert
