"""The case's clocks escalate through the shared hourly job: the peer-to-peer window (nothing
scheduled yet), the appeal filing deadline (not filed) and the decision (filed, pending) — each a
day before, four hours before and when passed, exactly once per threshold however often the job
runs, to the treating clinician, the VAs and the org admin."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from authorizations.appeals import selectors, services
from authorizations.escalations import clock_sources, clocks_escalate
from authorizations.models import Appeal, AppealLevel, ClockEscalation, ClockKind, DenialCase
from iop.notifications.models import Notification

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)


def run(organization, at):
    return clocks_escalate(organization=organization, now=at, sources=selectors.CLOCK_SOURCES)


def test_the_sources_are_registered_at_startup():
    registered = clock_sources()
    for source in selectors.CLOCK_SOURCES:
        assert source in registered


def test_the_p2p_window_escalates_once_per_threshold_to_the_clinician_vas_and_admin(
    case, in_harbor, harbor_va, harbor_admin, harbor_clinician, harbor_intake
):
    due = case.p2p_due_at
    assert run(in_harbor, due - 30 * HOUR) == []
    first = run(in_harbor, due - 23 * HOUR)
    assert [(e.kind, e.threshold_hours) for e in first] == [(ClockKind.P2P_WINDOW, 24)]
    assert run(in_harbor, due - 22 * HOUR) == []  # the next hourly run: nothing new
    assert [e.threshold_hours for e in run(in_harbor, due - 3 * HOUR)] == [4]
    assert run(in_harbor, due - 3 * HOUR) == []
    assert [e.threshold_hours for e in run(in_harbor, due + HOUR)] == [0]
    assert run(in_harbor, due + 2 * HOUR) == []
    assert ClockEscalation.objects.filter(subject_id=case.pk).count() == 3

    told = Notification.objects.filter(kind="clock_escalation")
    assert {n.recipient.user for n in told} == {harbor_va, harbor_admin, harbor_clinician}
    assert told.filter(recipient__user=harbor_clinician).count() == 3
    assert all(f"/denials/{case.pk}/" in n.link for n in told)


def test_a_scheduled_p2p_stops_the_window_clock(case, in_harbor, harbor_intake):
    services.p2p_schedule(case=case, scheduled_at=timezone.now() + HOUR, actor=harbor_intake)
    assert run(in_harbor, case.p2p_due_at - HOUR) == []


def test_the_filing_and_decision_clocks(case, in_harbor, harbor_va, harbor_intake):
    appeal = Appeal.objects.get(case=case, level=AppealLevel.INTERNAL_1)
    soon = timezone.now() + 10 * HOUR
    Appeal.objects.filter(pk=appeal.pk).update(filing_due_at=soon)
    DenialCase.objects.filter(pk=case.pk).update(p2p_due_at=None)
    made = run(in_harbor, timezone.now())
    assert [(e.kind, e.subject_id, e.threshold_hours) for e in made] == [(ClockKind.APPEAL_FILING, appeal.pk, 24)]
    assert run(in_harbor, timezone.now()) == []

    filed = services.appeal_file(case=case, letter="Letter.", expedited=True, channel="fax", actor=harbor_intake)
    assert run(in_harbor, timezone.now()) == []  # filed: no filing clock; decision 72 h out
    at = filed.decision_due_at - 2 * HOUR
    made = run(in_harbor, at)
    assert [(e.kind, e.subject_id, e.threshold_hours) for e in made] == [(ClockKind.APPEAL_DECISION, filed.pk, 4)]
    assert run(in_harbor, at) == []
    services.appeal_outcome_record(appeal=filed, outcome="overturned", actor=harbor_intake)
    assert run(in_harbor, filed.decision_due_at + HOUR) == []  # closed: no clock
