"""Groups: clear refusals, and changes that carry to their coming sessions."""

import datetime as dt

import pytest

from iop.common.exceptions import ApplicationError
from scheduling.models import RosterEntry, Session, SessionFacilitator
from scheduling.services import groups as group_services
from scheduling.services import placements as placement_services
from scheduling.services import sessions as session_services

pytestmark = pytest.mark.django_db


def test_duplicate_group_name_gets_a_clear_message(in_harbor, make_group):
    make_group("Process A", [])
    with pytest.raises(ApplicationError, match="A group with this name already exists"):
        make_group("Process A", [])


def test_group_changes_carry_to_coming_sessions(in_harbor, make_group, make_active_episode, facilitators, today, week):
    group = make_group("Process A", [(0, "09:00", 60)], capacity=2, lead=0)
    first, second, third = make_active_episode(), make_active_episode(), make_active_episode()
    for episode in (first, second):
        placement_services.placement_create(episode=episode, group=group, start_date=today)
    placement_services.placement_create(episode=third, group=group, start_date=today, waitlist_if_full=True)
    covered = Session.objects.get(group=group, local_date=week)
    session_services.session_facilitator_assign(session=covered, staff_profile=facilitators[2])  # cover by hand

    with pytest.raises(ApplicationError, match="already have more than 1 clients"):
        group_services.group_update(group=group, data={"capacity": 1})

    uncovered = group_services.group_update(group=group, data={"capacity": 3, "lead_facilitator": facilitators[1]})

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
    placement_services.placement_create(episode=episode, group=group, start_date=today)
    group_services.group_update(group=group, data={"is_active": False})
    coming = Session.objects.filter(group=group, starts_at__gt=dt.datetime.now(dt.UTC))
    assert coming.exists() and not coming.filter(status="scheduled").exists()
    assert not RosterEntry.objects.filter(episode=episode, status="booked", session__in=coming).exists()
