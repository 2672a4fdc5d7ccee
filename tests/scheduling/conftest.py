"""Shared scheduling fixtures: a Monday-to-Friday program built through the real services.

`week` is a fixed Monday a few weeks ahead (so sessions are in the future whatever today is) and
`today` the Monday before it; pass `today=` to services that take it. Also here, for every area's
tests: a VA's API client (`va_api`, from the suite's `api`), page URLs and a session with its roster
(`schedule_url`, `monday_group`, `session`), and scheduling objects in another organization
(`summit_schedule` for the API, `summit_objects` for pages).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.urls import reverse

from iop.clients.models import AvailabilityWindow, Episode, EpisodeStatus
from iop.tenancy.context import tenant_context
from iop.tenancy.models import Membership, StaffProfile
from scheduling.models import RosterEntry, Session
from scheduling.services import absences as absence_services
from scheduling.services import groups as group_services
from scheduling.services import placements as placement_services
from scheduling.services import rosters as roster_services

from ..conftest import make_member
from ..factories import ClientFactory, EpisodeFactory, TreatmentPlanFactory


def _monday_after(day: dt.date, weeks: int = 0) -> dt.date:
    return day + dt.timedelta(days=(7 - day.weekday()) % 7 or 7) + dt.timedelta(weeks=weeks)


@pytest.fixture
def today(harbor):
    """Harbor's local date (the machine's may already be tomorrow in UTC on a New York evening)."""
    return harbor.local_today()


@pytest.fixture
def week(today):
    """A Monday one to two weeks ahead: every session of that week is in the future."""
    return _monday_after(today, weeks=1)


def make_facilitator(organization, email: str, group_types=()) -> StaffProfile:
    user = make_member(organization, "clinician", email)
    with tenant_context(organization.id):
        membership = Membership.objects.get(user=user)
        profile, _ = StaffProfile.objects.get_or_create(
            organization=organization, membership=membership, defaults={"can_facilitate": True}
        )
        profile.can_facilitate = True
        profile.save()
        from scheduling.models import FacilitatorQualification

        for group_type in group_types:
            FacilitatorQualification.objects.get_or_create(
                organization=organization, staff_profile=profile, group_type=group_type
            )
    return profile


@pytest.fixture
def group_types(in_harbor):
    return {
        "process": group_services.group_type_create(organization=in_harbor, name="Process group"),
        "skills": group_services.group_type_create(organization=in_harbor, name="Skills training"),
        "checkin": group_services.group_type_create(
            organization=in_harbor, name="Community check-in", counts_toward_hours=False
        ),
    }


@pytest.fixture
def facilitators(in_harbor, group_types):
    qualified = [group_types["process"], group_types["skills"], group_types["checkin"]]
    return [
        make_facilitator(in_harbor, "lead1@harbor.test", qualified),
        make_facilitator(in_harbor, "lead2@harbor.test", qualified),
        make_facilitator(in_harbor, "lead3@harbor.test", [group_types["process"]]),
    ]


@pytest.fixture
def make_group(in_harbor, harbor_program, group_types, facilitators, today):
    """make_group(name, slots=[(weekday, "09:00", 90)], capacity=10, kind="process", lead=0)"""

    def _make(name, slots, *, capacity=10, kind="process", lead=0, co=None, effective_from=None):
        group = group_services.group_create(
            organization=in_harbor,
            program=harbor_program,
            group_type=group_types[kind],
            name=name,
            capacity=capacity,
            lead_facilitator=facilitators[lead] if lead is not None else None,
            co_facilitator=facilitators[co] if co is not None else None,
            telehealth_url="https://video.example.test/room",
        )
        for weekday, start, minutes in slots:
            group_services.slot_create(
                group=group,
                weekday=weekday,
                start_time=dt.time.fromisoformat(start),
                duration_minutes=minutes,
                effective_from=effective_from or today,
                today=today,
            )
        return group

    return _make


@pytest.fixture
def make_active_episode(in_harbor, harbor_program):
    """make_active_episode(hours=9, days=3, windows=[(weekday, "09:00", "12:30"), ...])"""

    def _make(hours=9, days=3, windows=None, tracks=("group",)):
        client = ClientFactory(organization=in_harbor)
        episode = EpisodeFactory(
            organization=in_harbor, client=client, program=harbor_program, status=EpisodeStatus.ACTIVE
        )
        plan = TreatmentPlanFactory(
            organization=in_harbor,
            episode=episode,
            required_hours_per_week=Decimal(hours),
            required_days_per_week=days,
            tracks=list(tracks),
        )
        for weekday, start, end in windows if windows is not None else [(d, "09:00", "12:30") for d in range(5)]:
            AvailabilityWindow.objects.create(
                organization=in_harbor,
                treatment_plan=plan,
                weekday=weekday,
                start_time=dt.time.fromisoformat(start),
                end_time=dt.time.fromisoformat(end),
            )
        return episode

    return _make


BASE = "/api/v1/o/harbor"


@pytest.fixture
def va_api(api, harbor_va):
    return api(harbor_va)


@pytest.fixture
def summit_schedule(summit, summit_va, summit_client, summit_program, today):
    """A group, its weekly time and sessions, a placement, a seat and an absence in summit."""
    with tenant_context(summit.id):
        group_type = group_services.group_type_create(organization=summit, name="Process group")
    staff = make_facilitator(summit, "facilitator@summit.test", [group_type])
    with tenant_context(summit.id):
        group = group_services.group_create(
            organization=summit,
            program=summit_program,
            group_type=group_type,
            name="Summit process",
            capacity=5,
            lead_facilitator=staff,
        )
        slot = group_services.slot_create(
            group=group,
            weekday=0,
            start_time=dt.time(9),
            duration_minutes=90,
            effective_from=today,
            today=today,
        )
        episode = Episode.objects.get(client=summit_client)
        placement = placement_services.placement_create(episode=episode, group=group, start_date=today).placement
        absence = absence_services.facilitator_absence_record(
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


def schedule_url(name: str, org, **kwargs) -> str:
    return reverse(f"scheduling:{name}", kwargs={"org_slug": org.slug, **kwargs})


def sessions_of(group, day: dt.date | None = None) -> list[Session]:
    qs = Session.objects.filter(group=group).order_by("starts_at")
    return list(qs.filter(local_date=day) if day else qs)


def book(session, episodes) -> None:
    for episode in episodes:
        roster_services.roster_book(session=session, episode=episode)


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
        group_type = group_services.group_type_create(organization=summit, name="Summit process")
        group = group_services.group_create(
            organization=summit,
            program=summit_program,
            group_type=group_type,
            name="Summit group",
            capacity=5,
        )
        today = summit.local_today()
        group_services.slot_create(
            group=group,
            weekday=(today.weekday() + 2) % 7,
            start_time=dt.time(10),
            duration_minutes=60,
            effective_from=today,
            today=today,
        )
        episode = EpisodeFactory(organization=summit, client=ClientFactory(organization=summit), program=summit_program)
        result = placement_services.placement_create(episode=episode, group=group, start_date=today)
        session = result.booked[0]
        entry = session.roster_entries.get()
        return {
            "session_id": session.pk,
            "entry_id": entry.pk,
            "placement_id": result.placement.pk,
            "episode_id": episode.pk,
        }
