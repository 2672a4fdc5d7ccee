"""aftercare_worklist (contract 3): plans ending in the next 14 days without aftercare that counts,
and the pending follow-up checks due; the same number of queries at two sizes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from discharge.aftercare import selectors, services
from discharge.models import FollowUpCheck, FollowUpOutcome, PlanStatus
from tests.factories import EpisodeFactory

from .conftest import NOW, TODAY, local, make_plan

pytestmark = pytest.mark.django_db


def _world(organization, provider, program, size: int) -> dict:
    """`size` of each: a plan ending soon without aftercare, one with aftercare booked, one with a
    same-day visit only, one ending in three weeks, and a discharge with its 7-day check due."""
    made: dict = {"not_booked": [], "due": []}
    for i in range(size):
        bare = make_plan(
            EpisodeFactory(organization=organization, program=program), target_date=TODAY + dt.timedelta(days=i % 14)
        )
        made["not_booked"].append(bare)
        booked = make_plan(
            EpisodeFactory(organization=organization, program=program), target_date=TODAY + dt.timedelta(days=2)
        )
        services.aftercare_appointment_book(
            plan=booked, provider=provider, starts_at=local(organization, TODAY + dt.timedelta(days=4)), actor=None
        )
        same_day = make_plan(
            EpisodeFactory(organization=organization, program=program), target_date=TODAY + dt.timedelta(days=5)
        )
        services.aftercare_appointment_book(
            plan=same_day,
            provider=provider,
            starts_at=local(organization, TODAY + dt.timedelta(days=5), 17),
            actor=None,
        )
        made["not_booked"].append(same_day)
        make_plan(EpisodeFactory(organization=organization, program=program), target_date=TODAY + dt.timedelta(days=21))
        done = make_plan(
            EpisodeFactory(organization=organization, program=program, status="discharged"),
            target_date=TODAY - dt.timedelta(days=7),
            status=PlanStatus.COMPLETED,
            last_day=TODAY - dt.timedelta(days=7),
        )
        made["due"].append(done)
    services.follow_up_checks_raise(organization=organization, now=NOW)
    return made


def test_sections(in_harbor, provider, harbor_program, clock):
    made = _world(in_harbor, provider, harbor_program, 1)
    worklist = selectors.aftercare_worklist(organization=in_harbor, today=TODAY)
    assert {p.pk for p in worklist["not_booked"]} == {p.pk for p in made["not_booked"]}
    assert [(c.plan_id, c.days) for c in worklist["follow_ups_due"]] == [(made["due"][0].pk, 7)]
    check = worklist["follow_ups_due"][0]
    services.follow_up_check_record(check=check, outcome=FollowUpOutcome.NOT_KEPT, actor=None)
    assert selectors.aftercare_worklist(organization=in_harbor, today=TODAY)["follow_ups_due"] == []
    assert FollowUpCheck.objects.count() == 1


def _count(organization) -> int:
    with CaptureQueriesContext(connection) as queries:
        worklist = selectors.aftercare_worklist(organization=organization, today=TODAY)
        for plan in worklist["not_booked"]:
            str(plan.episode.client), str(plan.receiving_provider)
        for check in worklist["follow_ups_due"]:
            str(check.plan.episode.client)
    return len(queries)


def test_query_count_is_constant(in_harbor, provider, harbor_program, clock):
    _world(in_harbor, provider, harbor_program, 1)
    small = _count(in_harbor)
    _world(in_harbor, provider, harbor_program, 4)
    assert _count(in_harbor) == small
    assert small <= 4
