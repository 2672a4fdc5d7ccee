"""Placements: a seat in every coming session of the group, or none."""

import datetime as dt

import pytest

from iop.common.exceptions import ApplicationError
from scheduling.errors import SchedulingErrorCode
from scheduling.models import RosterEntry, Session
from scheduling.services import placements as placement_services

pytestmark = pytest.mark.django_db


def test_placement_books_every_future_session_of_the_group(in_harbor, make_group, make_active_episode, today):
    group = make_group("Process A", [(0, "09:00", 90), (2, "09:00", 90)])
    episode = make_active_episode()
    result = placement_services.placement_create(episode=episode, group=group, start_date=today, actor=None)
    sessions = Session.objects.filter(group=group, starts_at__gt=dt.datetime.now(dt.UTC))
    assert len(result.booked) == sessions.count()
    assert RosterEntry.objects.filter(episode=episode, status="booked").count() == sessions.count()


def test_full_session_refuses_with_the_dates_and_changes_nothing(in_harbor, make_group, make_active_episode, today):
    group = make_group("Small", [(1, "09:00", 60)], capacity=1)
    first, second = make_active_episode(), make_active_episode()
    placement_services.placement_create(episode=first, group=group, start_date=today)
    with pytest.raises(ApplicationError) as excinfo:
        placement_services.placement_create(episode=second, group=group, start_date=today)
    assert excinfo.value.code == SchedulingErrorCode.SESSION_FULL
    assert "Small is full on" in excinfo.value.message
    assert excinfo.value.extra["full_dates"]
    assert not RosterEntry.objects.filter(episode=second).exists()
    assert not second.placements.exists()
