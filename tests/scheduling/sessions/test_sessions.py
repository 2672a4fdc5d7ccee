"""One-off session changes: cancel, move, and nothing once a session is over."""

import datetime as dt

import pytest

from iop.common.exceptions import ApplicationError
from scheduling.models import RosterEntry, Session, SessionFacilitator
from scheduling.services import materialisation as materialisation_services
from scheduling.services import placements as placement_services
from scheduling.services import rosters as roster_services
from scheduling.services import sessions as session_services

pytestmark = pytest.mark.django_db


def _first(group):
    """The group's next session that has not started (today's may be under way)."""
    return Session.objects.filter(group=group, starts_at__gt=dt.datetime.now(dt.UTC)).order_by("starts_at").first()


def test_cancelling_a_session_frees_the_clients_time(in_harbor, make_group, make_active_episode, today):
    group = make_group("Process A", [(3, "09:00", 60)])
    other = make_group("Process B", [(3, "09:00", 60)], lead=1)
    episode = make_active_episode()
    placement_services.placement_create(episode=episode, group=group, start_date=today)
    session = _first(group)
    session_services.session_cancel(session=session, reason="Holiday")
    assert RosterEntry.objects.get(session=session, episode=episode).status == "cancelled"
    # The same time is free again for another group's session.
    roster_services.roster_book(
        session=Session.objects.get(group=other, local_date=session.local_date), episode=episode
    )


def test_moving_a_session_moves_its_people_or_nothing(in_harbor, make_group, make_active_episode, today, week):
    group = make_group("Process A", [(0, "09:00", 60)])
    later = make_group("Process B", [(0, "11:00", 60)], lead=1)
    episode = make_active_episode()
    placement_services.placement_create(episode=episode, group=group, start_date=today)
    placement_services.placement_create(episode=episode, group=later, start_date=today)
    session = Session.objects.get(group=group, local_date=week)

    session_services.session_move(session=session, local_date=week, start_time=dt.time(10, 0), duration_minutes=60)
    session.refresh_from_db()
    assert session.starts_at.astimezone(in_harbor.tzinfo).time() == dt.time(10, 0)
    assert session.moved_at is not None and session.is_modified
    assert RosterEntry.objects.get(session=session, episode=episode).during.lower == session.starts_at
    assert SessionFacilitator.objects.get(session=session).during.lower == session.starts_at

    # 11:00 clashes with the client's Process B session: refused, and nothing moves.
    with pytest.raises(ApplicationError, match="nothing was moved"):
        session_services.session_move(session=session, local_date=week, start_time=dt.time(11, 0), duration_minutes=60)
    session.refresh_from_db()
    assert session.starts_at.astimezone(in_harbor.tzinfo).time() == dt.time(10, 0)


def test_a_session_that_is_over_cannot_be_cancelled_moved_or_recovered(in_harbor, make_group, facilitators, today):
    past_day = today - dt.timedelta(days=7)
    group = make_group("Process A", [(past_day.weekday(), "09:00", 60)], effective_from=past_day)
    materialisation_services.sessions_materialise(organization=in_harbor, group=group, today=past_day)
    past = Session.objects.get(group=group, local_date=past_day)
    with pytest.raises(ApplicationError, match="is over; it can no longer be cancelled"):
        session_services.session_cancel(session=past, reason="Oops")
    with pytest.raises(ApplicationError, match="is over"):
        session_services.session_move(
            session=past, local_date=today + dt.timedelta(days=9), start_time=dt.time(9), duration_minutes=60
        )
    with pytest.raises(ApplicationError, match="is over"):
        session_services.session_facilitator_assign(session=past, staff_profile=facilitators[1])
    past.refresh_from_db()
    assert past.status == "scheduled"
