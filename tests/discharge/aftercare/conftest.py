"""Aftercare fixtures: harbor's directory and a transition plan for its client, with a fixed
clock in harbor's zone (New York) so every date is known."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from discharge.aftercare import services
from discharge.models import AftercareLevel, PlanStatus, TransitionPlan
from iop.clients.models import Episode

# Tue 8 Dec 2026, 10:00 in New York (15:00 UTC).
NOW = dt.datetime(2026, 12, 8, 15, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 12, 8)
BASE = "/api/v1/o/harbor"


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def local(organization, day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    return organization.local_datetime(day, dt.time(hour, minute))


@pytest.fixture
def provider(in_harbor):
    return services.aftercare_provider_create(
        organization=in_harbor,
        name="Lakeside Counseling Group",
        npi="1427053318",
        phone="+1 617 555 0140",
        levels_of_care=[AftercareLevel.OP, AftercareLevel.PSYCHIATRY],
    )


def make_plan(episode: Episode, *, target_date: dt.date | None, status=PlanStatus.PLANNING, last_day=None):
    plan, _ = TransitionPlan.objects.get_or_create(organization_id=episode.organization_id, episode=episode)
    plan.target_date = target_date
    plan.status = status
    plan.last_day = last_day
    plan.save()
    return plan


@pytest.fixture
def plan(in_harbor, harbor_client, clock):
    """Harbor's client, ending care on Fri 11 Dec (three days from now)."""
    episode = Episode.objects.get(client=harbor_client)
    return make_plan(episode, target_date=TODAY + dt.timedelta(days=3))
