"""The evening reminder job survives a worker killed mid-run: killed with `kill -9` after writing
tomorrow's dispatch rows (not committed, no delivery queued) and finished by a new worker, it
leaves the rows of an uninterrupted run and queues exactly one delivery per reminder
(tests/workers.py `job_killed_mid_way_and_redone`). The deliveries themselves surviving killed
workers is test_worker_crash.py's subject."""

from __future__ import annotations

import pytest

from iop.tenancy.context import tenant_context
from scheduling import tasks
from scheduling.models import ReminderDispatch
from tests.workers import job_killed_mid_way_and_redone, queued_tasks

from .conftest import MONDAY, at

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_a_killed_evening_job_is_finished_by_the_next_worker_and_queues_each_reminder_once(
    broker, world, clock, tmp_path
):
    organization = world["process"].organization

    def snapshot():
        with tenant_context(organization.id):
            return sorted(ReminderDispatch.objects.values_list("client_id", "local_date", "channel", "status"))

    clock.move_to(at(MONDAY, "18:05"))
    reference, killed, after = job_killed_mid_way_and_redone(
        tasks.reminders_org, organization.id, step="reminders", snapshot=snapshot, tmp_path=tmp_path
    )
    assert len(reference) >= 3  # ana, ben, eve (cara has no consent, dan no reminders)
    assert killed == []  # killed mid-way: its transaction left nothing behind, queued nothing
    assert after == reference
    with tenant_context(organization.id):
        queued = ReminderDispatch.objects.filter(status="queued").values_list("pk", flat=True)
        dispatches = sorted(str(pk) for pk in queued)
    deliveries = queued_tasks("notifications")
    assert deliveries == [("scheduling.reminder_deliver", [organization.id, pk]) for pk in dispatches]
