"""Plan fixtures: an active harbor client with harbor's clinician as primary clinician, a group
meeting every weekday (sessions for the coming weeks), the payer's coverage and an approved
authorization with its open review (the authorization suites' fixtures), and the client's
transition plan started through the service."""

from __future__ import annotations

import datetime as dt

import pytest

from discharge.models import (
    AftercareAppointment,
    AftercareLevel,
    AftercareProvider,
    Consent,
    Disclosure,
    PlanOrigin,
    TransitionPlan,
)
from discharge.plans import services
from iop.tenancy.models import Membership

from ...authorizations import conftest as authorization_fixtures
from ...authorizations.reviews import conftest as review_fixtures

today = authorization_fixtures.today
week = authorization_fixtures.week
group_types = authorization_fixtures.group_types
facilitators = authorization_fixtures.facilitators
make_group = authorization_fixtures.make_group
make_active_episode = authorization_fixtures.make_active_episode
payer = authorization_fixtures.payer
rule = review_fixtures.rule
fees = review_fixtures.fees
clinician_membership = review_fixtures.clinician_membership
covered = review_fixtures.covered
approve = review_fixtures.approve

BASE = "/api/v1/o/harbor"


@pytest.fixture
def group(make_group):
    """Every weekday 9:00–12:00 from today, room for 10."""
    return make_group("Process A", [(d, "09:00", 180) for d in range(5)], capacity=10)


@pytest.fixture
def episode(make_active_episode, clinician_membership):
    episode = make_active_episode()
    episode.primary_clinician = clinician_membership
    episode.save(update_fields=["primary_clinician"])
    return episode


@pytest.fixture
def plan(episode, harbor_va, today) -> TransitionPlan:
    """The episode's plan: a step-down in 9 days (the checklist copied from the defaults)."""
    plan = services.plan_start(episode=episode, origin=PlanOrigin.STAFF, actor=harbor_va)
    return services.plan_update(
        plan=plan,
        data={"transition_type": "completed", "target_date": today + dt.timedelta(days=9)},
        actor=harbor_va,
    )


@pytest.fixture
def provider(in_harbor):
    return AftercareProvider.objects.create(
        organization=in_harbor, name="Lakeside Counseling", levels_of_care=[AftercareLevel.OP]
    )


def aftercare_booked(plan: TransitionPlan, provider, *, days_after: int = 3, user=None) -> AftercareAppointment:
    """An appointment with `provider` `days_after` the target day (the row aftercare's booking makes)."""
    organization = plan.organization
    day = plan.target_date + dt.timedelta(days=days_after)
    return AftercareAppointment.objects.create(
        organization=organization,
        plan=plan,
        provider=provider,
        starts_at=organization.local_datetime(day, dt.time(10)),
        booked_by=user,
    )


def records_sent(plan: TransitionPlan, provider, user) -> Disclosure:
    """A consent to the provider and a disclosure under it (the rows consent's transmission makes)."""
    from django.utils import timezone

    episode = plan.episode
    consent = Consent.objects.create(
        organization=plan.organization,
        client=episode.client,
        disclosing_party="Harbor Virtual IOP",
        information=["treatment_plan", "discharge_summary"],
        recipient_provider=provider,
        recipient_name=provider.name,
        purpose="continuity",
        expires_on=plan.target_date + dt.timedelta(days=365),
        right_to_revoke_explained=True,
        signed_name=episode.client.first_name,
        signed_at=timezone.now(),
        signature_method="electronic",
    )
    return Disclosure.objects.create(
        organization=plan.organization,
        client=episode.client,
        episode=episode,
        consent=consent,
        recipient_provider=provider,
        recipient_name=provider.name,
        purpose="continuity",
        information=["treatment_plan"],
        channel="fax",
        sent_at=timezone.now(),
        sent_by=user,
    )


def admin_membership(organization, user) -> Membership:
    return Membership.objects.get(organization=organization, user=user)
