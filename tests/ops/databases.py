"""Pointing this thread's database connection at another database or server, for the fault tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connections


@contextmanager
def connected_to(**settings_changes: str) -> Iterator[None]:
    """Within the block, this thread's `default` connection uses the test settings changed by
    `settings_changes` (NAME, HOST, PORT): the same backend (per-statement tenant context), the
    same role switch to the app role (RLS), another database or server."""
    original = connections["default"]
    other = original.__class__({**original.settings_dict, **settings_changes}, alias="default")
    connections["default"] = other
    try:
        yield
    finally:
        other.close()
        connections["default"] = original
