"""Denial fixtures: a submitted request denied (A3) through the real services, its case, and
helpers to read a case back fresh."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from authorizations.appeals.services import denial_case_open
from authorizations.models import DenialCase
from authorizations.requests.services.determinations import determination_record
from authorizations.requests.services.workflow import request_mark_ready, request_submit
from iop.tenancy.models import Membership

from ..requests.conftest import complete, couple_world, coverage, draft, episode, fees, rule, start  # noqa: F401

# The payer decided (and the letter came) this long ago: room for steps "before now".
DECIDED_AGO = dt.timedelta(hours=20)
REASON = "Does not meet LOCUS level 3 criteria: no functional impairment documented."


def deny(request, actor, **kwargs):
    """Submit a completed request and record the payer's denial (A3)."""
    ready = request_mark_ready(request=complete(request))
    submitted = request_submit(request=ready, channel="portal", actor=actor)
    kwargs.setdefault("decided_at", timezone.now() - DECIDED_AGO)
    return determination_record(request=submitted, action="A3", reason=REASON, actor=actor, **kwargs)


@pytest.fixture
def clinician_member(harbor_clinician):
    return Membership.objects.get(user=harbor_clinician)


@pytest.fixture
def denied(draft, harbor_intake, clinician_member):  # noqa: F811
    draft.episode.primary_clinician = clinician_member
    draft.episode.save(update_fields=["primary_clinician"])
    return deny(draft, harbor_intake)


@pytest.fixture
def case(denied, harbor_intake):
    return denial_case_open(determination=denied, criteria_cited="LOCUS 20", actor=harbor_intake)


def fresh(case) -> DenialCase:
    return DenialCase.objects.get(pk=case.pk)
