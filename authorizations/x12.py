"""Kept at this path for migration 0003 (`from authorizations import services_coverage, x12`):
migrations are never edited. New code imports from `authorizations.coverage.x12`."""

from authorizations.coverage.x12 import X12Error, parse_271  # noqa: F401
