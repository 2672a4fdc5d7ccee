"""Attendance fixtures: groups that met in past weeks, clients booked into them, and a roll call
helper — all built through the real services.

`past_week` is the Monday three weeks before this week (harbor's weeks start on Monday), so every
session of it and the next two weeks has ended whatever the time of day.
"""

from __future__ import annotations

import datetime as dt

import pytest

from attendance.services import RollCallLine, roll_call_save
from iop.tenancy.models import Membership
from scheduling.models import RosterEntry, Session
from scheduling.selectors import week_start_for
from scheduling.services import roster_book

from ..scheduling import conftest as scheduling_fixtures
from ..scheduling.ui import conftest as scheduling_ui_fixtures
from ..ui import conftest as ui_fixtures

# The scheduling suite's fixtures, shared (a conftest's fixtures reach only its own directory).
today = scheduling_fixtures.today
week = scheduling_fixtures.week
group_types = scheduling_fixtures.group_types
facilitators = scheduling_fixtures.facilitators
make_group = scheduling_fixtures.make_group
make_active_episode = scheduling_fixtures.make_active_episode
summit_objects = scheduling_ui_fixtures.summit_objects
as_va = ui_fixtures.as_va
as_clinician = ui_fixtures.as_clinician
as_admin = ui_fixtures.as_admin


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
        from scheduling import services

        group = make_group(name, slots, effective_from=past_week, **kwargs)
        services.sessions_materialise(organization=group.organization, group=group, today=past_week)
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
