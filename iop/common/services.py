from __future__ import annotations

from typing import Any

from django.db import models


def model_update(*, instance: models.Model, fields: list[str], data: dict[str, Any]) -> tuple[models.Model, bool]:
    """Update only the listed fields that are present in `data`, validate the whole row, and save
    just those columns. Returns (instance, whether anything changed).

    Listing fields explicitly keeps a form or payload from writing a column it should not
    (mass assignment); `full_clean` keeps model-level rules in force; `update_fields` keeps a
    concurrent edit of another column from being overwritten.
    """
    changed = []
    for field in fields:
        if field in data and getattr(instance, field) != data[field]:
            setattr(instance, field, data[field])
            changed.append(field)
    if changed:
        instance.full_clean()
        update_fields = list(changed)
        if any(f.name == "updated_at" for f in instance._meta.fields):
            update_fields.append("updated_at")
        instance.save(update_fields=update_fields)
    return instance, bool(changed)
