"""Checks of a PAS request Bundle: first the FHIR R4 structure (the `fhir.resources` models, which
know every element, type and cardinality of base FHIR but nothing of PAS), then what the PAS
profiles add that the models cannot see — fixed values, tightened cardinalities, the extensions
and code systems PAS binds, and that every reference resolves inside the Bundle.

`fhir.resources` 8.x: its R4B models (4.3.0). PAS is on R4 (4.0.1); R4B changed none of the
resources a PAS bundle holds (Claim, ClaimResponse, Coverage, Patient, Organization, Practitioner,
PractitionerRole, Condition, DocumentReference), and the 6.x line that still has R4 models needs
pydantic 1, end of life.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError

from authorizations.pas import codes as c

# The item extensions PASClaim defines (STU 2); anything else on an item is not PAS.
CLAIM_ITEM_EXTENSIONS = frozenset(
    {
        c.EXT_ITEM_TRACE_NUMBER,
        c.EXT_AUTHORIZATION_NUMBER,
        c.EXT_ADMINISTRATION_REFERENCE,
        c.EXT_REQUEST_TYPE,
        c.EXT_CERTIFICATION_TYPE,
        c.extension("productOrServiceCodeEnd"),
        c.extension("epsdtIndicator"),
        c.extension("nursingHomeResidentialStatus"),
        c.extension("nursingHomeLevelOfCare"),
        c.extension("revenueUnitRateLimit"),
        c.extension("requestedService"),
    }
)
CLAIM_EXTENSIONS = frozenset(
    {
        c.EXT_LEVEL_OF_SERVICE,
        c.extension("conditionCode"),
        c.extension("homeHealthCareInformation"),
        "http://hl7.org/fhir/5.0/StructureDefinition/extension-Claim.encounter",
    }
)
SUPPORTING_INFO_CATEGORIES = frozenset(
    {
        "patientEvent",
        "admissionDates",
        "dischargeDates",
        "additionalInformation",
        "freeFormMessage",
        "institutionalEncounter",
    }
)
# The profile each reference of the Claim must land on.
CLAIM_REFERENCES = {"patient": c.BENEFICIARY, "insurer": c.INSURER, "provider": c.REQUESTOR}
_NPI = re.compile(r"^\d{10}$")


def fhir_errors(resource: dict[str, Any]) -> list[str]:
    """What the FHIR (R4B) model of the resource's type refuses: missing required elements,
    unknown elements, wrong types; one line per error, with its path."""
    from fhir.resources.R4B import get_fhir_model_class

    resource_type = resource.get("resourceType") if isinstance(resource, dict) else None
    if not isinstance(resource_type, str):
        return ["resourceType: missing"]
    try:
        model = get_fhir_model_class(resource_type)
    except (KeyError, ValueError):
        return [f"resourceType: {resource_type!r} is not a FHIR resource"]
    try:
        model.model_validate(resource)
    except ValidationError as exc:
        return [f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}" for error in exc.errors()]
    return []


def _codes(concept: Any, system: str) -> list[str]:
    if not isinstance(concept, dict):
        return []
    return [
        coding.get("code", "")
        for coding in concept.get("coding", [])
        if isinstance(coding, dict) and coding.get("system") == system
    ]


def _extension(element: dict[str, Any], url: str) -> dict[str, Any] | None:
    return next((e for e in element.get("extension", []) if e.get("url") == url), None)


def _profiles(resource: dict[str, Any]) -> list[str]:
    return list((resource.get("meta") or {}).get("profile") or [])


class _Checker:
    def __init__(self, bundle: dict[str, Any]):
        self.bundle = bundle
        self.problems: list[str] = []
        self.by_url: dict[str, dict[str, Any]] = {}

    def problem(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    def resolve(self, where: str, reference: Any, profile: str = "") -> dict[str, Any] | None:
        target = reference.get("reference") if isinstance(reference, dict) else None
        if not target:
            self.problem(where, "missing reference")
            return None
        resource = self.by_url.get(target)
        if resource is None:
            self.problem(where, f"{target} is not in the Bundle")
            return None
        if profile and profile not in _profiles(resource):
            self.problem(where, f"{target} does not claim the profile {profile}")
        return resource


def pas_request_problems(bundle: dict[str, Any]) -> list[str]:
    """Everything that keeps `bundle` from being a PASRequestBundle with a PASClaim: the FHIR
    model's errors, then the PAS profiles' (empty when it conforms as far as these checks go —
    terminology membership, e.g. whether a CPT code exists, is not checked)."""
    errors = fhir_errors(bundle)
    if errors:
        return errors
    check = _Checker(bundle)
    if c.REQUEST_BUNDLE not in _profiles(bundle):
        check.problem("Bundle.meta.profile", f"must include {c.REQUEST_BUNDLE}")
    if not (bundle.get("identifier") or {}).get("value"):
        check.problem("Bundle.identifier", "required (1..1)")
    if bundle.get("type") != "collection":
        check.problem("Bundle.type", "must be collection")
    if not bundle.get("timestamp"):
        check.problem("Bundle.timestamp", "required (1..1)")
    entries = bundle.get("entry") or []
    if not entries:
        check.problem("Bundle.entry", "required (1..*)")
    for n, entry in enumerate(entries):
        where = f"Bundle.entry[{n}]"
        url = entry.get("fullUrl")
        if not url:
            check.problem(where, "fullUrl required")
        elif url in check.by_url:
            check.problem(where, f"fullUrl {url} appears twice")
        else:
            check.by_url[url] = entry.get("resource") or {}
        for absent in ("search", "request", "response"):
            if absent in entry:
                check.problem(where, f"{absent} not allowed (0..0)")
        if not _profiles(entry.get("resource") or {}):
            check.problem(f"{where}.resource.meta.profile", "names no profile")
    claims = [e["resource"] for e in entries if (e.get("resource") or {}).get("resourceType") == "Claim"]
    if len(claims) != 1:
        check.problem("Bundle.entry:Claim", f"exactly one Claim required, found {len(claims)}")
    else:
        _claim_check(check, claims[0])
    _references_check(check, bundle, "Bundle")
    return check.problems


def _claim_check(check: _Checker, claim: dict[str, Any]) -> None:
    w = "Claim"
    if c.CLAIM not in _profiles(claim):
        check.problem(f"{w}.meta.profile", f"must include {c.CLAIM}")
    if not 1 <= len(claim.get("identifier") or []) <= 2:
        check.problem(f"{w}.identifier", "1..2 required")
    if claim.get("status") != "active":
        check.problem(f"{w}.status", "must be active")
    if claim.get("use") != "preauthorization":
        check.problem(f"{w}.use", "must be preauthorization")
    for element, profile in CLAIM_REFERENCES.items():
        check.resolve(f"{w}.{element}", claim.get(element), profile)
    provider = check.by_url.get((claim.get("provider") or {}).get("reference", ""), {})
    for identifier in provider.get("identifier", []):
        if identifier.get("system") == c.NPI and not _NPI.match(identifier.get("value", "")):
            check.problem(f"{w}.provider", "an NPI is ten digits")
    for extension in claim.get("extension", []):
        if extension.get("url") not in CLAIM_EXTENSIONS:
            check.problem(f"{w}.extension", f"{extension.get('url')} is not a PASClaim extension")
    insurances = claim.get("insurance") or []
    if not any(i.get("focal") is True for i in insurances):
        check.problem(f"{w}.insurance", "one insurance must be focal = true")
    for n, insurance in enumerate(insurances):
        if insurance.get("focal") is not True:
            check.problem(f"{w}.insurance[{n}].focal", "must be true (PAS sends the focal coverage only)")
        coverage = check.resolve(f"{w}.insurance[{n}].coverage", insurance.get("coverage"), c.COVERAGE)
        if coverage is not None:
            _coverage_check(check, coverage, claim, f"{w}.insurance[{n}].coverage")
    for n, member in enumerate(claim.get("careTeam") or []):
        where = f"{w}.careTeam[{n}]"
        scope = _extension(member, c.EXT_CARE_TEAM_SCOPE)
        if scope is None or not isinstance(scope.get("valueBoolean"), bool):
            check.problem(where, "careTeamClaimScope extension required (1..1)")
        role = check.resolve(f"{where}.provider", member.get("provider"))
        if role is not None and role.get("resourceType") == "PractitionerRole":
            if c.PRACTITIONER_ROLE not in _profiles(role):
                check.problem(f"{where}.provider", f"must claim {c.PRACTITIONER_ROLE}")
            check.resolve(f"{where}.provider.practitioner", role.get("practitioner"), c.PRACTITIONER)
        elif role is not None and role.get("resourceType") != "Organization":
            check.problem(f"{where}.provider", "must be a PractitionerRole or an Organization")
        if member.get("role") and not _codes(member["role"], c.X12_ENTITY):
            check.problem(f"{where}.role", f"must be coded in {c.X12_ENTITY}")
    for n, diagnosis in enumerate(claim.get("diagnosis") or []):
        if not _codes(diagnosis.get("diagnosisCodeableConcept"), c.ICD10_CM):
            check.problem(f"{w}.diagnosis[{n}]", "diagnosisCodeableConcept must be an ICD-10-CM code")
    sequences = set()
    for n, info in enumerate(claim.get("supportingInfo") or []):
        _supporting_info_check(check, info, f"{w}.supportingInfo[{n}]")
        sequences.add(info.get("sequence"))
    items = claim.get("item") or []
    if not items:
        check.problem(f"{w}.item", "required (1..*)")
    care_team = {m.get("sequence") for m in claim.get("careTeam") or []}
    diagnoses = {d.get("sequence") for d in claim.get("diagnosis") or []}
    for n, item in enumerate(items):
        _item_check(check, item, f"{w}.item[{n}]", care_team=care_team, diagnoses=diagnoses, info=sequences)


def _coverage_check(check: _Checker, coverage: dict[str, Any], claim: dict[str, Any], where: str) -> None:
    if coverage.get("status") != "active":
        check.problem(f"{where}.status", "must be active")
    if (coverage.get("beneficiary") or {}).get("reference") != (claim.get("patient") or {}).get("reference"):
        check.problem(f"{where}.beneficiary", "must be the Claim's patient")
    payors = [p.get("reference") for p in coverage.get("payor") or []]
    if (claim.get("insurer") or {}).get("reference") not in payors:
        check.problem(f"{where}.payor", "must include the Claim's insurer")
    if coverage.get("relationship") and not _codes(coverage["relationship"], c.X12_RELATIONSHIP):
        check.problem(f"{where}.relationship", f"must be coded in {c.X12_RELATIONSHIP}")
    subscriber = check.resolve(f"{where}.subscriber", coverage.get("subscriber"))
    if subscriber is not None and not {c.SUBSCRIBER, c.BENEFICIARY} & set(_profiles(subscriber)):
        check.problem(f"{where}.subscriber", "must claim PASSubscriber (or be the beneficiary)")


def _supporting_info_check(check: _Checker, info: dict[str, Any], where: str) -> None:
    (category, *_) = _codes(info.get("category"), c.PAS_TEMP) or [""]
    if category not in SUPPORTING_INFO_CATEGORIES:
        check.problem(f"{where}.category", f"must be a PASSupportingInfoType code ({c.PAS_TEMP})")
        return
    has_value = any(key.startswith("value") for key in info)
    has_timing = any(key.startswith("timing") for key in info)
    if category == "patientEvent" and (has_value or not has_timing):
        check.problem(where, "a patientEvent has timing[x] and no value[x]")
    if category == "additionalInformation":
        if has_timing or "valueReference" not in info:
            check.problem(where, "additionalInformation has a valueReference and no timing[x]")
        else:
            check.resolve(f"{where}.valueReference", info["valueReference"])
    if category == "freeFormMessage" and (has_timing or not info.get("valueString")):
        check.problem(where, "a freeFormMessage has a valueString and no timing[x]")


def _item_check(
    check: _Checker, item: dict[str, Any], where: str, *, care_team: set, diagnoses: set, info: set
) -> None:
    for extension in item.get("extension", []):
        if extension.get("url") not in CLAIM_ITEM_EXTENSIONS:
            check.problem(f"{where}.extension", f"{extension.get('url')} is not a PASClaim item extension")
    certification = _extension(item, c.EXT_CERTIFICATION_TYPE)
    if certification is not None and not _codes(certification.get("valueCodeableConcept"), c.X12_CERTIFICATION_TYPE):
        check.problem(f"{where}.extension:certificationType", f"must be coded in {c.X12_CERTIFICATION_TYPE}")
    request_type = _extension(item, c.EXT_REQUEST_TYPE)
    if request_type is not None and not _codes(request_type.get("valueCodeableConcept"), c.X12_REQUEST_CATEGORY):
        check.problem(f"{where}.extension:requestType", f"must be coded in {c.X12_REQUEST_CATEGORY}")
    number = _extension(item, c.EXT_AUTHORIZATION_NUMBER)
    if number is not None and not number.get("valueString"):
        check.problem(f"{where}.extension:authorizationNumber", "valueString required")
    if not _codes(item.get("category"), c.X12_SERVICE_TYPE):
        check.problem(f"{where}.category", f"required (1..1), coded in {c.X12_SERVICE_TYPE}")
    product = item.get("productOrService")
    if not any(_codes(product, system) for system in (c.CPT, c.HCPCS, c.X12_SERVICE_TYPE)):
        check.problem(f"{where}.productOrService", "must be a CPT, HCPCS or X12 service type code")
    if item.get("revenue") and not _codes(item["revenue"], c.NUBC_REVENUE):
        check.problem(f"{where}.revenue", f"must be coded in {c.NUBC_REVENUE}")
    if item.get("locationCodeableConcept") and not _codes(item["locationCodeableConcept"], c.PLACE_OF_SERVICE):
        check.problem(f"{where}.locationCodeableConcept", "must be a CMS place of service code")
    sequences = {"careTeamSequence": care_team, "diagnosisSequence": diagnoses, "informationSequence": info}
    for key, known in sequences.items():
        for sequence in item.get(key, []):
            if sequence not in known:
                check.problem(f"{where}.{key}", f"{sequence} names nothing on the Claim")


def _references_check(check: _Checker, node: Any, where: str) -> None:
    """Every `urn:uuid` reference anywhere in the Bundle is one of its entries."""
    if isinstance(node, dict):
        target = node.get("reference")
        if isinstance(target, str) and target.startswith("urn:uuid:") and target not in check.by_url:
            check.problem(where, f"{target} is not in the Bundle")
        for key, value in node.items():
            _references_check(check, value, f"{where}.{key}")
    elif isinstance(node, list):
        for n, value in enumerate(node):
            _references_check(check, value, f"{where}[{n}]")
