"""Placements: a seat in every coming session of the group, or none."""

import datetime as dt

import pytest

from iop.common.exceptions import ApplicationError
from scheduling.errors import SchedulingErrorCode
from scheduling.models import RosterEntry, Session
from scheduling.services import placements as placement_services
from scheduling.services import rosters as roster_services

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


class _Undo(Exception):
    pass


def _placed(**kwargs):
    """What `placement_create` writes (seats in booking order) and returns, and its query count,
    rolled back afterwards."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    found = {}
    try:
        with transaction.atomic(), CaptureQueriesContext(connection) as queries:
            result = placement_services.placement_create(**kwargs)
            found["queries"] = len(queries)
            found["result"] = ([s.pk for s in result.booked], [s.pk for s in result.waitlisted])
            found["seats"] = list(
                RosterEntry.objects.filter(placement=result.placement)
                .order_by("added_at")
                .values_list("session_id", "status", "source", "added_by_id", "during")
            )
            raise _Undo
    except _Undo:
        pass
    return found


def test_seats_are_booked_set_based_as_one_at_a_time(
    in_harbor, make_group, make_active_episode, today, harbor_admin, monkeypatch
):
    """The placement plans its seats by `roster_book`'s rules and writes them in one INSERT: the
    same seats, statuses and waitlist order as booking each session in turn, in a fixed number of
    queries however many sessions; the capacity is never exceeded."""
    from django.db import IntegrityError

    group = make_group("Process", [(0, "09:00", 90), (2, "09:00", 90), (4, "09:00", 90)], capacity=2)
    sessions = Session.objects.filter(group=group).order_by("starts_at")
    wednesdays = [s for s in sessions if s.local_date.weekday() == 2]
    for _ in range(2):  # Wednesdays full from next week: the new client waits for those
        other = make_active_episode()
        for session in wednesdays[1:]:
            roster_services.roster_book(session=session, episode=other)
    episode = make_active_episode()
    first_monday = Session.objects.filter(group=group).order_by("starts_at").first()
    roster_services.roster_book(session=first_monday, episode=episode)  # already seated there: kept
    options = {"episode": episode, "group": group, "start_date": today, "actor": harbor_admin, "waitlist_if_full": True}

    set_based = _placed(**options)

    def refused(*args):
        raise IntegrityError("a booking committed meanwhile")

    # A clash the plan could not see rolls back to the one-at-a-time path, which gives the reference.
    monkeypatch.setattr(placement_services, "_seat_all", refused)
    one_at_a_time = _placed(**options)

    assert set_based["result"] == one_at_a_time["result"]
    assert set_based["seats"] == one_at_a_time["seats"]
    booked, waitlisted = set_based["result"]
    assert len(waitlisted) == len(wednesdays) - 1 and len(booked) > len(waitlisted)
    assert {status for _, status, *_ in set_based["seats"]} == {"booked", "waitlisted"}
    assert set_based["queries"] <= 14 and set_based["queries"] * 3 < one_at_a_time["queries"]
    monkeypatch.undo()
    placement_services.placement_create(**options)
    for session in Session.objects.filter(group=group):
        assert RosterEntry.objects.filter(session=session, status="booked").count() <= session.capacity


def test_a_clash_with_another_session_refuses_the_whole_placement_naming_it(
    in_harbor, make_group, make_active_episode, today
):
    group = make_group("Process", [(0, "09:00", 90), (2, "09:00", 90)])
    other = make_group("Skills", [(2, "10:00", 60)])
    episode = make_active_episode()
    placement_services.placement_create(episode=episode, group=other, start_date=today)
    with pytest.raises(ApplicationError) as excinfo:
        placement_services.placement_create(episode=episode, group=group, start_date=today)
    assert excinfo.value.code == SchedulingErrorCode.CLIENT_OVERLAP
    assert "already booked into Skills on" in excinfo.value.message
    assert not episode.placements.filter(group=group).exists()
    assert not RosterEntry.objects.filter(episode=episode, session__group=group).exists()
