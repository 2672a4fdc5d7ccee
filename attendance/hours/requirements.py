"""What an episode must attend in a week: hours and days, and where that number comes from.

Numbers payers set are data, never constants. The order is the issue's: the client's payer rule
(effective-dated; the authorizations app adds payers and puts its rule first), then the episode's
treatment plan when it is in effect that week, then the program's default.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ObjectDoesNotExist

from iop.clients.models import Episode
from iop.common.units import hours

from .. import hooks


class RequirementSource:
    PAYER = "payer"
    TREATMENT_PLAN = "treatment_plan"
    PROGRAM = "program"

    LABELS = {PAYER: "payer rule", TREATMENT_PLAN: "treatment plan", PROGRAM: "program default"}


@dataclass(frozen=True)
class Requirement:
    minutes_per_week: int
    days_per_week: int
    source: str

    @property
    def hours_per_week(self) -> Decimal:
        return hours(self.minutes_per_week)

    @property
    def source_label(self) -> str:
        return RequirementSource.LABELS[self.source]


@dataclass(frozen=True)
class PayerRequirement:
    """A payer rule's weekly requirement while it applies to the episode (its coverage and the
    rule both in effect); `end` None is open-ended."""

    start: dt.date
    end: dt.date | None
    hours_per_week: Decimal
    days_per_week: int

    def applies_to(self, week_start: dt.date) -> bool:
        return self.start <= week_start + dt.timedelta(days=6) and (self.end is None or self.end >= week_start)


def payer_requirements_attach(episodes: list[Episode]) -> None:
    """Load the episodes' payer requirements once, for `requirement_for` to read without queries
    (the authorizations app registers the loader: attendance.hooks)."""
    loaded = hooks.payer_requirements_load(episodes)
    for episode in episodes:
        # Read back by requirement_for; not a model field, so unknown to the stubs.
        episode.payer_requirements = loaded.get(episode.pk, [])  # type: ignore[attr-defined]


def _minutes(hours_value: Decimal) -> int:
    return int(Decimal(hours_value) * 60)


def requirement_for(episode: Episode, week_start: dt.date) -> Requirement:
    """From the episode's attached `payer_requirements` and prefetched `treatment_plan` and
    `program`: no query."""
    for payer in getattr(episode, "payer_requirements", ()):
        if payer.applies_to(week_start):
            return Requirement(
                minutes_per_week=_minutes(payer.hours_per_week),
                days_per_week=payer.days_per_week,
                source=RequirementSource.PAYER,
            )
    try:
        plan = episode.treatment_plan
    except ObjectDoesNotExist:
        plan = None
    if plan is not None and plan.effective_from <= week_start + dt.timedelta(days=6):
        return Requirement(
            minutes_per_week=_minutes(plan.required_hours_per_week),
            days_per_week=plan.required_days_per_week,
            source=RequirementSource.TREATMENT_PLAN,
        )
    program = episode.program
    return Requirement(
        minutes_per_week=_minutes(program.default_min_weekly_hours),
        days_per_week=program.default_min_days_per_week,
        source=RequirementSource.PROGRAM,
    )
