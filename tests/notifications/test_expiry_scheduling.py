"""Scheduling's inbox lines say what to do and name the clients; each leaves the VA's unread list
(and the header count) once what it points at is fixed: an uncovered session covered, a seat from
the waitlist no longer anyone's to tell about. A session uncovered again comes back."""

from __future__ import annotations

import datetime as dt

import pytest

from iop.notifications.models import Notification
from iop.notifications.selectors import unread_count
from iop.notifications.services import notifications_resolve
from iop.tenancy.models import Membership
from scheduling.models import RosterEntry, Session
from scheduling.services import absences as absence_services
from scheduling.services import placements as placement_services
from scheduling.services import rosters as roster_services
from scheduling.services import sessions as session_services

pytestmark = pytest.mark.django_db


def _line(kind: str, user) -> Notification:
    return Notification.objects.select_related("client").get(kind=kind, recipient__user=user)


def test_an_uncovered_session_names_who_is_booked_and_leaves_once_covered(
    in_harbor, make_group, make_active_episode, facilitators, harbor_va
):
    tomorrow = in_harbor.local_today() + dt.timedelta(days=1)
    group = make_group("Process A", [(tomorrow.weekday(), "10:00", 60)], lead=None)
    session = Session.objects.get(group=group, local_date=tomorrow)
    episodes = [make_active_episode() for _ in range(2)]
    for episode in episodes:
        roster_services.roster_book(session=session, episode=episode)
    assert absence_services.uncovered_sessions_notify(organization=in_harbor) == 1

    line = _line("session_uncovered", harbor_va)
    assert line.title.startswith("Assign a facilitator to Process A ")
    names = [e.client.display_name for e in sorted(episodes, key=lambda e: (e.client.last_name, e.client.first_name))]
    assert line.body == f"Booked: {names[0]} and {names[1]}."
    assert line.subject_ids == [session.pk] and line.link.endswith(f"/{session.pk}/")
    va = Membership.objects.get(user=harbor_va)
    assert notifications_resolve(organization=in_harbor) == 0  # still uncovered: stays
    assert unread_count(membership=va) == 1

    session_services.session_facilitator_assign(session=session, staff_profile=facilitators[0])
    assert notifications_resolve(organization=in_harbor) == 1
    line.refresh_from_db()
    assert line.resolved_at is not None and line.read_at is None
    assert unread_count(membership=va) == 0

    # The facilitator falls ill: the session is uncovered again and the line comes back, unread.
    absence_services.facilitator_absence_record(staff_profile=facilitators[0], start_date=tomorrow, end_date=tomorrow)
    notifications_resolve(organization=in_harbor)
    line.refresh_from_db()
    assert line.resolved_at is None and unread_count(membership=va) == 1


def test_a_cancelled_uncovered_session_needs_no_facilitator(in_harbor, make_group, harbor_va):
    tomorrow = in_harbor.local_today() + dt.timedelta(days=1)
    group = make_group("Process A", [(tomorrow.weekday(), "10:00", 60)], lead=None)
    absence_services.uncovered_sessions_notify(organization=in_harbor)
    line = _line("session_uncovered", harbor_va)
    assert line.body == "No clients booked yet."
    session_services.session_cancel(session=Session.objects.get(group=group, local_date=tomorrow), reason="Holiday")
    assert notifications_resolve(organization=in_harbor) == 1


def test_a_seat_from_the_waitlist_names_the_client_and_leaves_once_nobody_is_to_be_told(
    in_harbor, make_group, make_active_episode, today, harbor_va
):
    group = make_group("Small", [(1, "09:00", 60)], capacity=1)
    first, second = make_active_episode(), make_active_episode()
    placement_services.placement_create(episode=first, group=group, start_date=today)
    placement_services.placement_create(episode=second, group=group, start_date=today, waitlist_if_full=True)
    session = Session.objects.filter(group=group, starts_at__gt=dt.datetime.now(dt.UTC)).order_by("starts_at")[0]
    roster_services.roster_remove(entry=RosterEntry.objects.get(session=session, episode=first), reason="Moved")

    line = _line("waitlist_promoted", harbor_va)
    name = second.client.display_name
    assert line.title.startswith(f"Tell {name} their waitlist seat came up: Small ")
    assert line.client == second.client
    promoted = RosterEntry.objects.get(session=session, episode=second)
    assert line.subject_ids == [promoted.pk]
    assert notifications_resolve(organization=in_harbor) == 0

    # The promoted client gives the seat back: nobody is left to tell.
    roster_services.roster_remove(entry=promoted, reason="Cannot make Tuesdays")
    assert notifications_resolve(organization=in_harbor) == 1
    line.refresh_from_db()
    assert line.resolved_at is not None
