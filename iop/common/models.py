"""The base of every history (pghistory event) model, named by `PGHISTORY_BASE_MODEL`.

pghistory's own base has no `__str__`, so a history row read as "ClientEvent object (3)". This
one says what happened to which kind of record and when, never to whom (history rows copy PHI
models, and labels must not carry their data).
"""

from __future__ import annotations

import pghistory.models

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
