"""Rosters: seats, waitlists and their promotion, overlapping sessions, census changes."""

import datetime as dt

import pytest

from iop.clients.services import episode_transition
from iop.common.exceptions import ApplicationError
from iop.notifications.models import Notification
from scheduling.models import RosterEntry, Session
from scheduling.services import materialisation as materialisation_services
from scheduling.services import placements as placement_services
from scheduling.services import rosters as roster_services

pytestmark = pytest.mark.django_db


def _first(group):
    """The group's next session that has not started (today's may be under way)."""
    return Session.objects.filter(group=group, starts_at__gt=dt.datetime.now(dt.UTC)).order_by("starts_at").first()


def test_waitlist_when_full_and_promotion_when_a_seat_frees(
    in_harbor, make_group, make_active_episode, today, harbor_va
):
    group = make_group("Small", [(1, "09:00", 60)], capacity=1)
    first, second = make_active_episode(), make_active_episode()
    placement_services.placement_create(episode=first, group=group, start_date=today)
    result = placement_services.placement_create(episode=second, group=group, start_date=today, waitlist_if_full=True)
    assert result.booked == [] and len(result.waitlisted) >= 1
    session = _first(group)
    seat = RosterEntry.objects.get(session=session, episode=first, status="booked")
    roster_services.roster_remove(entry=seat, reason="Schedule change")
    promoted = RosterEntry.objects.get(session=session, episode=second)
    assert (promoted.status, promoted.source) == ("booked", "waitlist")
    assert Notification.objects.filter(kind="waitlist_promoted", recipient__user=harbor_va).exists()


def test_a_client_cannot_be_in_two_overlapping_sessions(in_harbor, make_group, make_active_episode, today):
    morning = make_group("Process A", [(2, "09:00", 90)])
    clash = make_group("Skills B", [(2, "10:00", 60)], kind="skills", lead=1)
    episode = make_active_episode()
    placement_services.placement_create(episode=episode, group=morning, start_date=today)
    with pytest.raises(ApplicationError, match="already booked into Process A"):
        placement_services.placement_create(episode=episode, group=clash, start_date=today)
    assert not RosterEntry.objects.filter(episode=episode, session__group=clash).exists()


def test_discharge_removes_future_entries_only(in_harbor, make_group, make_active_episode, harbor_va, today):
    past_day = today - dt.timedelta(days=14)
    group = make_group("Process A", [(past_day.weekday(), "09:00", 60)], effective_from=past_day)
    materialisation_services.sessions_materialise(organization=in_harbor, group=group, today=past_day)
    episode = make_active_episode()
    past = Session.objects.get(group=group, local_date=past_day)
    roster_services.roster_book(session=past, episode=episode)  # attended two weeks ago
    placement_services.placement_create(episode=episode, group=group, start_date=today)
    future = RosterEntry.objects.filter(episode=episode, session__local_date__gt=today)
    assert future.filter(status="booked").exists()

    episode_transition(episode=episode, to_status="discharged", effective_date=today, actor=harbor_va)

    assert RosterEntry.objects.get(episode=episode, session=past).status == "booked"
    assert not future.filter(status__in=["booked", "waitlisted"]).exists()
    assert not episode.placements.filter(is_active=True).exists()


def test_a_discharged_client_cannot_be_put_on_a_roster(
    in_harbor, make_group, make_active_episode, harbor_va, today, week
):
    group = make_group("Process A", [(0, "09:00", 60)])
    episode = make_active_episode()
    episode_transition(episode=episode, to_status="discharged", effective_date=today, actor=harbor_va)
    with pytest.raises(ApplicationError, match="Only clients in intake or active care"):
        roster_services.roster_book(session=Session.objects.get(group=group, local_date=week), episode=episode)
    assert not RosterEntry.objects.filter(episode=episode).exists()
