"""Reads for the PAS rail: a request's Bundle as it would leave now."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from authorizations.models import AuthorizationRequest, InteropSettings
from authorizations.pas.bundle import Requester, pas_bundle
from authorizations.requests.selectors import request_get
from iop.tenancy.models import Organization, StaffProfile


def requester_of(organization: Organization) -> Requester:
    """How the organization names itself to payers: its interoperability settings (the same NPI
    and place of service the 278 sends), else its name alone."""
    settings = InteropSettings.objects.filter(organization=organization).first()
    if settings is None:
        return Requester(name=organization.name)
    return Requester(
        name=settings.requester_name or organization.name,
        npi=settings.requester_npi,
        place_of_service=settings.facility_code,
    )


def request_pas_bundle(
    *, organization: Organization, request: AuthorizationRequest, now: dt.datetime, bundle_id: uuid.UUID | None = None
) -> dict[str, Any]:
    """The PAS request Bundle of `request`, with everything it references (three queries beyond
    `request_get`'s: the prior authorization, the clinician's profile, the settings)."""
    loaded = request_get(organization=organization, request_id=request.pk)
    assert loaded is not None
    clinician = None
    if loaded.episode.primary_clinician_id is not None:
        clinician = (
            StaffProfile.objects.select_related("membership__user")
            .filter(membership_id=loaded.episode.primary_clinician_id)
            .first()
        )
    return pas_bundle(loaded, requester=requester_of(organization), clinician=clinician, now=now, bundle_id=bundle_id)
