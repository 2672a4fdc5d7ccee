"""Placements and rosters: capacity, waitlists, overlaps, census changes, coverage."""

import datetime as dt

import pytest

from iop.clients.services import episode_transition
from iop.common.exceptions import ApplicationError
from iop.notifications.models import Notification
from scheduling import selectors, services
from scheduling.models import RosterEntry, Session, SessionFacilitator

pytestmark = pytest.mark.django_db


def _first(group):
    """The group's next session that has not started (today's may be under way)."""
    return Session.objects.filter(group=group, starts_at__gt=dt.datetime.now(dt.UTC)).order_by("starts_at").first()


def test_placement_books_every_future_session_of_the_group(in_harbor, make_group, make_active_episode, today):
    group = make_group("Process A", [(0, "09:00", 90), (2, "09:00", 90)])
    episode = make_active_episode()
    result = services.placement_create(episode=episode, group=group, start_date=today, actor=None)
    sessions = Session.objects.filter(group=group, starts_at__gt=dt.datetime.now(dt.UTC))
    assert len(result.booked) == sessions.count()
    assert RosterEntry.objects.filter(episode=episode, status="booked").count() == sessions.count()


def test_full_session_refuses_with_the_dates_and_changes_nothing(in_harbor, make_group, make_active_episode, today):
    group = make_group("Small", [(1, "09:00", 60)], capacity=1)
    first, second = make_active_episode(), make_active_episode()
    services.placement_create(episode=first, group=group, start_date=today)
    with pytest.raises(services.SessionFull) as excinfo:
        services.placement_create(episode=second, group=group, start_date=today)
    assert "Small is full on" in excinfo.value.message
    assert excinfo.value.extra["full_dates"]
    assert not RosterEntry.objects.filter(episode=second).exists()
    assert not second.placements.exists()


def test_waitlist_when_full_and_promotion_when_a_seat_frees(
    in_harbor, make_group, make_active_episode, today, harbor_va
):
    group = make_group("Small", [(1, "09:00", 60)], capacity=1)
    first, second = make_active_episode(), make_active_episode()
    services.placement_create(episode=first, group=group, start_date=today)
    result = services.placement_create(episode=second, group=group, start_date=today, waitlist_if_full=True)
    assert result.booked == [] and len(result.waitlisted) >= 1
    session = _first(group)
    seat = RosterEntry.objects.get(session=session, episode=first, status="booked")
    services.roster_remove(entry=seat, reason="Schedule change")
    promoted = RosterEntry.objects.get(session=session, episode=second)
    assert (promoted.status, promoted.source) == ("booked", "waitlist")
    assert Notification.objects.filter(kind="waitlist_promoted", recipient__user=harbor_va).exists()


def test_a_client_cannot_be_in_two_overlapping_sessions(in_harbor, make_group, make_active_episode, today):
    morning = make_group("Process A", [(2, "09:00", 90)])
    clash = make_group("Skills B", [(2, "10:00", 60)], kind="skills", lead=1)
    episode = make_active_episode()
    services.placement_create(episode=episode, group=morning, start_date=today)
    with pytest.raises(ApplicationError, match="already booked into Process A"):
        services.placement_create(episode=episode, group=clash, start_date=today)
    assert not RosterEntry.objects.filter(episode=episode, session__group=clash).exists()


def test_discharge_removes_future_entries_only(in_harbor, make_group, make_active_episode, harbor_va, today):
    past_day = today - dt.timedelta(days=14)
    group = make_group("Process A", [(past_day.weekday(), "09:00", 60)], effective_from=past_day)
    services.sessions_materialise(organization=in_harbor, group=group, today=past_day)
    episode = make_active_episode()
    past = Session.objects.get(group=group, local_date=past_day)
    services.roster_book(session=past, episode=episode)  # attended two weeks ago
    services.placement_create(episode=episode, group=group, start_date=today)
    future = RosterEntry.objects.filter(episode=episode, session__local_date__gt=today)
    assert future.filter(status="booked").exists()

    episode_transition(episode=episode, to_status="discharged", effective_date=today, actor=harbor_va)

    assert RosterEntry.objects.get(episode=episode, session=past).status == "booked"
    assert not future.filter(status__in=["booked", "waitlisted"]).exists()
    assert not episode.placements.filter(is_active=True).exists()


def test_cancelling_a_session_frees_the_clients_time(in_harbor, make_group, make_active_episode, today):
    group = make_group("Process A", [(3, "09:00", 60)])
    other = make_group("Process B", [(3, "09:00", 60)], lead=1)
    episode = make_active_episode()
    services.placement_create(episode=episode, group=group, start_date=today)
    session = _first(group)
    services.session_cancel(session=session, reason="Holiday")
    assert RosterEntry.objects.get(session=session, episode=episode).status == "cancelled"
    # The same time is free again for another group's session.
    services.roster_book(session=Session.objects.get(group=other, local_date=session.local_date), episode=episode)


def test_absence_uncovers_sessions_and_coverage_is_assigned(in_harbor, make_group, facilitators, week, today):
    group = make_group("Process A", [(0, "09:00", 90)], lead=0)
    busy = make_group("Process B", [(0, "09:00", 90)], lead=1)  # lead2 is busy at the same hour
    result = services.facilitator_absence_record(
        staff_profile=facilitators[0], start_date=week, end_date=week, reason="Sick"
    )
    session = Session.objects.get(group=group, local_date=week)
    assert [s.pk for s in result.uncovered] == [session.pk]
    assert not SessionFacilitator.objects.filter(session=session).exists()
    suggestions = selectors.coverage_suggestions(session=session)
    assert [p.pk for p in suggestions] == [facilitators[2].pk]  # qualified, free, not absent
    with pytest.raises(ApplicationError, match="already facilitating"):
        services.session_facilitator_assign(session=session, staff_profile=facilitators[1])
    with pytest.raises(ApplicationError, match="absent"):
        services.session_facilitator_assign(session=session, staff_profile=facilitators[0])
    services.session_facilitator_assign(session=session, staff_profile=facilitators[2])
    session.refresh_from_db()
    assert session.facilitator_changed_at is not None
    assert SessionFacilitator.objects.get(session=session, role="lead").staff_profile == facilitators[2]
    assert busy.sessions.exists()


def test_uncovered_sessions_notify_vas_once(in_harbor, make_group, facilitators, harbor_va):
    tomorrow = in_harbor.local_today() + dt.timedelta(days=1)
    make_group("Process A", [(tomorrow.weekday(), "10:00", 60)], lead=None)
    assert services.uncovered_sessions_notify(organization=in_harbor) == 1
    assert services.uncovered_sessions_notify(organization=in_harbor) == 0
    assert Notification.objects.filter(kind="session_uncovered", recipient__user=harbor_va).count() == 1


def test_moving_a_session_moves_its_people_or_nothing(in_harbor, make_group, make_active_episode, today, week):
    group = make_group("Process A", [(0, "09:00", 60)])
    later = make_group("Process B", [(0, "11:00", 60)], lead=1)
    episode = make_active_episode()
    services.placement_create(episode=episode, group=group, start_date=today)
    services.placement_create(episode=episode, group=later, start_date=today)
    session = Session.objects.get(group=group, local_date=week)

    services.session_move(session=session, local_date=week, start_time=dt.time(10, 0), duration_minutes=60)
    session.refresh_from_db()
    assert session.starts_at.astimezone(in_harbor.tzinfo).time() == dt.time(10, 0)
    assert session.moved_at is not None and session.is_modified
    assert RosterEntry.objects.get(session=session, episode=episode).during.lower == session.starts_at
    assert SessionFacilitator.objects.get(session=session).during.lower == session.starts_at

    # 11:00 clashes with the client's Process B session: refused, and nothing moves.
    with pytest.raises(ApplicationError, match="nothing was moved"):
        services.session_move(session=session, local_date=week, start_time=dt.time(11, 0), duration_minutes=60)
    session.refresh_from_db()
    assert session.starts_at.astimezone(in_harbor.tzinfo).time() == dt.time(10, 0)


def test_a_discharged_client_cannot_be_put_on_a_roster(
    in_harbor, make_group, make_active_episode, harbor_va, today, week
):
    group = make_group("Process A", [(0, "09:00", 60)])
    episode = make_active_episode()
    episode_transition(episode=episode, to_status="discharged", effective_date=today, actor=harbor_va)
    with pytest.raises(ApplicationError, match="Only clients in intake or active care"):
        services.roster_book(session=Session.objects.get(group=group, local_date=week), episode=episode)
    assert not RosterEntry.objects.filter(episode=episode).exists()


def test_duplicate_group_name_gets_a_clear_message(in_harbor, make_group):
    make_group("Process A", [])
    with pytest.raises(ApplicationError, match="A group with this name already exists"):
        make_group("Process A", [])


def test_group_changes_carry_to_coming_sessions(in_harbor, make_group, make_active_episode, facilitators, today, week):
    group = make_group("Process A", [(0, "09:00", 60)], capacity=2, lead=0)
    first, second, third = make_active_episode(), make_active_episode(), make_active_episode()
    for episode in (first, second):
        services.placement_create(episode=episode, group=group, start_date=today)
    services.placement_create(episode=third, group=group, start_date=today, waitlist_if_full=True)
    covered = Session.objects.get(group=group, local_date=week)
    services.session_facilitator_assign(session=covered, staff_profile=facilitators[2])  # cover by hand

    with pytest.raises(ApplicationError, match="already have more than 1 clients"):
        services.group_update(group=group, data={"capacity": 1})

    uncovered = services.group_update(group=group, data={"capacity": 3, "lead_facilitator": facilitators[1]})

    assert uncovered == []
    for session in Session.objects.filter(group=group, starts_at__gt=dt.datetime.now(dt.UTC)):
        assert session.capacity == 3
        assert RosterEntry.objects.get(session=session, episode=third).status == "booked"  # seated from the waitlist
        lead = SessionFacilitator.objects.get(session=session, role="lead").staff_profile
        assert lead == (facilitators[2] if session.pk == covered.pk else facilitators[1])
        assert session.facilitator_changed_at is not None


def test_deactivating_a_group_cancels_its_coming_sessions(in_harbor, make_group, make_active_episode, today):
    group = make_group("Process A", [(0, "09:00", 60)])
    episode = make_active_episode()
    services.placement_create(episode=episode, group=group, start_date=today)
    services.group_update(group=group, data={"is_active": False})
    coming = Session.objects.filter(group=group, starts_at__gt=dt.datetime.now(dt.UTC))
    assert coming.exists() and not coming.filter(status="scheduled").exists()
    assert not RosterEntry.objects.filter(episode=episode, status="booked", session__in=coming).exists()


def test_a_session_that_is_over_cannot_be_cancelled_moved_or_recovered(in_harbor, make_group, facilitators, today):
    past_day = today - dt.timedelta(days=7)
    group = make_group("Process A", [(past_day.weekday(), "09:00", 60)], effective_from=past_day)
    services.sessions_materialise(organization=in_harbor, group=group, today=past_day)
    past = Session.objects.get(group=group, local_date=past_day)
    with pytest.raises(ApplicationError, match="is over; it can no longer be cancelled"):
        services.session_cancel(session=past, reason="Oops")
    with pytest.raises(ApplicationError, match="is over"):
        services.session_move(
            session=past, local_date=today + dt.timedelta(days=9), start_time=dt.time(9), duration_minutes=60
        )
    with pytest.raises(ApplicationError, match="is over"):
        services.session_facilitator_assign(session=past, staff_profile=facilitators[1])
    past.refresh_from_db()
    assert past.status == "scheduled"
