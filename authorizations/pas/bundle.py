"""The Da Vinci PAS request Bundle of one authorization request: what `[base]/Claim/$submit` takes.

A `collection` Bundle (PASRequestBundle) whose first entry is the PASClaim (`use =
preauthorization`, one item per service line), followed by every resource the Claim references:
the member (PASBeneficiary, and PASSubscriber when the member is a dependent), the PASCoverage, the
payer (PASInsurer) and the provider organization (PASRequestor), the primary clinician
(PASPractitioner, through a PASPractitionerRole as STU 2 requires of care team members), the
diagnoses as US Core Conditions and the attachments as US Core DocumentReferences. A couple's
packet is one Bundle per partner: PAS, like the X12 278, carries one patient.

Pure: reads the request as `request_get` loaded it (plus the clinician's staff profile) and builds
plain JSON-ready dicts; nothing is written. The fullUrls are `urn:uuid`s derived from the request's
id, so two downloads of one request differ only in the Bundle's identifier and timestamp, and the
Claim's identifier is the request's id — what a ClaimResponse names to be matched back to it.
"""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from authorizations.models import (
    AuthorizationRequest,
    CertificationType,
    CodeSystem,
    RequestAttachment,
    ServiceLine,
    ServiceTrack,
    SubscriberRelationship,
)
from authorizations.pas import codes as c
from iop.tenancy.models import StaffProfile

# HCPCS codes of substance-use services: their lines ask under service type AI, the rest under MH.
SUBSTANCE_USE_CODES = frozenset({"H0001", "H0005", "H0015"})


@dataclass(frozen=True)
class Requester:
    """The provider organization as it identifies itself to payers (the 278's 2010B): its name,
    NPI and the place of service of its program (CMS POS code, e.g. 11 office)."""

    name: str
    npi: str = ""
    place_of_service: str = ""


def claim_identifier(request_id: uuid.UUID | str) -> str:
    """The PASClaim's business identifier (and the Claim's fullUrl): the request's own id."""
    return f"urn:uuid:{request_id}"


def _full_url(request: AuthorizationRequest, key: str) -> str:
    return f"urn:uuid:{uuid.uuid5(request.pk, key)}"


def patient_full_url(request: AuthorizationRequest) -> str:
    """The member's fullUrl in the request's Bundle (a ClaimResponse may name the member by it)."""
    return _full_url(request, "patient")


def _coding(system: str, code: str, display: str = "") -> dict[str, Any]:
    coding = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return {"coding": [coding]}


def _money(value: Decimal) -> dict[str, Any]:
    return {"value": float(value), "currency": "USD"}


def _human_name(full: str) -> dict[str, Any]:
    parts = full.split()
    name: dict[str, Any] = {"text": full}
    if parts:
        name["family"] = parts[-1]
    if len(parts) > 1:
        name["given"] = parts[:-1]
    return name


@dataclass
class _Entries:
    request: AuthorizationRequest
    entries: list[dict[str, Any]]

    def add(self, key: str, resource: dict[str, Any]) -> str:
        url = _full_url(self.request, key)
        self.entries.append({"fullUrl": url, "resource": resource})
        return url


def pas_bundle(
    request: AuthorizationRequest,
    *,
    requester: Requester,
    clinician: StaffProfile | None,
    now: dt.datetime,
    bundle_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    """The PASRequestBundle of `request` (loaded by `request_get`) sent by `requester` at `now`.
    `clinician` is the episode's primary clinician's staff profile (none: no care team)."""
    organization = request.organization
    coverage = request.coverage
    built = _Entries(request=request, entries=[])
    claim_url = claim_identifier(request.pk)
    built.entries.append({"fullUrl": claim_url, "resource": {}})  # the Claim first, filled in last

    patient_url = built.add("patient", _patient(request, c.BENEFICIARY))
    insurer_url = built.add("insurer", _insurer(coverage.payer))
    requestor_url = built.add("requestor", _requestor(requester, organization.name))
    subscriber_url = patient_url
    if coverage.subscriber_relationship != SubscriberRelationship.SELF and coverage.subscriber_name:
        subscriber_url = built.add("subscriber", _subscriber(request))
    coverage_url = built.add(
        "coverage", _coverage(request, patient=patient_url, subscriber=subscriber_url, insurer=insurer_url)
    )
    role_url = ""
    if clinician is not None:
        practitioner_url = built.add("practitioner", _practitioner(clinician))
        role_url = built.add(
            "practitioner-role",
            {
                "resourceType": "PractitionerRole",
                "meta": {"profile": [c.PRACTITIONER_ROLE]},
                "active": True,
                "practitioner": {"reference": practitioner_url},
                "organization": {"reference": requestor_url},
            },
        )
    diagnoses = sorted(request.diagnoses.all(), key=lambda d: d.sequence)
    supporting: list[dict[str, Any]] = [
        {
            "sequence": 1,
            "category": _coding(c.PAS_TEMP, "patientEvent", "Patient Event"),
            "timingPeriod": {"start": request.start_date.isoformat(), "end": request.end_date.isoformat()},
        }
    ]
    for diagnosis in diagnoses:
        condition_url = built.add(f"condition-{diagnosis.pk}", _condition(diagnosis, patient=patient_url))
        supporting.append(_additional_information(len(supporting) + 1, condition_url))
    for attachment in request.attachments.all():
        document_url = built.add(f"attachment-{attachment.pk}", _document(attachment, patient=patient_url, now=now))
        supporting.append(_additional_information(len(supporting) + 1, document_url))
    message = _message(request)
    if message:
        supporting.append(
            {
                "sequence": len(supporting) + 1,
                "category": _coding(c.PAS_TEMP, "freeFormMessage", "Free Form Message"),
                "valueString": message,
            }
        )

    lines = list(request.lines.all())
    institutional = any(line.code_system == CodeSystem.REVENUE for line in lines)
    level_code, level_display = c.LEVEL_OF_SERVICE[request.urgency]
    claim: dict[str, Any] = {
        "resourceType": "Claim",
        "id": str(request.pk),
        "meta": {"profile": [c.CLAIM]},
        "extension": [
            {
                "url": c.EXT_LEVEL_OF_SERVICE,
                "valueCodeableConcept": _coding(c.X12_LEVEL_OF_SERVICE, level_code, level_display),
            }
        ],
        "identifier": [{"system": c.URI, "value": claim_url}],
        "status": "active",
        "type": _coding(c.CLAIM_TYPE, "institutional" if institutional else "professional"),
        "use": "preauthorization",
        "patient": {"reference": patient_url},
        "created": now.isoformat(),
        "insurer": {"reference": insurer_url},
        "provider": {"reference": requestor_url},
        "priority": _coding(c.PROCESS_PRIORITY, c.PRIORITY[request.urgency]),
        "insurance": [{"sequence": 1, "focal": True, "coverage": {"reference": coverage_url}}],
        "supportingInfo": supporting,
        "item": [
            _item(request, line, n, requester=requester, care_team=bool(role_url), diagnoses=diagnoses)
            for n, line in enumerate(lines, start=1)
        ],
    }
    if role_url:
        claim["careTeam"] = [
            {
                "extension": [{"url": c.EXT_CARE_TEAM_SCOPE, "valueBoolean": True}],
                "sequence": 1,
                "provider": {"reference": role_url},
                "role": _coding(c.X12_ENTITY, "SJ", "Service Provider"),
            }
        ]
    if diagnoses:
        claim["diagnosis"] = [
            {
                "sequence": d.sequence,
                "diagnosisCodeableConcept": _coding(c.ICD10_CM, d.code, d.description),
                **({"type": [_coding(c.PAS_TEMP, "principal", "Principal")]} if d.sequence == 1 else {}),
            }
            for d in diagnoses
        ]
    built.entries[0]["resource"] = claim
    return {
        "resourceType": "Bundle",
        "meta": {"profile": [c.REQUEST_BUNDLE]},
        "identifier": {"system": c.URI, "value": f"urn:uuid:{bundle_id or uuid.uuid4()}"},
        "type": "collection",
        "timestamp": now.isoformat(),
        "entry": built.entries,
    }


def _item(
    request: AuthorizationRequest,
    line: ServiceLine,
    sequence: int,
    *,
    requester: Requester,
    care_team: bool,
    diagnoses: list,
) -> dict[str, Any]:
    """One requested service: its code (CPT/HCPCS; a revenue code goes in `revenue`, the service
    type standing in for the procedure), the total units over its window, the fee where known,
    and the 278's UM01/UM02 and prior authorization number as PAS item extensions."""
    sud = line.track == ServiceTrack.SUD_COUNSELING or line.code in SUBSTANCE_USE_CODES
    service_type = c.SERVICE_TYPE_SUBSTANCE_USE if sud else c.SERVICE_TYPE_MENTAL_HEALTH
    extensions: list[dict[str, Any]] = [
        {"url": c.EXT_ITEM_TRACE_NUMBER, "valueIdentifier": {"system": c.URI, "value": f"urn:uuid:{line.pk}"}},
        {
            "url": c.EXT_REQUEST_TYPE,
            "valueCodeableConcept": _coding(
                c.X12_REQUEST_CATEGORY, c.REQUEST_CATEGORY_HEALTH_SERVICES, "Health Services Review"
            ),
        },
        {
            "url": c.EXT_CERTIFICATION_TYPE,
            "valueCodeableConcept": _coding(
                c.X12_CERTIFICATION_TYPE,
                request.certification_type,
                c.CERTIFICATION_TYPES[request.certification_type],
            ),
        },
    ]
    prior = request.prior_authorization
    if prior is not None and request.certification_type != CertificationType.INITIAL:
        extensions.append({"url": c.EXT_AUTHORIZATION_NUMBER, "valueString": prior.number})
    unit_code, unit_display = c.UNIT[line.unit_type]
    item: dict[str, Any] = {
        "extension": extensions,
        "sequence": sequence,
        "category": _coding(c.X12_SERVICE_TYPE, *service_type),
        "servicedPeriod": {"start": line.start_date.isoformat(), "end": line.end_date.isoformat()},
        "quantity": {
            "value": line.units * max(line.estimated_sessions, 1),
            "unit": unit_display,
            "system": c.X12_UNIT,
            "code": unit_code,
        },
    }
    if care_team:
        item["careTeamSequence"] = [1]
    if diagnoses:
        item["diagnosisSequence"] = [d.sequence for d in diagnoses[:4]]
    if line.code_system == CodeSystem.REVENUE:
        item["revenue"] = _coding(c.NUBC_REVENUE, line.code, line.description)
        item["productOrService"] = _coding(c.X12_SERVICE_TYPE, *service_type)
    else:
        system = c.CPT if line.code_system == CodeSystem.CPT else c.HCPCS
        item["productOrService"] = _coding(system, line.code, line.description)
    if requester.place_of_service:
        item["locationCodeableConcept"] = _coding(c.PLACE_OF_SERVICE, requester.place_of_service)
    if line.unit_rate is not None:
        item["unitPrice"] = _money(line.unit_rate)
        if line.projected_cost is not None:
            item["net"] = _money(line.projected_cost)
    return item


def _member_identifier(request: AuthorizationRequest) -> dict[str, Any]:
    payer = request.coverage.payer
    return {
        "type": _coding(c.IDENTIFIER_TYPE, "MB", "Member Number"),
        "system": member_id_system(payer.payer_id or str(payer.pk)),
        "value": request.coverage.member_id,
    }


# Clearinghouse payer ids (the 278's 2010A NM109 with qualifier PI) have no FHIR system of their own.
PAYER_ID_SYSTEM = "urn:x12:payer-id"


def member_id_system(payer_key: str) -> str:
    """The namespace of a payer's member ids (payers publish no FHIR system of their own)."""
    return f"{PAYER_ID_SYSTEM}:{payer_key}:member-id"


def _patient(request: AuthorizationRequest, profile: str) -> dict[str, Any]:
    client = request.episode.client
    return {
        "resourceType": "Patient",
        "meta": {"profile": [profile]},
        "identifier": [_member_identifier(request)],
        "name": [{"family": client.last_name, "given": [client.first_name]}],
        # US Core requires a gender; the client record keeps none, and "unknown" says so.
        "gender": "unknown",
        "birthDate": client.date_of_birth.isoformat(),
    }


def _subscriber(request: AuthorizationRequest) -> dict[str, Any]:
    coverage = request.coverage
    subscriber: dict[str, Any] = {
        "resourceType": "Patient",
        "meta": {"profile": [c.SUBSCRIBER]},
        "identifier": [_member_identifier(request)],
        "name": [_human_name(coverage.subscriber_name)],
        "gender": "unknown",
    }
    if coverage.subscriber_date_of_birth:
        subscriber["birthDate"] = coverage.subscriber_date_of_birth.isoformat()
    return subscriber


def _coverage(request: AuthorizationRequest, *, patient: str, subscriber: str, insurer: str) -> dict[str, Any]:
    coverage = request.coverage
    code, display = c.RELATIONSHIP[coverage.subscriber_relationship]
    period = {"start": coverage.effective_from.isoformat()}
    if coverage.effective_to:
        period["end"] = coverage.effective_to.isoformat()
    resource: dict[str, Any] = {
        "resourceType": "Coverage",
        "meta": {"profile": [c.COVERAGE]},
        "identifier": [_member_identifier(request)],
        "status": "active",
        "subscriber": {"reference": subscriber},
        "subscriberId": coverage.member_id,
        "beneficiary": {"reference": patient},
        "relationship": _coding(c.X12_RELATIONSHIP, code, display),
        "period": period,
        "payor": [{"reference": insurer}],
    }
    classes = []
    if coverage.group_number:
        classes.append({"type": _coding(c.COVERAGE_CLASS, "group"), "value": coverage.group_number})
    if coverage.plan is not None:
        classes.append({"type": _coding(c.COVERAGE_CLASS, "plan"), "value": coverage.plan.name})
    if classes:
        resource["class"] = classes
    return resource


def _insurer(payer) -> dict[str, Any]:
    insurer: dict[str, Any] = {
        "resourceType": "Organization",
        "meta": {"profile": [c.INSURER]},
        "active": True,
        "type": [_coding(c.X12_ENTITY, "PR", "Payer")],
        "name": payer.name,
    }
    if payer.payer_id:
        insurer["identifier"] = [
            {"type": _coding(c.PAYER_ID_TYPE, "payerid"), "system": PAYER_ID_SYSTEM, "value": payer.payer_id}
        ]
    return insurer


def _requestor(requester: Requester, default_name: str) -> dict[str, Any]:
    requestor: dict[str, Any] = {
        "resourceType": "Organization",
        "meta": {"profile": [c.REQUESTOR]},
        "active": True,
        "type": [_coding(c.X12_ENTITY, "1P", "Provider")],
        "name": requester.name or default_name,
    }
    if requester.npi:
        requestor["identifier"] = [{"system": c.NPI, "value": requester.npi}]
    return requestor


def _practitioner(profile: StaffProfile) -> dict[str, Any]:
    """The clinician, identified by their state license (PASIdentifier's jurisdiction) where the
    staff profile has one, else by their membership's id; the record keeps no individual NPI."""
    membership = profile.membership
    if profile.license_number:
        identifier: dict[str, Any] = {
            "type": _coding(c.IDENTIFIER_TYPE, "LN", "License number"),
            "system": f"urn:us-state-license:{(profile.license_state or 'us').lower()}",
            "value": profile.license_number,
        }
        if profile.license_state:
            identifier["extension"] = [
                {
                    "url": c.EXT_IDENTIFIER_JURISDICTION,
                    "valueCodeableConcept": _coding(c.USPS, profile.license_state.upper()),
                }
            ]
    else:
        identifier = {"system": c.URI, "value": f"urn:uuid:{membership.pk}"}
    practitioner: dict[str, Any] = {
        "resourceType": "Practitioner",
        "meta": {"profile": [c.PRACTITIONER]},
        "identifier": [identifier],
        "name": [_human_name(membership.user.get_full_name())],
    }
    if profile.credentials:
        practitioner["qualification"] = [{"code": {"text": profile.credentials}}]
    return practitioner


def _condition(diagnosis, *, patient: str) -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "meta": {"profile": [c.CONDITION]},
        "clinicalStatus": _coding(c.CONDITION_CLINICAL, "active"),
        "verificationStatus": _coding(c.CONDITION_VERIFICATION, "confirmed"),
        "category": [_coding(c.CONDITION_CATEGORY, "problem-list-item", "Problem List Item")],
        "code": _coding(c.ICD10_CM, diagnosis.code, diagnosis.description),
        "subject": {"reference": patient},
    }


def _document(attachment: RequestAttachment, *, patient: str, now: dt.datetime) -> dict[str, Any]:
    """An attachment with its content inline (the payer has no other way to fetch it)."""
    with attachment.file.open("rb") as handle:
        data = base64.b64encode(handle.read()).decode("ascii")
    return {
        "resourceType": "DocumentReference",
        "meta": {"profile": [c.DOCUMENT_REFERENCE]},
        "status": "current",
        # The attachment's kind is not recorded: US Core's type binding admits "unknown".
        "type": _coding(c.DATA_ABSENT, "unknown", "Unknown"),
        "category": [_coding(c.DOCUMENT_CATEGORY, "clinical-note", "Clinical Note")],
        "subject": {"reference": patient},
        "date": (attachment.uploaded_at or now).isoformat(),
        "content": [
            {
                "attachment": {
                    "contentType": attachment.content_type,
                    "data": data,
                    "title": attachment.name,
                    "size": attachment.size,
                }
            }
        ],
    }


def _additional_information(sequence: int, reference: str) -> dict[str, Any]:
    return {
        "sequence": sequence,
        "category": _coding(c.PAS_TEMP, "additionalInformation", "Additional Information"),
        "valueReference": {"reference": reference},
    }


def _message(request: AuthorizationRequest) -> str:
    """The justification, as the request PDF words it, for the reviewer (X12's MSG)."""
    parts = [
        ("Why not a lower level of care", request.why_not_lower_level),
        ("Why not a higher level of care", request.why_not_higher_level),
        ("Clinical summary", request.clinical_summary),
    ]
    return "\n\n".join(f"{label}: {text.strip()}" for label, text in parts if text and text.strip())
