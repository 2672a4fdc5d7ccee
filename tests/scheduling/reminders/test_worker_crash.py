"""Reminders survive workers killed mid-delivery: a real worker process dies by SIGKILL at each step
of a delivery — after the claim, after the provider call, before the sent marks commit — and every
consenting client still ends with exactly one message recorded, or with a visible "status unknown"
row on the VA's Reminders page: never nothing, never two messages under one key.

Everything between the evening job and the provider is real: the Redis broker, separate
`celery worker` processes (prefork, as deployed) on the test database as the app role, the evening
job's sweep. A worker kills itself at the crash point named by `IOP_TEST_CRASH_AT`
(iop/common/crash.py) on every delivery; its pool replaces the dead process and the broker hands
the task out again, as in production. The providers keep a journal of what actually left
(tests/notifications/journal.py): email through one that cannot drop a repeat, SMS through one
that deduplicates by idempotency key. One test runs the three steps, so that the three workers
start together and share one evening, one sweep and one recovering worker (each start costs
seconds).
"""

from __future__ import annotations

from contextlib import ExitStack

import pytest
from django.urls import reverse

from iop.notifications.models import OutboundMessage
from iop.tenancy.context import no_tenant_context, tenant_context
from scheduling import tasks
from scheduling.models import ReminderDispatch, ReminderStatus
from scheduling.reminders import services as reminder_services
from scheduling.services import placements as placement_services
from tests.conftest import login
from tests.notifications.journal import journal_keys
from tests.workers import wait_for, worker_process

from .conftest import MONDAY, TUESDAY, at, set_reminders

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

STEPS = ("after_claim", "after_provider_call", "before_mark_sent")
CHANNELS = ("email", "sms")  # a provider that cannot drop a repeat, and one that deduplicates


def _statuses(organization, keys) -> dict[str, str]:
    with tenant_context(organization.id):
        return {str(pk): s for pk, s in ReminderDispatch.objects.filter(pk__in=keys).values_list("pk", "status")}


def test_workers_killed_at_each_step_lose_no_reminder_and_send_none_twice(
    broker, world, make_active_episode, journal, clock, client, harbor_va, tmp_path, today
):
    organization = world["process"].organization
    # For each step, an email client and an SMS client whose deliveries are killed at it; ana
    # (email) and ben (SMS) are delivered later by a worker that lives.
    caught = {}
    for step in STEPS:
        for channel in CHANNELS:
            episode = make_active_episode()
            caught[step, channel] = set_reminders(episode.client, channel)
            placement_services.placement_create(episode=episode, group=world["skills"], start_date=today)
    clients = {**caught, ("none", "email"): world["ana"], ("none", "sms"): world["ben"]}

    clock.move_to(at(MONDAY, "18:00"))
    with tenant_context(organization.id):
        reminder_services.reminders_prepare(organization=organization)  # the evening job's rows
        key = {
            where: str(ReminderDispatch.objects.get(client=person, local_date=TUESDAY).pk)
            for where, person in clients.items()
        }

    # One worker per step, started together (a worker takes seconds to start). Each consumes its
    # own copy of the notifications queue, so that each step's deliveries die at that step.
    with ExitStack() as workers:
        logs = {}
        for step in STEPS:
            for channel in CHANNELS:  # as the evening job queues them, ids only
                tasks.reminder_deliver.apply_async(args=[organization.id, key[step, channel]], queue=f"crash-{step}")
            logs[step] = tmp_path / f"worker-{step}.log"
            env = {"IOP_TEST_CRASH_AT": step}
            workers.enter_context(worker_process(logs[step], queues=[f"crash-{step}"], env=env))
        for step, log in logs.items():
            keys = [key[step, channel] for channel in CHANNELS]
            wait_for(
                lambda keys=keys: set(_statuses(organization, keys).values()) == {ReminderStatus.DELIVERING},
                what=f"both deliveries to be claimed ({step})",
                log=log,
            )
            # Each task, handed out again after its process died, finds its dispatch taken.
            wait_for(
                lambda log=log: log.read_text().count("succeeded") >= 2, what=f"both redeliveries ({step})", log=log
            )
            assert log.read_text().count("signal 9 (SIGKILL)") >= 2, step
    sent = journal_keys()
    for step in STEPS:
        left = {k for k in (key[step, channel] for channel in CHANNELS) if sent[k]}
        assert left == (set() if step == "after_claim" else {key[step, c] for c in CHANNELS}), step

    with tenant_context(organization.id):
        recorded = dict(OutboundMessage.objects.values_list("idempotency_key", "status"))
    assert recorded == {key[where]: "pending" for where in caught}  # recorded before any provider call

    # Half an hour later the evening job's next run sweeps the stuck deliveries: SMS again under
    # the same key, email to the VAs. The queued ones (ana, ben) go out as usual.
    clock.move_to(at(MONDAY, "18:35"))
    with no_tenant_context():
        tasks.reminders_org.apply(args=[organization.id]).get()
    log = tmp_path / "worker-recovery.log"
    with worker_process(log, queues=["notifications"]):
        wait_for(
            lambda: (
                not {ReminderStatus.QUEUED, ReminderStatus.DELIVERING}
                & set(_statuses(organization, key.values()).values())
            ),
            what="the remaining deliveries",
            log=log,
        )

    sent = journal_keys()
    assert all(count == 1 for count in sent.values()), sent  # never two messages under one key
    with tenant_context(organization.id):
        outbox = dict(OutboundMessage.objects.values_list("idempotency_key", "status"))
    assert set(sent) <= set(outbox)  # nothing left without an outbox record
    statuses = _statuses(organization, key.values())
    for (step, channel), k in key.items():
        if channel == "sms" or step == "none":  # delivered once, under its key
            assert (statuses[k], outbox[k], sent[k]) == ("sent", "sent", 1), (step, channel)
        else:  # whether it left cannot be known: a VA must check it
            assert (statuses[k], outbox[k]) == ("unknown", "unknown"), (step, channel)
            assert sent.get(k, 0) == (0 if step == "after_claim" else 1), (step, channel)

    login(client, harbor_va)
    page = client.get(reverse("reminders:preview", kwargs={"org_slug": organization.slug})).content.decode()
    assert "Status unknown — check and resend" in page
    for step in STEPS:
        assert caught[step, "email"].sort_name in page
        resend = reverse("reminders:resend", kwargs={"org_slug": organization.slug, "dispatch_id": key[step, "email"]})
        assert f'action="{resend}"' in page
