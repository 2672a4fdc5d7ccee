"""PAS fixtures: the request suite's world (a payer with a rule and fees, a client in active care
with a coverage, a couple), a clinician with a license, and submitted requests."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from authorizations.models import CertificationType
from authorizations.requests.selectors import determination_authorization
from authorizations.requests.services.determinations import ApprovedLine, determination_record
from authorizations.requests.services.drafting import request_create
from authorizations.requests.services.packets import packet_create, packet_mark_ready, packet_submit
from authorizations.requests.services.workflow import request_mark_ready, request_submit
from iop.tenancy.models import Membership, StaffProfile

from ..requests import conftest as request_fixtures

rule = request_fixtures.rule
fees = request_fixtures.fees
start = request_fixtures.start
episode = request_fixtures.episode
coverage = request_fixtures.coverage
draft = request_fixtures.draft
couple_world = request_fixtures.couple_world
complete = request_fixtures.complete

DAY = dt.timedelta(days=1)


def submit(request, actor):
    return request_submit(request=request_mark_ready(request=complete(request)), channel="fhir_pas", actor=actor)


@pytest.fixture
def clinician(in_harbor, harbor_clinician, episode):
    """The episode's primary clinician, licensed in New York."""
    membership = Membership.objects.get(user=harbor_clinician)
    StaffProfile.objects.update_or_create(
        membership=membership,
        defaults={"credentials": "LCSW", "license_number": "LCSW-081234", "license_state": "NY"},
    )
    episode.primary_clinician = membership
    episode.save(update_fields=["primary_clinician"])
    return membership


@pytest.fixture
def submitted(draft, clinician, harbor_intake):
    return submit(draft, harbor_intake)


@pytest.fixture
def approved(submitted, harbor_intake):
    lines = [
        ApprovedLine(
            code=line.code,
            units=line.units * line.estimated_sessions,
            start_date=line.start_date,
            end_date=line.end_date,
        )
        for line in submitted.lines.all()
    ]
    determination = determination_record(
        request=submitted, action="A1", authorization_number="AUTH-7781", lines=lines, actor=harbor_intake
    )
    return determination_authorization(determination)


@pytest.fixture
def renewal(approved, episode, coverage, harbor_intake):
    request = request_create(
        episode=episode,
        coverage=coverage,
        actor=harbor_intake,
        start_date=approved.end_date + DAY,
        certification_type=CertificationType.RENEWAL,
    )
    request.prior_authorization = approved
    request.save(update_fields=["prior_authorization"])
    return submit(request, harbor_intake)


@pytest.fixture
def packet(couple_world, harbor_intake):
    world = couple_world
    couple = world["couple"]
    coverages = {client_id: coverage for client_id, coverage in world["coverages"].items()}
    made = packet_create(
        couple=couple, coverages=coverages, joint_goals="Rebuild trust; fewer conflicts at home.", actor=harbor_intake
    )
    for request in made.requests.all():
        complete(request)
    packet_mark_ready(packet=made, actor=harbor_intake)
    packet_submit(packet=made, channel="fhir_pas", actor=harbor_intake)
    return made


def now():
    return timezone.now()
