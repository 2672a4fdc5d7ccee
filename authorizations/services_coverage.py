"""Kept at this path for migration 0003 (`from authorizations import services_coverage, x12`):
migrations are never edited, so the 271 reading it replays stays importable here. New code
imports from `authorizations.coverage.services`."""

from authorizations.coverage.services import (  # noqa: F401
    benefit_line_values,
    benefit_lines_build,
    benefits_summarize,
    person_of_271,
)
