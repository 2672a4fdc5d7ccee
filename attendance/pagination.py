"""Cursor orders shared by the attendance API's lists."""

from __future__ import annotations

from iop.common.pagination import DefaultCursorPagination


class BySessionStartPagination(DefaultCursorPagination):
    ordering = ("session_starts_at", "id")


class NewestRaisedPagination(DefaultCursorPagination):
    ordering = ("-raised_at", "id")
