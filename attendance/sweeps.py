"""The hourly safety net behind the per-save evaluation, across the hours and patterns areas."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from iop.common.crash import pause_point
from iop.tenancy.models import Organization

from .hours.selectors import active_episodes, this_week_start
from .hours.services import pace_evaluate
from .patterns.services import absence_patterns_evaluate
from .roll_call.services import episodes_lock


@dataclass(frozen=True)
class SweepResult:
    flags: int
    alerts: int


def attendance_sweep(*, organization: Organization, now: dt.datetime | None = None) -> SweepResult:
    """The safety net behind the per-save evaluation: every active episode's pace for this week
    and the week just closed, and every absence pattern (a reason still missing after N hours
    only shows with time passing)."""
    now = now or timezone.now()
    this_week = this_week_start(organization, now)
    with transaction.atomic():
        episodes = active_episodes(organization=organization)
        episodes_lock(e.pk for e in episodes)
        flags = pace_evaluate(
            organization=organization, episodes=episodes, weeks=[this_week - dt.timedelta(days=7), this_week], now=now
        )
        pause_point("pace_sweep")  # fault tests: pace flags written, patterns not yet, nothing committed
        alerts = absence_patterns_evaluate(organization=organization, episodes=episodes, now=now)
    return SweepResult(flags=len(flags), alerts=len(alerts))
