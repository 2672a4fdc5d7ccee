"""The task outbox: tasks queued "on commit" are written in the caller's transaction first
(`OutboxTask`), so a save whose commit succeeded never loses its task to a broker that is down.

`outbox_task_hold` runs inside the transaction (from `TenantTask.delay_on_commit`): the row, and an
on-commit hand-over. `_hand_over` gives the task to Redis and deletes the row; if Redis does not
answer, the row stays, the save still succeeds, and `outbox_relay` (beat, every minute) hands the
task over once Redis is back. Rows younger than a minute are left to their own on-commit hand-over.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging

import kombu.exceptions
import redis.exceptions
from django.db import DatabaseError, transaction
from django.utils import timezone

from iop.tenancy.context import tenant_context
from iop.tenancy.models import Organization

from .models import OutboxTask

logger = logging.getLogger(__name__)

# What a publish raises when Redis is down: kombu's wrapper after its retries, or redis-py's own.
BROKER_ERRORS = (kombu.exceptions.OperationalError, redis.exceptions.ConnectionError, ConnectionError)
RELAY_AFTER = dt.timedelta(minutes=1)
RELAY_BATCH = 500


def outbox_task_hold(*, task, organization_id: int, args: tuple, kwargs: dict) -> None:
    """Record `task(*args, **kwargs)` in the current transaction; hand it over once it commits."""
    with tenant_context(organization_id):
        row = OutboxTask.all_objects.create(
            organization_id=organization_id, name=task.name, args=list(args), kwargs=kwargs
        )
    transaction.on_commit(functools.partial(_hand_over, task, row.pk, organization_id, args, kwargs))


def _hand_over(task, row_id, organization_id: int, args: tuple, kwargs: dict) -> None:
    try:
        task.delay(*args, **kwargs)
    except BROKER_ERRORS:
        # The save is committed and so is its task: the relay queues it when Redis is back.
        logger.warning("Broker unavailable: task %s kept in the outbox (%s) for the relay.", task.name, row_id)
        return
    try:
        with tenant_context(organization_id):
            OutboxTask.all_objects.filter(pk=row_id).delete()
    except DatabaseError:
        # Queued, but the row stays: the relay queues it again (tasks are idempotent).
        logger.warning("Outbox row %s of task %s not deleted; the relay will queue it again.", row_id, task.name)


@transaction.atomic
def outbox_relay(*, organization: Organization, now: dt.datetime | None = None) -> int:
    """Hand over the organization's tasks still in the outbox a minute after their commit (Redis
    was down then). Rows are locked (skip locked), so two relays never queue one twice."""
    from iop import celery_app

    cutoff = (now or timezone.now()) - RELAY_AFTER
    rows = list(
        OutboxTask.objects.filter(created_at__lt=cutoff)
        .select_for_update(skip_locked=True)
        .order_by("created_at")[:RELAY_BATCH]
    )
    for row in rows:
        celery_app.tasks[row.name].delay(*row.args, **row.kwargs)
    OutboxTask.objects.filter(pk__in=[row.pk for row in rows]).delete()
    return len(rows)
