"""Authorization fixtures: payers with effective-dated rules, and clients' coverages."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from authorizations.models import Coverage, Payer, PayerPlan, PayerRule, PlanType

from ..attendance import conftest as attendance_fixtures

# The attendance suite's fixtures (and, through it, scheduling's), shared.
today = attendance_fixtures.today
week = attendance_fixtures.week
this_week = attendance_fixtures.this_week
past_week = attendance_fixtures.past_week
group_types = attendance_fixtures.group_types
facilitators = attendance_fixtures.facilitators
make_group = attendance_fixtures.make_group
make_past_group = attendance_fixtures.make_past_group
make_active_episode = attendance_fixtures.make_active_episode

# Harbor's REST API, for the areas' API tests.
BASE = "/api/v1/o/harbor"


@pytest.fixture
def payer(in_harbor):
    payer = Payer.objects.create(name="Blue Harbor PPO", payer_id="BHP01")
    PayerPlan.objects.create(payer=payer, name="Gold PPO", plan_type=PlanType.PPO)
    return payer


def make_rule(payer, *, hours="9", days=3, start=dt.date(2020, 1, 1), end=None, plan=None, **kwargs) -> PayerRule:
    return PayerRule.objects.create(
        payer=payer,
        plan=plan,
        effective_from=start,
        effective_to=end,
        min_hours_per_week=Decimal(hours),
        min_days_per_week=days,
        **kwargs,
    )


def make_coverage(client, payer, *, start=dt.date(2020, 1, 1), end=None, **kwargs) -> Coverage:
    member_id = kwargs.pop("member_id", "M123456")
    return Coverage.objects.create(
        client=client, payer=payer, member_id=member_id, effective_from=start, effective_to=end, **kwargs
    )


def local_days_ago(organization, days: int) -> dt.datetime:
    """This time of day `days` calendar days ago in the organization's zone. Not `now - days`: across
    a DST change that instant can fall on another local day (45 days before 23:30 EST is 00:30 EDT)."""
    local = timezone.localtime(timezone.now(), organization.tzinfo)
    return organization.local_datetime(local.date() - dt.timedelta(days=days), local.time())


def x12_recount(raw: str) -> str:
    """Set SE01 to the transaction's segment count after segments were added or removed."""
    segments = [s.strip() for s in raw.split("~") if s.strip()]
    st = next(i for i, s in enumerate(segments) if s.startswith("ST*"))
    se = next(i for i, s in enumerate(segments) if s.startswith("SE*"))
    return re.sub(r"SE\*\d+\*", f"SE*{se - st + 1}*", raw)
