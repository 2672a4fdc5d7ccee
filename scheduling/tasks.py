"""Scheduling's Celery jobs: thin adapters from beat and the queue to the services.

Beat fires a `*_scan` task that fans out one task per active organization (ids only: broker
messages are plain text, so no PHI). Each per-organization task is a `TenantTask`: it runs inside
that tenant, under RLS like a web request. Reminders are never scheduled as long-ETA tasks (a
Redis redelivery would duplicate them); the scan runs every five minutes and the dispatch rows
make every re-run a no-op (scheduling/reminders/services.py).
"""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError, transaction

from iop.common.tasks import DB_RETRY, RetryOptions, TenantTask, active_organization, organizations_fan_out
from iop.notifications.providers import ProviderError

# Only errors that say "try again later" are retried; anything else is a bug or a refusal.
TRANSIENT_ERRORS = (ProviderError, ConnectionError, OperationalError)
RETRY: RetryOptions = {
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 5,
}


# --- Materialisation ----------------------------------------------------------------------------


@shared_task(name="scheduling.materialise_scan")
def materialise_scan() -> None:
    organizations_fan_out(materialise_org)


@shared_task(base=TenantTask, name="scheduling.materialise_org", reject_on_worker_lost=True, **DB_RETRY)
def materialise_org(organization_id: int) -> int:
    """Roll the organization's sessions forward to the horizon (idempotent)."""
    from .services.materialisation import sessions_materialise

    organization = active_organization(organization_id)
    if organization is None:
        return 0
    return len(sessions_materialise(organization=organization))


# --- Reminders -----------------------------------------------------------------------------------


@shared_task(name="scheduling.reminders_scan")
def reminders_scan() -> None:
    organizations_fan_out(reminders_org)


@shared_task(base=TenantTask, name="scheduling.reminders_org", reject_on_worker_lost=True, **DB_RETRY)
def reminders_org(organization_id: int) -> int:
    """Sweep stuck sends; past the local reminder time, prepare tomorrow's dispatches and queue
    their delivery once the rows are committed."""
    from .reminders.services import reminders_run

    organization = active_organization(organization_id)
    if organization is None:
        return 0
    with transaction.atomic():
        dispatch_ids = reminders_run(organization=organization)
        for dispatch_id in dispatch_ids:
            reminder_deliver.delay_on_commit(organization_id, str(dispatch_id))
    return len(dispatch_ids)


class ReminderDeliverTask(TenantTask):
    abstract = True

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        # Retries used up on a transient error: the row is back in `queued`; say it failed so
        # the VA page shows it instead of the next scan trying again all evening.
        from iop.tenancy.context import tenant_context

        from .reminders.services import reminder_fail

        organization_id, dispatch_id = args[0], args[1]
        with tenant_context(organization_id):
            reminder_fail(dispatch_id=dispatch_id, error="Delivery failed after several attempts.")


# Idempotent by its claim (a redelivered task finds the row taken), so a lost worker may requeue it.
@shared_task(base=ReminderDeliverTask, name="scheduling.reminder_deliver", reject_on_worker_lost=True, **RETRY)
def reminder_deliver(organization_id: int, dispatch_id: str) -> str | None:
    from .reminders.services import reminder_deliver as deliver

    dispatch = deliver(dispatch_id=dispatch_id)
    return dispatch.status if dispatch is not None else None


# --- Coverage ------------------------------------------------------------------------------------


@shared_task(name="scheduling.uncovered_scan")
def uncovered_scan() -> None:
    organizations_fan_out(uncovered_org)


@shared_task(base=TenantTask, name="scheduling.uncovered_org", reject_on_worker_lost=True, **DB_RETRY)
def uncovered_org(organization_id: int) -> int:
    """Tell the VAs (once per session) about sessions without a lead in the alert window."""
    from .services.absences import uncovered_sessions_notify

    organization = active_organization(organization_id)
    if organization is None:
        return 0
    return uncovered_sessions_notify(organization=organization)
