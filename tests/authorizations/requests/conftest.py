"""Request fixtures: a payer with a rule and a fee schedule, a client in active care with a
treatment plan and a coverage, and helpers that complete a request through the real services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from authorizations.models import FeeScheduleEntry
from authorizations.requests.services.drafting import diagnosis_add, request_create, request_update
from iop.clients.models import AvailabilityWindow
from iop.clients.services import couple_create

from ..conftest import make_coverage, make_rule

RATES = {"90853": "75.00", "90834": "110.00", "90791": "180.00", "90847": "120.00", "99213": "95.00"}


def add_fees(payer, rates=None, *, start=dt.date(2020, 1, 1), end=None) -> list[FeeScheduleEntry]:
    return [
        FeeScheduleEntry.objects.create(
            payer=payer, code=code, rate=Decimal(rate), effective_from=start, effective_to=end
        )
        for code, rate in (rates or RATES).items()
    ]


def complete(request, *, code="F33.1"):
    """Fill what a payer needs: a primary diagnosis and the justification."""
    diagnosis_add(request=request, code=code, description="Major depressive disorder, recurrent, moderate")
    return request_update(
        request=request,
        data={
            "why_not_lower_level": "Weekly outpatient therapy for six months did not stop the decline.",
            "why_not_higher_level": "No imminent risk; safe at home with support.",
            "clinical_summary": "PHQ-9 of 19; missed work for three weeks. Goal: PHQ-9 under 10.",
        },
    )


@pytest.fixture
def rule(payer):
    return make_rule(payer, hours="9", days=3, initial_authorization_days=14)


@pytest.fixture
def fees(payer):
    return add_fees(payer)


@pytest.fixture
def start(in_harbor):
    return in_harbor.local_today()


@pytest.fixture
def episode(make_active_episode):
    """An active client with a 9-hour, 3-day plan: group and individual therapy."""
    episode = make_active_episode(hours=9, days=3, tracks=("group", "individual"))
    plan = episode.treatment_plan
    plan.goals = "Reduce depressive symptoms; return to work."
    plan.emotional_support_animal_note = "Dog lowers panic symptoms (documented by Dr. Lee)."
    plan.save()
    return episode


@pytest.fixture
def coverage(episode, payer):
    return make_coverage(episode.client, payer, member_id="BHP-1001")


@pytest.fixture
def draft(episode, coverage, rule, fees, harbor_intake, start):
    return request_create(episode=episode, coverage=coverage, actor=harbor_intake, start_date=start)


@pytest.fixture
def couple_world(in_harbor, make_active_episode, payer, rule, fees, start):
    """Two partners in active care, each with their own coverage; the first is the identified
    patient; both plans list couples therapy."""
    one = make_active_episode(tracks=("group", "couples"))
    two = make_active_episode(tracks=("group", "couples"))
    for episode in (one, two):
        AvailabilityWindow.objects.filter(treatment_plan=episode.treatment_plan).delete()
    couple = couple_create(
        organization=in_harbor,
        partner_one=one.client,
        partner_two=two.client,
        identified_patient=one.client,
        started_on=start,
    )
    coverage_one = make_coverage(one.client, payer, member_id="BHP-2001")
    coverage_two = make_coverage(two.client, payer, member_id="BHP-2002")
    return {
        "couple": couple,
        "episodes": {one.client_id: one, two.client_id: two},
        "coverages": {one.client_id: coverage_one, two.client_id: coverage_two},
        "ip": one.client,
        "partner": two.client,
    }
