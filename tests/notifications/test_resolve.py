"""Resolving inbox lines whose subject was fixed: each kind's declared check, lines without subjects
left alone, a line coming back when its subject needs doing again (for two weeks), one member's
inbox or the whole organization, the background job; and the kinds the apps declare."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.conf import settings
from django.utils import timezone

from iop.notifications import tasks
from iop.notifications.hooks import _KINDS, NoticeKind, kind_heading, names_text, notice_kind, notice_kind_register
from iop.notifications.models import Notification
from iop.notifications.services import REOPEN_WINDOW, Notice, notices_send, notifications_resolve
from iop.tenancy.context import tenant_context
from iop.tenancy.models import Membership

pytestmark = pytest.mark.django_db

OPEN: set[uuid.UUID] = set()


@pytest.fixture
def toggled(monkeypatch):
    """A kind whose subjects are open while they are in `OPEN`."""
    OPEN.clear()

    def still_open(*, organization, subject_ids, now):
        return subject_ids & OPEN

    monkeypatch.setitem(_KINDS, "toggled", NoticeKind("toggled", "Toggled things", still_open))
    return OPEN


def _send(organization, membership, key: str, *, kind: str = "toggled", subjects=()) -> Notification:
    with tenant_context(organization.id):
        notices_send(
            organization=organization,
            notices=[
                Notice(recipient=membership, kind=kind, title=key, link="", dedupe_key=key, subject_ids=list(subjects))
            ],
        )
        return Notification.objects.get(dedupe_key=key, recipient=membership)


def _state(line: Notification) -> bool:
    """Whether the line is resolved now."""
    line.refresh_from_db()
    return line.resolved_at is not None


@pytest.fixture
def members(harbor, harbor_va, harbor_admin):
    with tenant_context(harbor.id):
        return Membership.objects.get(user=harbor_va), Membership.objects.get(user=harbor_admin)


def test_a_line_resolves_when_none_of_its_subjects_is_open_and_comes_back_when_one_is(in_harbor, toggled, members):
    va, _ = members
    a, b = uuid.uuid4(), uuid.uuid4()
    toggled.update({a, b})
    line = _send(in_harbor, va, "two", subjects=[a, b])
    assert notifications_resolve(organization=in_harbor) == 0
    toggled.discard(a)
    assert notifications_resolve(organization=in_harbor) == 0 and not _state(line)  # b still needs doing
    toggled.discard(b)
    assert notifications_resolve(organization=in_harbor) == 1 and _state(line)
    assert notifications_resolve(organization=in_harbor) == 0  # a second run changes nothing
    toggled.add(b)
    notifications_resolve(organization=in_harbor)
    assert not _state(line)


def test_a_line_resolved_long_ago_stays_resolved(in_harbor, toggled, members):
    va, _ = members
    subject = uuid.uuid4()
    line = _send(in_harbor, va, "old", subjects=[subject])
    notifications_resolve(organization=in_harbor)
    Notification.objects.filter(pk=line.pk).update(
        resolved_at=timezone.now() - REOPEN_WINDOW - dt.timedelta(hours=1),
        created_at=timezone.now() - REOPEN_WINDOW - dt.timedelta(days=1),
    )
    toggled.add(subject)
    notifications_resolve(organization=in_harbor)
    assert _state(line)


def test_lines_without_subjects_or_of_kinds_without_a_check_stay(in_harbor, toggled, members):
    va, _ = members
    news = _send(in_harbor, va, "news")
    other = _send(in_harbor, va, "undeclared", kind="undeclared", subjects=[uuid.uuid4()])
    notifications_resolve(organization=in_harbor)
    assert not _state(news) and not _state(other)


def test_one_members_inbox_or_the_whole_organization(in_harbor, toggled, members, summit, summit_va):
    va, admin = members
    mine = _send(in_harbor, va, "mine", subjects=[uuid.uuid4()])
    theirs = _send(in_harbor, admin, "theirs", subjects=[uuid.uuid4()])
    with tenant_context(summit.id):
        stranger = Membership.objects.get(user=summit_va)
    foreign = _send(summit, stranger, "foreign", subjects=[uuid.uuid4()])
    assert notifications_resolve(organization=in_harbor, recipient=va) == 1
    assert _state(mine) and not _state(theirs)
    assert notifications_resolve(organization=in_harbor) == 1 and _state(theirs)
    with tenant_context(summit.id):
        assert not _state(foreign)


def test_the_background_job_resolves_each_organization_in_its_tenant(harbor, toggled, members, eager_celery):
    va, _ = members
    line = _send(harbor, va, "job", subjects=[uuid.uuid4()])
    assert tasks.resolve_org(harbor.pk) == 1
    with tenant_context(harbor.id):
        assert _state(line)
    scheduled = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled["notifications.resolve_scan"] <= 15 * 60


def test_every_kind_the_apps_send_is_declared_and_the_fixable_ones_have_a_check():
    fixable = {
        "session_uncovered",
        "waitlist_promoted",
        "attendance_missing",
        "absence_alert",
        "hours_at_risk",
        "hours_cannot_reach",
        "hours_below_minimum",
        "chase_ends_14",
        "chase_ends_7",
        "chase_ends_3",
        "chase_units_out",
        "chase_decision_overdue",
        "chase_information_due",
        "clock_escalation",
        "review_packet",
        "review_call_reminder",
        "denial_case",
    }
    news = {"authorization_approved", "message_unknown", "review_step_down", "discharge_step_down"}
    for kind in fixable | news:
        declared = notice_kind(kind)
        assert declared is not None, kind
        assert (declared.still_open is not None) == (kind in fixable), kind
        assert declared.heading and declared.heading != kind


def test_kind_headings_and_names():
    assert kind_heading("session_uncovered") == "Sessions without a facilitator"
    assert kind_heading("something_new") == "Something new"
    with pytest.raises(ValueError, match="already declared differently"):
        notice_kind_register(NoticeKind("session_uncovered", "Another heading"))
    assert names_text([]) == ""
    assert names_text(["Ana Varga"]) == "Ana Varga"
    assert names_text(["Ana Varga", "Ben Ode"]) == "Ana Varga and Ben Ode"
    assert names_text(["A", "B", "C"]) == "A, B and C"
    assert names_text(["A", "B", "C", "D", "E"]) == "A, B, C and 2 more"
    assert names_text(["A", "B", "C"], shown=2) == "A, B and 1 more"
