"""Rows several attendance areas write the same way (hours flags, absence alerts)."""

from __future__ import annotations


def rows_insert_new(model, candidates: list) -> list:
    """Insert the candidate rows (ids set in Python) and return those really inserted: the table's
    unique key decides under concurrency, and only new rows may notify anyone."""
    model.objects.bulk_create(candidates, ignore_conflicts=True)
    inserted = set(model.objects.filter(pk__in=[c.pk for c in candidates]).values_list("pk", flat=True))
    return [c for c in candidates if c.pk in inserted]
