"""Billing fixtures: an active harbor client admitted at the start of `past_week`, covered by the
payer (member id M123456), with an S9480 per-diem authorization of 10 days over two weeks from
`past_week`, attending Monday, Wednesday and Friday of that first week in full (3 days attended,
from the unit burn-down)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from discharge.models import BillingLine

from ...attendance.conftest import book, record, sessions_of
from ...authorizations import conftest as authorization_fixtures
from ...authorizations.conftest import make_coverage
from ...authorizations.units import conftest as unit_fixtures
from ...authorizations.units.conftest import make_authorization

today = authorization_fixtures.today
week = authorization_fixtures.week
this_week = authorization_fixtures.this_week
past_week = authorization_fixtures.past_week
group_types = authorization_fixtures.group_types
facilitators = authorization_fixtures.facilitators
make_group = authorization_fixtures.make_group
make_past_group = authorization_fixtures.make_past_group
make_active_episode = authorization_fixtures.make_active_episode
payer = authorization_fixtures.payer
mwf = unit_fixtures.mwf

BASE = "/api/v1/o/harbor"


@pytest.fixture
def episode(make_active_episode, past_week):
    episode = make_active_episode()
    episode.admission_date = past_week
    episode.referral_date = past_week - dt.timedelta(days=3)
    episode.save(update_fields=["admission_date", "referral_date"])
    return episode


@pytest.fixture
def coverage(episode, payer):
    return make_coverage(episode.client, payer, member_id="M123456")


@pytest.fixture
def authorization(episode, coverage, past_week):
    return make_authorization(
        episode, coverage, start=past_week, end=past_week + dt.timedelta(days=13), units=10, number="AUTH-77"
    )


@pytest.fixture
def attended(episode, mwf, past_week, authorization):
    """Monday, Wednesday and Friday of `past_week` attended in full: their dates."""
    sessions = sessions_of(mwf, past_week)
    for session, entry in zip(sessions, book(episode, sessions), strict=True):
        record(session, entry, "present")
    return [s.local_date for s in sessions]


def bill(episode, day, *, code="S9480", units=1, status="paid", paid="300.00", number="AUTH-77", **fields):
    return BillingLine.objects.create(
        organization=episode.organization,
        episode=episode,
        service_date=day,
        code=code,
        units=units,
        billed_amount=Decimal("300.00") * units,
        paid_amount=Decimal(paid) if paid is not None else None,
        status=status,
        authorization_number=number,
        claim_number=fields.pop("claim_number", f"C-{day:%m%d}"),
        **fields,
    )


@pytest.fixture
def billed_in_full(episode, attended):
    """Every attended day billed with the authorization number and paid: nothing to reconcile."""
    return [bill(episode, day) for day in attended]
