"""Concurrent requests against the real database cannot overbook a session or a facilitator."""

import datetime as dt
import threading

import pytest
from django.db import connections

from iop.common.exceptions import ApplicationError
from iop.tenancy.context import tenant_context
from scheduling.models import RosterEntry, Session, SessionFacilitator
from scheduling.services import placements as placement_services
from scheduling.services import sessions as session_services

pytestmark = pytest.mark.django_db(transaction=True)


def _run_concurrently(organization, calls):
    """Run each call in its own thread and database connection, released together."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def worker(i, call):
        try:
            with tenant_context(organization.id):
                barrier.wait()
                outcomes[i] = ("ok", call())
        except ApplicationError as exc:
            outcomes[i] = ("refused", exc)
        except Exception as exc:  # noqa: BLE001 - reported in the assertion
            outcomes[i] = ("error", exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, call)) for i, call in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return outcomes


def test_twenty_concurrent_placements_into_capacity_ten(in_harbor, make_group, make_active_episode, today):
    group = make_group("Process A", [(1, "09:00", 90)], capacity=10)
    episodes = [make_active_episode() for _ in range(20)]
    outcomes = _run_concurrently(
        in_harbor,
        [lambda e=e: placement_services.placement_create(episode=e, group=group, start_date=today) for e in episodes],
    )
    assert [o for o in outcomes if o[0] == "error"] == []
    assert sum(1 for o in outcomes if o[0] == "ok") == 10
    assert all("is full" in o[1].message for o in outcomes if o[0] == "refused")
    for session in Session.objects.filter(group=group, starts_at__gt=dt.datetime.now(dt.UTC)):
        assert RosterEntry.objects.filter(session=session, status="booked").count() == 10


def test_twenty_concurrent_placements_with_waitlist_never_exceed_capacity(
    in_harbor, make_group, make_active_episode, today
):
    group = make_group("Process A", [(1, "09:00", 90)], capacity=10)
    episodes = [make_active_episode() for _ in range(20)]
    outcomes = _run_concurrently(
        in_harbor,
        [
            lambda e=e: placement_services.placement_create(
                episode=e, group=group, start_date=today, waitlist_if_full=True
            )
            for e in episodes
        ],
    )
    assert all(o[0] == "ok" for o in outcomes), outcomes
    session = Session.objects.filter(group=group, starts_at__gt=dt.datetime.now(dt.UTC)).first()
    assert RosterEntry.objects.filter(session=session, status="booked").count() == 10
    assert RosterEntry.objects.filter(session=session, status="waitlisted").count() == 10


def test_ten_concurrent_overlapping_facilitator_bookings(in_harbor, make_group, facilitators, week):
    groups = [make_group(f"Group {i}", [(0, "09:00", 60)], lead=None) for i in range(10)]
    sessions = [Session.objects.get(group=g, local_date=week) for g in groups]
    outcomes = _run_concurrently(
        in_harbor,
        [
            lambda s=s: session_services.session_facilitator_assign(session=s, staff_profile=facilitators[0])
            for s in sessions
        ],
    )
    assert [o for o in outcomes if o[0] == "error"] == []
    assert sum(1 for o in outcomes if o[0] == "ok") == 1
    assert SessionFacilitator.objects.filter(staff_profile=facilitators[0], session__local_date=week).count() == 1
