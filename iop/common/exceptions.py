"""One refusal contract for every service.

A service that says no calls `refuse(message, code=<App>ErrorCode.X, field=...)`. The code comes
from the refusing app's `errors.py` enum, so an integration can branch on *why* it was refused
(the API returns the code as is) while a person reads the message. Pages put the message on the
named field of their form (`iop.common.forms.forms_add_application_error`).
"""

from __future__ import annotations

from enum import StrEnum
from typing import NoReturn


class ApplicationError(Exception):
    """A business rule said no. `message` is shown to the user; `extra` carries field errors;
    `code` is the stable name of the rule (an app's `ErrorCode` member)."""

    def __init__(self, message: str, *, code: StrEnum | str, extra: dict | None = None):
        super().__init__(message)
        self.message = message
        self.code = str(code)
        self.extra = extra or {}


def refuse(message: str, *, code: StrEnum, field: str | None = None, extra: dict | None = None) -> NoReturn:
    """Refuse with `message`, naming the rule by `code`.

    `field` puts the message on that input (`"__all__"` for the form as a whole); `extra` carries
    several fields' messages at once (e.g. one per refused row). Without either the message stands
    on its own at the top of the page.
    """
    errors = dict(extra or {})
    if field is not None:
        errors.setdefault(field, [message])
    raise ApplicationError(message, code=code, extra=errors)
