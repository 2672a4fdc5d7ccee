"""Consent fixtures: harbor's client in care with a treatment plan, an authorization request with
a substance-use diagnosis (so the episode is Part 2 treatment), a last concurrent review with its
notes, a transition plan to an aftercare provider; and `make_consent(...)` with every §2.31
element."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.utils import timezone
from pypdf import PdfReader

from authorizations.models import AuthorizationRequest, Diagnosis, Payer
from discharge.consent.services import consent_record
from discharge.models import AftercareProvider, InformationKind, TransitionPlan
from iop.clients.models import TherapyTrack
from tests.authorizations.conftest import make_coverage
from tests.factories import TreatmentPlanFactory

ALL_KINDS = [k.value for k in InformationKind]


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return re.sub(r"\s+", " ", "\n".join(page.extract_text() for page in reader.pages))


@pytest.fixture
def provider(in_harbor):
    return AftercareProvider.objects.create(
        name="Harbor Outpatient", npi="1234567893", fax="555-0199", address="12 Pier Rd, Harbor"
    )


@pytest.fixture
def other_provider(in_harbor):
    return AftercareProvider.objects.create(name="Bayside Psychiatry")


@pytest.fixture
def episode(in_harbor, harbor_client, provider, harbor_clinician):
    episode = harbor_client.episodes.get()
    TreatmentPlanFactory(
        organization=in_harbor,
        episode=episode,
        goals="Stay sober 90 days; rebuild sleep routine.",
        tracks=[TherapyTrack.GROUP, TherapyTrack.SUD_COUNSELING],
    )
    coverage = make_coverage(harbor_client, Payer.objects.create(name="Blue Harbor PPO", payer_id="BHP01"))
    request = AuthorizationRequest.objects.create(
        episode=episode,
        coverage=coverage,
        start_date=episode.admission_date,
        end_date=episode.admission_date + dt.timedelta(days=30),
    )
    Diagnosis.objects.create(
        request=request, code="F10.20", description="Alcohol dependence, uncomplicated", sequence=1
    )
    TransitionPlan.objects.create(
        episode=episode,
        transition_type="step_down",
        target_date=in_harbor.local_today() + dt.timedelta(days=5),
        receiving_provider=provider,
        summary="Completed IOP; steps down to weekly outpatient therapy.",
    )
    return episode


@pytest.fixture
def make_consent(in_harbor, harbor_client, harbor_va, provider):
    def _make(**overrides):
        values = dict(
            organization=in_harbor,
            client=harbor_client,
            information=ALL_KINDS,
            purpose="continuity",
            recipient_provider=provider,
            expires_on=in_harbor.local_today() + dt.timedelta(days=365),
            right_to_revoke_explained=True,
            signed_name=f"{harbor_client.first_name} {harbor_client.last_name}",
            signature_method="electronic",
            signature_confirmed=True,
            actor=harbor_va,
        )
        values.update(overrides)
        return consent_record(**values)

    return _make


def an_hour_ago():
    return timezone.now() - dt.timedelta(hours=1)
