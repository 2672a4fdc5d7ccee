"""Review fixtures: an active client whose primary clinician is harbor's clinician, with a coverage,
the payer's IOP rule (a 7-day cadence), and an authorization approved from a complete request
through the real request services, so it has its lines, diagnoses and justification."""

from __future__ import annotations

import datetime as dt

import pytest

from authorizations.models import Authorization
from authorizations.requests.services.determinations import determination_record
from authorizations.requests.services.drafting import request_create
from authorizations.requests.services.workflow import request_mark_ready, request_submit
from iop.tenancy.models import Membership

from ..conftest import make_coverage, make_rule
from ..requests.conftest import add_fees, complete


@pytest.fixture
def rule(payer):
    return make_rule(payer, hours="9", days=3, review_cadence_days=7, review_submission_lead_hours=24)


@pytest.fixture
def fees(payer):
    return add_fees(payer)


@pytest.fixture
def clinician_membership(harbor_clinician, in_harbor):
    return Membership.objects.get(user=harbor_clinician, organization=in_harbor)


@pytest.fixture
def covered(make_active_episode, payer, clinician_membership):
    """covered(**client fields) -> (episode, coverage): an active client with the payer's
    coverage, harbor's clinician as their primary clinician, and a consented email channel."""

    def _make(**client_fields):
        episode = make_active_episode(hours=9, days=3, tracks=("group", "individual"))
        episode.primary_clinician = clinician_membership
        episode.save(update_fields=["primary_clinician"])
        client = episode.client
        for name, value in {"reminder_channel": "email", "reminder_consent": True, **client_fields}.items():
            setattr(client, name, value)
        client.save()
        return episode, make_coverage(client, payer, member_id=f"BHP-{str(client.pk)[:6]}")

    return _make


@pytest.fixture
def approve(rule, fees, harbor_intake):
    """approve(episode, coverage, start, days=14, number="PA-1", next_review=None) -> the
    Authorization of a complete request approved in full (every line as asked)."""

    def _approve(episode, coverage, start: dt.date, *, days: int = 14, number: str = "PA-1", next_review=None):
        request = request_create(episode=episode, coverage=coverage, actor=harbor_intake, start_date=start)
        request.end_date = start + dt.timedelta(days=days - 1)
        request.save(update_fields=["end_date"])
        request.lines.update(end_date=request.end_date)
        complete(request)
        request_mark_ready(request=request, actor=harbor_intake)
        request_submit(request=request, channel="portal", payer_reference="REF", actor=harbor_intake)
        group = request.lines.get(track="group")
        determination_record(
            request=request,
            action="A1",
            authorization_number=number,
            approved_code=group.code,
            approved_units=days,
            unit_type=group.unit_type,
            start_date=start,
            end_date=request.end_date,
            next_review_date=next_review,
            actor=harbor_intake,
        )
        return Authorization.objects.filter(number=number, episode=episode).latest("created_at")

    return _approve
