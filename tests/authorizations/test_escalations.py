"""Deadline clocks escalate once per threshold however often the hourly job runs."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from authorizations.escalations import Clock, clocks_escalate, threshold_crossed
from authorizations.models import ClockEscalation, ClockKind
from iop.notifications.models import Notification
from iop.tenancy.models import Membership

pytestmark = pytest.mark.django_db

DUE = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("before", "expected"),
    [
        (dt.timedelta(hours=30), None),
        (dt.timedelta(hours=24), 24),
        (dt.timedelta(hours=5), 24),
        (dt.timedelta(hours=4), 4),
        (dt.timedelta(minutes=1), 4),
        (dt.timedelta(0), 0),
        (-dt.timedelta(days=2), 0),
    ],
)
def test_the_tightest_threshold_crossed_is_the_one_raised(before, expected):
    assert threshold_crossed(DUE, DUE - before) == expected


def _source(subject_id, due_at, recipients):
    def source(*, organization, now):
        return [
            Clock(
                kind=ClockKind.APPEAL_FILING,
                subject_id=subject_id,
                due_at=due_at,
                title="Appeal due",
                link="/o/harbor/",
                recipients=tuple(recipients),
            )
        ]

    return source


def test_a_repeated_job_escalates_each_threshold_exactly_once(in_harbor, harbor_va, harbor_admin):
    members = list(Membership.objects.filter(user__in=[harbor_va, harbor_admin]))
    subject = uuid.uuid4()
    due = timezone.now() + dt.timedelta(hours=30)
    source = _source(subject, due, members)

    def run(at):
        return clocks_escalate(organization=in_harbor, now=at, sources=[source])

    assert run(due - dt.timedelta(hours=30)) == []  # not within a day yet
    assert [e.threshold_hours for e in run(due - dt.timedelta(hours=23))] == [24]
    assert run(due - dt.timedelta(hours=22)) == []  # the hour after: nothing new
    assert [e.threshold_hours for e in run(due - dt.timedelta(hours=3))] == [4]
    assert run(due - dt.timedelta(hours=2)) == []
    assert [e.threshold_hours for e in run(due + dt.timedelta(minutes=5))] == [0]
    assert run(due + dt.timedelta(hours=5)) == []

    assert ClockEscalation.objects.filter(subject_id=subject).count() == 3
    for member in members:
        told = Notification.objects.filter(recipient=member, kind="clock_escalation")
        assert [n.body.split(" — ")[-1] if "within" in n.body else "past" for n in told.order_by("created_at")] == [
            "within 24 hours.",
            "within 4 hours.",
            "past",
        ]


def test_a_moved_deadline_is_a_new_clock(in_harbor, harbor_va):
    members = list(Membership.objects.filter(user=harbor_va))
    subject = uuid.uuid4()
    now = timezone.now()
    first = clocks_escalate(
        organization=in_harbor, now=now, sources=[_source(subject, now + dt.timedelta(hours=3), members)]
    )
    moved = clocks_escalate(
        organization=in_harbor, now=now, sources=[_source(subject, now + dt.timedelta(hours=20), members)]
    )
    assert [e.threshold_hours for e in first] == [4]
    assert [e.threshold_hours for e in moved] == [24]
