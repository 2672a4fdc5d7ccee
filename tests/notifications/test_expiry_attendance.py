"""Attendance's inbox lines say what to do and name the clients; each leaves the unread list once
what it points at is fixed: the roll call taken, the flag resolved, the alert acknowledged."""

from __future__ import annotations

import datetime as dt

import pytest

from attendance.hours.services import flag_resolve
from attendance.models import AlertAction
from attendance.patterns.services import alert_acknowledge
from attendance.roll_call.services import RollCallLine, missing_attendance_notify, roll_call_save
from iop.notifications.models import Notification
from iop.notifications.selectors import unread_count
from iop.notifications.services import notifications_resolve
from iop.tenancy.models import Membership

pytestmark = pytest.mark.django_db


def test_missing_attendance_names_whose_roll_call_to_take_and_leaves_once_taken(
    in_harbor, roll_call, facilitators, harbor_va
):
    now = in_harbor.local_datetime(in_harbor.local_today(), dt.time(23, 30))
    assert missing_attendance_notify(organization=in_harbor, now=now) == 1
    by_name = sorted(roll_call.episodes, key=lambda e: (e.client.last_name, e.client.first_name))
    names = [e.client.display_name for e in by_name]
    session = roll_call.session

    lead = Notification.objects.get(kind="attendance_missing", recipient=facilitators[0].membership)
    assert lead.title.startswith("Take roll call for Process A, ")
    assert lead.body == f"No attendance yet for {names[0]}, {names[1]} and {names[2]}."
    assert lead.subject_ids == [session.pk]
    summary = Notification.objects.get(kind="attendance_missing", recipient__user=harbor_va)
    assert summary.title == "Take roll call for 1 past session without complete attendance"
    assert all(name in summary.body for name in names)
    assert notifications_resolve(organization=in_harbor) == 0

    # Two of three recorded: still missing for the third.
    lines = [RollCallLine(roster_entry_id=e.pk, status="present") for e in roll_call.entries]
    roll_call_save(session=session, lines=lines[:2], actor=None)
    assert notifications_resolve(organization=in_harbor) == 0
    roll_call_save(session=session, lines=lines[2:], actor=None)
    notifications_resolve(organization=in_harbor)
    assert not Notification.objects.filter(kind="attendance_missing", resolved_at__isnull=True).exists()
    assert (
        unread_count(membership=Membership.objects.get(user=harbor_va))
        == Notification.objects.filter(
            recipient__user=harbor_va, read_at__isnull=True, resolved_at__isnull=True
        ).count()
    )


def test_hours_flags_and_absence_alerts_name_the_client_and_leave_once_dealt_with(
    in_harbor, raised, roll_call, harbor_va
):
    flags, alert = raised
    first, second, third = roll_call.episodes
    va = Membership.objects.get(user=harbor_va)

    short = Notification.objects.filter(kind="hours_below_minimum", recipient=va)
    assert short.count() == 3
    line = short.get(dedupe_key=f"flag:{flags[first.pk].pk}")
    assert line.title == f"Say what was done about {first.client.display_name}'s week below the required hours"
    assert line.client_id == first.client_id and line.subject_ids == [flags[first.pk].pk]

    told = Notification.objects.filter(kind="absence_alert", dedupe_key=f"alert:{alert.pk}")
    assert told.exists()
    assert {n.title for n in told} == {f"Record the reason for {second.client.display_name}'s absence"}
    assert notifications_resolve(organization=in_harbor) == 0

    flag_resolve(flag=flags[first.pk], actor=harbor_va, resolution="Sessions added for next week.")
    alert_acknowledge(alert=alert, actor=harbor_va, action_taken=AlertAction.REASON_DOCUMENTED)
    fixed = Notification.objects.filter(dedupe_key=f"flag:{flags[first.pk].pk}").count() + told.count()
    assert notifications_resolve(organization=in_harbor) == fixed
    assert set(short.filter(resolved_at__isnull=True).values_list("client_id", flat=True)) == {
        second.client_id,
        third.client_id,
    }
    assert not told.filter(resolved_at__isnull=True).exists()
