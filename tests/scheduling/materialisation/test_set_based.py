"""Materialisation books seats and facilitators set-based: a fixed number of queries whatever the
number of seats or groups, with the same result as booking one seat at a time (capacity, the
waitlist's order, clashes with the client's or facilitator's other sessions, absences)."""

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from scheduling.models import RosterEntry, Session, SessionFacilitator
from scheduling.services import absences as absence_services
from scheduling.services import materialisation as materialisation_services
from scheduling.services import placements as placement_services

pytestmark = pytest.mark.django_db


class _Undo(Exception):
    pass


def _materialised(organization, today, **kwargs):
    """The rows a materialisation run writes and its query count, rolled back afterwards."""
    found = {}
    try:
        with transaction.atomic():
            with CaptureQueriesContext(connection) as queries:
                run = materialisation_services.sessions_materialise
                created = run(organization=organization, today=today, **kwargs)
            new = [s.pk for s in created]
            found["sessions"] = len(new)
            found["queries"] = len(queries)
            found["seats"] = [
                (e.session.group.name, e.session.local_date, e.episode_id, e.status)
                for e in RosterEntry.objects.filter(session__in=new)
                .select_related("session__group")
                .order_by("session__starts_at", "added_at")
            ]
            found["facilitators"] = sorted(
                SessionFacilitator.objects.filter(session__in=new).values_list(
                    "session__group__name", "session__local_date", "role", "staff_profile_id"
                )
            )
            raise _Undo
    except _Undo:
        pass
    return found


def test_queries_do_not_grow_with_seats_or_groups(in_harbor, make_group, make_active_episode, today):
    small = make_group("Small", [(0, "09:00", 60), (2, "09:00", 60)], lead=0, co=1, capacity=1)
    large = make_group("Large", [(1, "13:00", 60), (3, "13:00", 60)], lead=1, co=0, capacity=4)
    for group, clients in ((small, 2), (large, 6)):  # one, and two, wait for a seat
        for _ in range(clients):
            placement_services.placement_create(
                episode=make_active_episode(), group=group, start_date=today, waitlist_if_full=True
            )
    later = today + dt.timedelta(weeks=3)  # three more weeks of sessions to write and seat

    two_seats = _materialised(in_harbor, later, group=small)
    six_seats = _materialised(in_harbor, later, group=large)
    both = _materialised(in_harbor, later)

    assert two_seats["sessions"] == six_seats["sessions"] >= 6
    assert len(six_seats["seats"]) == 6 * six_seats["sessions"] == 3 * len(two_seats["seats"])
    assert {status for *_, status in six_seats["seats"]} == {"booked", "waitlisted"}
    assert both["sessions"] == 2 * two_seats["sessions"]
    assert len(both["seats"]) == len(two_seats["seats"]) + len(six_seats["seats"])
    assert two_seats["queries"] == six_seats["queries"] == both["queries"] <= 20


def test_the_same_rows_as_booking_one_seat_at_a_time(
    in_harbor, make_group, make_active_episode, facilitators, today, monkeypatch
):
    # Two groups on Mondays, Late overlapping Early, the same lead: the lead only takes Early.
    early = make_group("Early", [(0, "09:00", 90)], capacity=3, lead=0, co=1)
    late = make_group("Late", [(0, "10:00", 60)], capacity=10, lead=0)
    horizon_end = today + dt.timedelta(weeks=9)
    clients = [make_active_episode() for _ in range(5)]
    for episode in clients:
        placement_services.placement_create(episode=episode, group=early, start_date=today, waitlist_if_full=True)
    # Placed in Late after the horizon (nothing to book now): once its sessions exist, the first
    # client is seated in Early at that time and skipped, the fifth (waiting for Early) is seated.
    for episode in (clients[0], clients[4]):
        placement_services.placement_create(episode=episode, group=late, start_date=horizon_end)
    later = today + dt.timedelta(weeks=4)
    absence_services.facilitator_absence_record(
        staff_profile=facilitators[1], start_date=horizon_end, end_date=horizon_end + dt.timedelta(days=6)
    )

    set_based = _materialised(in_harbor, later)

    def refused(sessions):
        raise IntegrityError("a booking committed meanwhile")

    # A clash the plan could not see rolls back to the one-at-a-time path, which gives the reference.
    monkeypatch.setattr(materialisation_services, "_book_and_seat_all", refused)
    one_at_a_time = _materialised(in_harbor, later)

    assert set_based["seats"] == one_at_a_time["seats"]
    assert set_based["facilitators"] == one_at_a_time["facilitators"]
    assert set_based["queries"] < one_at_a_time["queries"] / 3
    late_mondays = {day for name, day, *_ in set_based["seats"] if name == "Late"}
    assert late_mondays
    for day in late_mondays:
        early_seats = [(e, status) for name, d, e, status in set_based["seats"] if name == "Early" and d == day]
        assert early_seats == [(c.pk, "booked") for c in clients[:3]] + [(c.pk, "waitlisted") for c in clients[3:]]
        late_seats = [(e, status) for name, d, e, status in set_based["seats"] if name == "Late" and d == day]
        assert late_seats == [(clients[4].pk, "booked")]
        roles = {(name, role) for name, d, role, _ in set_based["facilitators"] if d == day}
        assert ("Late", "lead") not in roles and ("Early", "lead") in roles
    co_days = {d for name, d, role, _ in set_based["facilitators"] if role == "co"}
    assert co_days and not any(horizon_end <= d <= horizon_end + dt.timedelta(days=6) for d in co_days)
    assert Session.objects.filter(group=late, local_date__gte=horizon_end).count() == 0  # rolled back
