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


def _minutes(hours_value: Decimal) -> int:
    return int(Decimal(hours_value) * 60)


def requirement_for(episode: Episode, week_start: dt.date) -> Requirement:
    """From the episode's prefetched `treatment_plan` and `program`: no query."""
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
