"""The base of every tenant Celery task.

Arguments are ids only, `organization_id` first: broker messages and monitoring show arguments in
plain text, so PHI never travels in them. The task enters that tenant for its whole run, so RLS
applies to the worker exactly as to the web. Subclassing `DjangoTask` keeps `delay_on_commit()`:
a task enqueued before its rows are committed would find nothing, and under RLS "nothing" looks
exactly like "not yours".
"""

from __future__ import annotations

from celery.contrib.django.task import DjangoTask

from iop.tenancy.context import tenant_context


class TenantTask(DjangoTask):
    abstract = True

    def __call__(self, organization_id: int, *args, **kwargs):
        if not isinstance(organization_id, int):
            raise TypeError("Tenant tasks take the organization id (an int) as their first argument.")
        with tenant_context(organization_id):
            return super().__call__(organization_id, *args, **kwargs)
