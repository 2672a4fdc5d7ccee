from __future__ import annotations


class ApplicationError(Exception):
    """A business rule said no. `message` is shown to the user; `extra` carries field errors."""

    def __init__(self, message: str, *, code: str = "invalid", extra: dict | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.extra = extra or {}
