"""The base of every tenant Celery task.

Arguments are ids only, `organization_id` first: broker messages and monitoring show arguments in
plain text, so PHI never travels in them. The task enters that tenant for its whole run, so RLS
applies to the worker exactly as to the web. Subclassing `DjangoTask` keeps `delay_on_commit()`:
a task enqueued before its rows are committed would find nothing, and under RLS "nothing" looks
exactly like "not yours".
"""

from __future__ import annotations

from typing import Any, TypedDict

from celery import shared_task
from celery.contrib.django.task import DjangoTask
from django.db import InterfaceError, OperationalError

from iop.tenancy.context import tenant_context
from iop.tenancy.models import Organization


class RetryOptions(TypedDict):
    """`shared_task` keyword arguments for automatic retries (typed, so `**DB_RETRY` type-checks)."""

    autoretry_for: tuple[type[BaseException], ...]
    retry_backoff: bool
    retry_backoff_max: int
    retry_jitter: bool
    max_retries: int


# Retry only errors that say "try again later" (the database or broker briefly away), with
# backoff and jitter; anything else is a bug or a refusal and fails at once.
DB_RETRY: RetryOptions = {
    "autoretry_for": (ConnectionError, OperationalError, InterfaceError),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 5,
}


class TenantTask(DjangoTask):
    abstract = True

    # Returns None, as DjangoTask's does (its stubs say AsyncResult: hence Any).
    def delay_on_commit(self, *args: Any, **kwargs: Any) -> Any:
        """`delay()` once the caller's transaction commits, through the outbox (iop/common/outbox.py):
        written with the transaction, so a broker that is down at commit time loses nothing."""
        from .outbox import outbox_task_hold

        outbox_task_hold(task=self, organization_id=args[0], args=args, kwargs=kwargs)

    def apply_async_on_commit(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("Use delay_on_commit: it goes through the outbox.")

    def __call__(self, organization_id: int, *args, **kwargs):
        if not isinstance(organization_id, int):
            raise TypeError("Tenant tasks take the organization id (an int) as their first argument.")
        with tenant_context(organization_id):
            return super().__call__(organization_id, *args, **kwargs)


def organizations_fan_out(task) -> None:
    """One `task(organization_id)` per active organization: beat runs one scan, each tenant its own
    task (a failure or a slow tenant never holds up the others)."""
    for organization_id in Organization.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True):
        task.delay(organization_id)


def active_organization(organization_id: int) -> Organization | None:
    """The task's organization, or None when it was deactivated after the task was queued."""
    return Organization.objects.filter(pk=organization_id, is_active=True).first()


# --- The outbox relay ------------------------------------------------------------------------------


@shared_task(name="common.outbox_relay_scan")
def outbox_relay_scan() -> None:
    organizations_fan_out(outbox_relay_org)


@shared_task(base=TenantTask, name="common.outbox_relay_org", reject_on_worker_lost=True, **DB_RETRY)
def outbox_relay_org(organization_id: int) -> int:
    """Queue the tasks that Redis could not take when their transaction committed."""
    from .outbox import outbox_relay

    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:
        return 0
    return outbox_relay(organization=organization)
