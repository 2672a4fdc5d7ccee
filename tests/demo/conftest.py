"""The seeded demo, shared by every test of `tests/demo/`: seeded once per moment of one week for
the whole package (pytest groups the tests by moment), never once per module.

What the demo shows depends on when it is seeded (harbor's attendance: who is at risk depends on
what was held and what is still ahead), so it is seeded at three moments with the clock kept there:
Tuesday afternoon (sessions held and ahead), Monday before the first session (nothing held yet)
and Saturday (nothing ahead: nobody can be at risk).
"""

from __future__ import annotations

import datetime as dt
import io
import zoneinfo
from dataclasses import dataclass

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction

from attendance.hours.selectors import active_episodes, this_week_start, week_summaries
from iop.tenancy.context import tenant_context
from iop.tenancy.models import Organization

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
MOMENTS = {
    "tuesday": dt.datetime(2026, 11, 24, 13, 15, tzinfo=NEW_YORK),
    "monday_early": dt.datetime(2026, 11, 23, 7, 30, tzinfo=NEW_YORK),
    "saturday": dt.datetime(2026, 11, 28, 11, 0, tzinfo=NEW_YORK),
}
WEEK = dt.timedelta(days=7)


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="package", params=list(MOMENTS))
def _seeded_once(request, django_db_setup, django_db_blocker):
    """A seed takes a while (a term of sessions and rosters, a month of roll calls, reviews with
    their packets, appeals, discharges), so it runs once per moment for the whole package — every
    module here reads the same seeded demo — with the clock kept there (ticking), in a transaction
    rolled back at the end; each test runs in a savepoint inside it (as Django's setUpTestData
    does), so what one test changes is gone for the next."""
    with (
        django_db_blocker.unblock(),
        time_machine.travel(MOMENTS[request.param], tick=True),
        pytest.MonkeyPatch.context() as patch,
    ):
        patch.delenv("DEMO_PASSWORD", raising=False)
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield request.param, seed()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def seeded(_seeded_once, db, monkeypatch):
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    return {org.slug: org for org in Organization.objects.all()}, _seeded_once[1]


@dataclass
class Demo:
    moment: str
    output: str
    harbor: Organization
    this_week: dt.date

    def week(self, weeks_ago: int) -> dict:
        """`{episode id: WeekSummary}` of the active clients whose week it is to judge."""
        start = self.this_week - weeks_ago * WEEK
        episodes = active_episodes(organization=self.harbor)
        summaries = week_summaries(organization=self.harbor, episodes=episodes, first_week=start, last_week=start)
        return {s.episode.pk: s for s in summaries.values() if s.evaluable}


@pytest.fixture
def demo(seeded, _seeded_once):
    harbor = seeded[0]["harbor"]
    with tenant_context(harbor.id):
        yield Demo(_seeded_once[0], seeded[1], harbor, this_week_start(harbor))
