from __future__ import annotations

from enum import StrEnum
from typing import Any, NoReturn, TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction

from .exceptions import refuse

# Both helpers hand back the instance they were given, so callers keep its model type.
_ModelT = TypeVar("_ModelT", bound=models.Model)


def model_update(*, instance: _ModelT, fields: list[str], data: dict[str, Any]) -> tuple[_ModelT, bool]:
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


def validated_save(
    instance: _ModelT,
    *,
    invalid: str,
    code: StrEnum,
    conflict: str | None = None,
    conflict_code: StrEnum | None = None,
    conflict_field: str = "__all__",
) -> _ModelT:
    """Validate and save `instance`, refusing (`iop.common.exceptions.refuse`) when it does not fit.

    `invalid` is the message for model validation errors (field messages go in `extra`), refused
    with the caller's `code`; `conflict`, when given, is the message for a uniqueness clash or a
    database constraint violation (a unique or exclusion constraint another request won first),
    reported on `conflict_field` and refused with `conflict_code`. The codes come from the calling
    app's `errors.py`: only it knows which rule the row broke. The save runs in a savepoint so a
    refused write leaves the caller's transaction usable.
    """
    try:
        instance.full_clean()
        with transaction.atomic():
            instance.save()
    except ValidationError as exc:
        if conflict is not None and _only_uniqueness(exc):
            _refuse_conflict(conflict, code=conflict_code, field=conflict_field)
        extra = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        refuse(invalid, code=code, extra=extra)
    except IntegrityError:
        if conflict is None:
            raise
        _refuse_conflict(conflict, code=conflict_code, field=conflict_field)
    return instance


def _refuse_conflict(message: str, *, code: StrEnum | None, field: str) -> NoReturn:
    if code is None:
        raise TypeError("validated_save: a `conflict` message needs its `conflict_code`.")
    refuse(message, code=code, field=field)


def _only_uniqueness(exc: ValidationError) -> bool:
    """Whether every error is a uniqueness clash (which `conflict` explains better than Django's
    "X with this Organization and Name already exists")."""
    errors = [e for errs in exc.error_dict.values() for e in errs] if hasattr(exc, "error_dict") else exc.error_list
    return bool(errors) and all(e.code in ("unique", "unique_together") for e in errors)
