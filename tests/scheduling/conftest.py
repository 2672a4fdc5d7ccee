"""Shared scheduling fixtures: a Monday-to-Friday program built through the real services.

`week` is a fixed Monday a few weeks ahead (so sessions are in the future whatever today is) and
`today` the Monday before it; pass `today=` to services that take it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from iop.clients.models import AvailabilityWindow, EpisodeStatus
from iop.tenancy.context import tenant_context
from iop.tenancy.models import Membership, StaffProfile
from scheduling import services

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
        "process": services.group_type_create(organization=in_harbor, name="Process group"),
        "skills": services.group_type_create(organization=in_harbor, name="Skills training"),
        "checkin": services.group_type_create(
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
        group = services.group_create(
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
            services.slot_create(
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
