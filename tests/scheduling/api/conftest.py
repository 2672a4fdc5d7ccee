"""API fixtures: bearer-token clients per role, and a scheduled summit to aim at."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from rest_framework.test import APIClient

from iop.accounts.services import api_token_create
from iop.clients.models import Episode
from iop.tenancy.context import tenant_context
from scheduling import services
from scheduling.models import RosterEntry, Session

from ..conftest import make_facilitator

BASE = "/api/v1/o/harbor"


@pytest.fixture
def api(harbor):
    """api(user) -> an APIClient with a bearer token of `user` in harbor."""

    def _as(user) -> APIClient:
        with tenant_context(harbor.id):
            raw = api_token_create(organization=harbor, user=user, name="tests").raw
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        return client

    return _as


@pytest.fixture
def va_api(api, harbor_va):
    return api(harbor_va)


@pytest.fixture
def summit_schedule(summit, summit_va, summit_client, summit_program, today):
    """A group, its weekly time and sessions, a placement, a seat and an absence in summit."""
    with tenant_context(summit.id):
        group_type = services.group_type_create(organization=summit, name="Process group")
    staff = make_facilitator(summit, "facilitator@summit.test", [group_type])
    with tenant_context(summit.id):
        group = services.group_create(
            organization=summit,
            program=summit_program,
            group_type=group_type,
            name="Summit process",
            capacity=5,
            lead_facilitator=staff,
        )
        slot = services.slot_create(
            group=group,
            weekday=0,
            start_time=dt.time(9),
            duration_minutes=90,
            effective_from=today,
            today=today,
        )
        episode = Episode.objects.get(client=summit_client)
        placement = services.placement_create(episode=episode, group=group, start_date=today).placement
        absence = services.facilitator_absence_record(
            staff_profile=staff,
            start_date=today + dt.timedelta(days=60),
            end_date=today + dt.timedelta(days=61),
        ).absence
        return SimpleNamespace(
            group_type=group_type,
            staff=staff,
            group=group,
            slot=slot,
            episode=episode,
            placement=placement,
            session=Session.objects.filter(group=group).first(),
            entry=RosterEntry.objects.filter(placement=placement).first(),
            absence=absence,
        )
