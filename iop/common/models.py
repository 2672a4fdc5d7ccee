"""The base of every history (pghistory event) model, named by `PGHISTORY_BASE_MODEL`.

pghistory's own base has no `__str__`, so a history row read as "ClientEvent object (3)". This
one says what happened to which kind of record and when, never to whom (history rows copy PHI
models, and labels must not carry their data).
"""

from __future__ import annotations

import pghistory.models
from django.db import models
from django.utils import timezone

from iop.tenancy.models import TenantModel

# pghistory's trackers label their rows "insert", "update" and "delete".
_WHAT_HAPPENED = {"insert": "created", "update": "changed", "delete": "deleted"}


class Event(pghistory.models.Event):
    # Named "Event": pghistory names each history model after its tracked model and this class
    # (ClientEvent), so another name would rename every history table.
    class Meta:
        abstract = True

    def __str__(self) -> str:
        tracked = self.pgh_tracked_model._meta.verbose_name if self.pgh_tracked_model else "record"
        what = _WHAT_HAPPENED.get(self.pgh_label, self.pgh_label or "changed")
        when = f" at {self.pgh_created_at:%Y-%m-%d %H:%M}" if self.pgh_created_at else ""
        return f"{str(tracked).capitalize()} {what}{when}"


class OutboxTask(TenantModel):
    """A task committed in the same transaction as the rows it is about, until the broker has it
    (a transactional outbox). `TenantTask.delay_on_commit` writes the row; after the commit the
    task is handed to Redis and the row deleted. When Redis is down (restarting, unreachable) the
    row stays and `outbox_relay` hands the task over once Redis is back: a committed save never
    loses its task. A task may then be handed over twice (handed over, then the delete failed), so
    only idempotent tasks are queued this way — as all of ours are (unique rows, claims, keys).
    Arguments are ids only, as in every task message (no PHI)."""

    name = models.CharField(max_length=120)
    args = models.JSONField(default=list)
    kwargs = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["organization", "created_at"], name="outbox_task_org_time_idx")]

    def __str__(self) -> str:
        return f"Outbox task {self.name}"
