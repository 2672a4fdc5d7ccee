"""The demo's aftercare: the directory (IOP, OP, psychiatry, MAT), a booked appointment for a plan
(with its receiving provider, counting for the checklist), and a completed discharge with the
visit kept four days after its last day answering its 7- and 30-day checks; a second run adds
nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from discharge.aftercare import selectors, services
from discharge.models import AftercareAppointment, AftercareProvider, FollowUpCheck, PlanStatus
from tests.factories import EpisodeFactory

from .conftest import NOW, TODAY, make_plan

pytestmark = pytest.mark.django_db


def test_seed_twice(in_harbor, harbor_program, clock):
    levels = set()
    upcoming = make_plan(
        EpisodeFactory(organization=in_harbor, program=harbor_program), target_date=TODAY + dt.timedelta(days=4)
    )
    done = make_plan(
        EpisodeFactory(organization=in_harbor, program=harbor_program, status="discharged"),
        target_date=TODAY - dt.timedelta(days=40),
        status=PlanStatus.COMPLETED,
        last_day=TODAY - dt.timedelta(days=40),
    )
    for _ in range(2):
        providers = services.aftercare_seed(organization=in_harbor, plans=[upcoming], kept_plan=done, now=NOW)
        upcoming.receiving_provider = providers[1]
        upcoming.save()
    for provider in providers:
        levels.update(provider.levels_of_care)
    assert {"iop", "op", "psychiatry", "mat"} <= levels
    assert AftercareProvider.objects.count() == 4
    assert AftercareAppointment.objects.count() == 2
    assert selectors.aftercare_booked(upcoming) is True
    assert AftercareAppointment.objects.get(plan=done).status == "kept"
    assert sorted(FollowUpCheck.objects.filter(plan=done).values_list("days", "outcome")) == [(7, "kept"), (30, "kept")]
