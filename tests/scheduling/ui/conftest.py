"""Helpers for the scheduling pages' tests: URLs, a week with a session and its roster, and one
scheduling object of every kind in another organization (summit)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from iop.tenancy.context import tenant_context
from scheduling import services
from scheduling.models import Session
from tests.factories import ClientFactory, EpisodeFactory
from tests.ui.conftest import access_events, as_admin, as_clinician, as_intake, as_va  # noqa: F401 (fixtures)


def schedule_url(name: str, org, **kwargs) -> str:
    return reverse(f"scheduling:{name}", kwargs={"org_slug": org.slug, **kwargs})


def sessions_of(group, day: dt.date | None = None) -> list[Session]:
    qs = Session.objects.filter(group=group).order_by("starts_at")
    return list(qs.filter(local_date=day) if day else qs)


def book(session, episodes) -> None:
    for episode in episodes:
        services.roster_book(session=session, episode=episode)


@pytest.fixture
def monday_group(make_group):
    """A process group meeting Monday 09:00–10:30, capacity 10, led by the first facilitator."""
    return make_group("Monday Process", [(0, "09:00", 90)])


@pytest.fixture
def session(monday_group, week):
    """The group's session on `week`'s Monday (in the future)."""
    return sessions_of(monday_group, week)[0]


@pytest.fixture
def summit_objects(summit, summit_program):
    """A summit session with a client seated, a placement and a roster entry: ids to try on harbor."""
    with tenant_context(summit.id):
        group_type = services.group_type_create(organization=summit, name="Summit process")
        group = services.group_create(
            organization=summit,
            program=summit_program,
            group_type=group_type,
            name="Summit group",
            capacity=5,
        )
        today = summit.local_today()
        services.slot_create(
            group=group,
            weekday=(today.weekday() + 2) % 7,
            start_time=dt.time(10),
            duration_minutes=60,
            effective_from=today,
            today=today,
        )
        episode = EpisodeFactory(organization=summit, client=ClientFactory(organization=summit), program=summit_program)
        result = services.placement_create(episode=episode, group=group, start_date=today)
        session = result.booked[0]
        entry = session.roster_entries.get()
        return {
            "session_id": session.pk,
            "entry_id": entry.pk,
            "placement_id": result.placement.pk,
            "episode_id": episode.pk,
        }
