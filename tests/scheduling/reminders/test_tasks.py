"""Scheduling's Celery jobs: beat entries, fan-out per organization, tenant entry, enqueue after
commit, and reminders at each organization's own local evening."""

from __future__ import annotations

import datetime as dt
import uuid
from unittest import mock

import pytest
from django.conf import settings
from django.core import mail

from iop import celery_app
from iop.notifications.models import Notification
from iop.tenancy.context import no_tenant_context, tenant_context
from scheduling import tasks
from scheduling.models import ReminderDispatch, ReminderStatus, RosterEntry, Session
from scheduling.services import absences as absence_services
from tests.factories import OrganizationFactory

from .conftest import CHICAGO, MONDAY, TUESDAY, at, make_org_world

pytestmark = pytest.mark.django_db


def test_beat_runs_every_scan_and_deliveries_use_the_notifications_queue():
    scheduled = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled["scheduling.reminders_scan"] == 5 * 60
    assert scheduled["scheduling.materialise_scan"] <= 24 * 60 * 60
    assert scheduled["scheduling.uncovered_scan"] == 60 * 60
    route = celery_app.amqp.router.route({}, "scheduling.reminder_deliver")
    assert route["queue"].name == "notifications"
    for name in ("scheduling.reminders_scan", "scheduling.reminders_org", "scheduling.reminder_deliver"):
        assert name in celery_app.tasks


def test_reminders_org_enters_the_tenant_and_enqueues_delivery_after_commit(
    harbor, harbor_program, clock, django_capture_on_commit_callbacks
):
    client = make_org_world(harbor, harbor_program, "lead@harbor.test")
    clock.move_to(at(MONDAY, "17:55"))
    with no_tenant_context():
        assert tasks.reminders_org.apply(args=[harbor.id]).get() == 0  # not yet evening

    clock.move_to(at(MONDAY, "18:00"))
    with no_tenant_context(), django_capture_on_commit_callbacks() as callbacks:
        assert tasks.reminders_org.apply(args=[harbor.id]).get() == 1
    with tenant_context(harbor.id):
        dispatch = ReminderDispatch.objects.get(client=client)
    assert dispatch.status == ReminderStatus.QUEUED
    assert not mail.outbox

    with mock.patch.object(tasks.reminder_deliver, "apply_async") as apply_async:
        for callback in callbacks:
            callback()
    (call,) = apply_async.call_args_list
    assert call.args[0] == (harbor.id, str(dispatch.pk))  # ids only: no PHI in broker messages

    with no_tenant_context():
        assert tasks.reminder_deliver.apply(args=[harbor.id, str(dispatch.pk)]).get() == ReminderStatus.SENT
        assert tasks.reminder_deliver.apply(args=[harbor.id, str(dispatch.pk)]).get() is None
    assert [m.to for m in mail.outbox] == [[client.email]]


def test_reminders_fire_at_each_organizations_local_evening(
    harbor, harbor_program, summit, summit_program, clock, eager, django_capture_on_commit_callbacks
):
    harbor_client = make_org_world(harbor, harbor_program, "lead@harbor.test")
    summit_client = make_org_world(summit, summit_program, "lead@summit.test")

    def scan():
        with no_tenant_context(), django_capture_on_commit_callbacks(execute=True):
            tasks.reminders_scan.apply()

    clock.move_to(at(MONDAY, "18:00"))  # 17:00 in Chicago
    scan()
    assert [m.to for m in mail.outbox] == [[harbor_client.email]]

    clock.move_to(at(MONDAY, "17:59", CHICAGO))
    scan()
    assert len(mail.outbox) == 1

    clock.move_to(at(MONDAY, "18:00", CHICAGO))
    scan()
    clock.move_to(at(MONDAY, "18:30", CHICAGO))
    scan()
    assert [m.to for m in mail.outbox] == [[harbor_client.email], [summit_client.email]]
    with tenant_context(summit.id):
        assert ReminderDispatch.objects.get().local_date == TUESDAY


def test_a_reminder_task_run_after_midnight_announces_nothing_new(
    harbor, harbor_program, clock, eager, django_capture_on_commit_callbacks
):
    make_org_world(harbor, harbor_program, "lead@harbor.test")
    clock.move_to(at(TUESDAY, "00:10"))  # Tuesday's own reminder was due Monday evening
    with no_tenant_context(), django_capture_on_commit_callbacks(execute=True):
        tasks.reminders_scan.apply()
    assert not mail.outbox


def test_materialise_scan_fans_out_to_active_organizations_only(harbor, summit):
    closed = OrganizationFactory(slug="closed", is_active=False)
    with mock.patch.object(tasks.materialise_org, "delay") as delay:
        tasks.materialise_scan.apply()
    called = sorted(call.args[0] for call in delay.call_args_list)
    assert called == sorted([harbor.id, summit.id])
    assert closed.id not in called


def test_materialise_org_rolls_the_horizon_forward_and_seats_placed_clients(harbor, harbor_program, clock):
    client = make_org_world(harbor, harbor_program, "lead@harbor.test")
    with tenant_context(harbor.id):
        before = Session.objects.count()
    clock.move_to(at(MONDAY + dt.timedelta(days=7), "03:00"))
    with no_tenant_context():
        assert tasks.materialise_org.apply(args=[harbor.id]).get() == 1
        assert tasks.materialise_org.apply(args=[harbor.id]).get() == 0  # idempotent
    with tenant_context(harbor.id):
        newest = Session.objects.order_by("-starts_at").first()
        assert Session.objects.count() == before + 1
        assert RosterEntry.objects.filter(session=newest, episode__client=client, status="booked").exists()


def test_uncovered_scan_tells_the_vas_once(harbor, harbor_program, harbor_va, clock):
    make_org_world(harbor, harbor_program, "lead@harbor.test")
    with tenant_context(harbor.id):
        session = Session.objects.get(local_date=TUESDAY)
        lead = session.facilitators.get().staff_profile
        absence_services.facilitator_absence_record(staff_profile=lead, start_date=TUESDAY, end_date=TUESDAY)
    with mock.patch.object(tasks.uncovered_org, "delay") as delay:
        tasks.uncovered_scan.apply()
    assert [c.args for c in delay.call_args_list] == [(harbor.id,)]
    with no_tenant_context():
        assert tasks.uncovered_org.apply(args=[harbor.id]).get() == 1
        assert tasks.uncovered_org.apply(args=[harbor.id]).get() == 0
    with tenant_context(harbor.id):
        (note,) = Notification.objects.filter(kind="session_uncovered").select_related("recipient")
    assert note.recipient.user_id == harbor_va.pk
    assert str(session.pk) in note.link


def test_tasks_for_an_unknown_or_closed_organization_do_nothing(clock):
    closed = OrganizationFactory(slug="closed", is_active=False)
    with no_tenant_context():
        assert tasks.reminders_org.apply(args=[closed.id]).get() == 0
        assert tasks.materialise_org.apply(args=[closed.id]).get() == 0
        assert tasks.reminder_deliver.apply(args=[closed.id, str(uuid.uuid4())]).get() is None
