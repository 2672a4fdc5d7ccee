"""Scheduling's lines on Today: each appears for the VA, says what is wrong, and leaves once fixed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from iop.tenancy.context import tenant_context
from scheduling.models import Session
from scheduling.services.placements import placement_create
from scheduling.services.rosters import roster_book
from scheduling.services.sessions import session_facilitator_assign

from .panels import lines

pytestmark = pytest.mark.django_db


def _next_session(group, *, within: dt.timedelta) -> Session:
    sessions = Session.objects.filter(group=group, starts_at__gte=timezone.now()).order_by("starts_at")
    session = sessions.first()
    assert session is not None and session.starts_at - timezone.now() < within
    return session


def test_an_uncovered_session_within_two_days_is_urgent_and_leaves_once_covered(
    as_va, in_harbor, make_group, facilitators, today
):
    # A group meeting every day with no lead: its next session is within 24 hours.
    group = make_group("Evening Skills", [(d, "21:00", 60) for d in range(7)], kind="skills", lead=None)
    session = _next_session(group, within=dt.timedelta(hours=25))

    [line] = [line for line in lines(as_va, "uncovered") if str(session.pk) in line.url]
    assert line.status == "No lead facilitator" and line.tone == "alert"
    assert line.url.endswith(f"/sessions/{session.pk}/#facilitators")

    with tenant_context(in_harbor.id):
        session_facilitator_assign(session=session, staff_profile=facilitators[0])
    assert not [line for line in lines(as_va, "uncovered") if str(session.pk) in line.url]


def test_scheduling_gaps_put_the_unplaced_first(as_va, in_harbor, make_active_episode, make_group, today):
    # A placed client short of hours (one 60-minute group a week against 9 h) and an unplaced one
    # whose name sorts after: the unplaced one still comes first.
    group = make_group("Monday Process", [(0, "09:00", 60)])
    short = make_active_episode(hours=9, days=3)
    unplaced = make_active_episode(hours=9, days=3)
    with tenant_context(in_harbor.id):
        for episode, last_name in ((short, "Aaron"), (unplaced, "Zimmer")):
            episode.client.last_name = last_name
            episode.client.save()
        placement_create(episode=short, group=group, start_date=today)

    found = lines(as_va, "scheduling_gaps")
    assert [line.text.split(",")[0] for line in found] == ["Zimmer", "Aaron"]
    assert found[0].status == "No group placement" and found[0].tone == "alert"
    assert found[1].status.startswith(("This week:", "Next week:")) and " of 9.0 h scheduled" in found[1].status


def test_tonights_reminders_count_only_clients_a_reminder_can_reach(as_va, in_harbor, make_active_episode, make_group):
    group = make_group("Morning Process", [(d, "09:00", 90) for d in range(7)])
    tomorrow = in_harbor.local_today() + dt.timedelta(days=1)
    reachable = make_active_episode()
    unreachable = make_active_episode()
    with tenant_context(in_harbor.id):
        client = reachable.client
        client.reminder_channel, client.reminder_consent, client.email = "email", True, "ana@example.test"
        client.save()
        session = Session.objects.get(group=group, local_date=tomorrow)
        roster_book(session=session, episode=reachable)
        roster_book(session=session, episode=unreachable)

    [line] = lines_of_summary(as_va)
    assert line.text.endswith(": 1 client")
    assert "0 sent" in line.status and "1 to send at 18:00" in line.status


def lines_of_summary(client):
    from .panels import panel, today_board

    loaded = panel(today_board(client), "reminders")
    assert loaded is not None and not loaded.items.more
    return loaded.items.lines
