"""Reading a payer's PAS answer: a PASResponseBundle holding one ClaimResponse, or a bare
ClaimResponse. Parsed with the `fhir.resources` R4B models first (anything that is not FHIR is
refused there), then read for what a determination needs: which Claim and which member it answers,
and per item the X12 306 review action, certification number, reason codes, authorized period,
quantity and code, and the administrative reference.

PAS STU 2 puts the review action on `item.adjudication.extension` (category `submitted`); STU 1
put it on `item.extension`: both are read. Pure: nothing here touches the database.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any, NoReturn

from django.utils.dateparse import parse_date, parse_datetime

from authorizations.errors import AuthorizationsErrorCode
from authorizations.pas import codes as c
from authorizations.pas.checks import fhir_errors
from iop.common.exceptions import refuse

FIELD = "claim_response"
MAX_CHARS = 5_000_000


@dataclass(frozen=True)
class ItemDecision:
    """The payer's review of one item of our Claim (its `itemSequence`)."""

    sequence: int
    trace_numbers: tuple[str, ...]
    action: str
    number: str = ""
    reason_codes: tuple[str, ...] = ()
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    quantity: int | None = None
    code: str = ""
    administrative_reference: str = ""


@dataclass(frozen=True)
class ClaimResponseRead:
    """What a ClaimResponse says, read for matching and recording."""

    claim_references: tuple[str, ...]
    patient_reference: str
    member_ids: tuple[str, ...]
    outcome: str
    created: dt.datetime | None
    disposition: str
    pre_auth_ref: str
    start_date: dt.date | None
    end_date: dt.date | None
    items: tuple[ItemDecision, ...]
    errors: tuple[str, ...] = ()
    information_requested: str = ""
    information_due: dt.date | None = None
    notes: tuple[str, ...] = field(default=())


def _refuse(message: str, code: AuthorizationsErrorCode = AuthorizationsErrorCode.FHIR_MALFORMED) -> NoReturn:
    refuse(message, code=code, field=FIELD)


def _codes(concept: Any) -> list[str]:
    if not isinstance(concept, dict):
        return []
    return [str(coding["code"]) for coding in concept.get("coding", []) if coding.get("code")]


def _extensions(element: dict[str, Any], *urls: str) -> list[dict[str, Any]]:
    return [e for e in element.get("extension", []) if e.get("url") in urls]


def _date(value: Any) -> dt.date | None:
    if not isinstance(value, str) or not value:
        return None
    moment = parse_datetime(value) if "T" in value else None
    return moment.date() if moment is not None else parse_date(value[:10])


def _period(extension: dict[str, Any] | None) -> tuple[dt.date | None, dt.date | None]:
    period = (extension or {}).get("valuePeriod") or {}
    return _date(period.get("start")), _date(period.get("end"))


def claim_response_read(text: str) -> ClaimResponseRead:
    """The ClaimResponse in `text` (a Bundle holding exactly one, or the resource itself); refused
    with a plain reason when it is not JSON, not valid FHIR, or not a preauthorization answer."""
    if not text or not text.strip():
        _refuse("The file is empty.")
    if len(text) > MAX_CHARS:
        _refuse("The file is too large for a ClaimResponse.", AuthorizationsErrorCode.FHIR_TOO_LARGE)
    try:
        document = json.loads(text)
    except ValueError:
        _refuse("This file is not JSON: a PAS ClaimResponse (or its response Bundle) is a FHIR JSON file.")
    if not isinstance(document, dict):
        _refuse("This file is not a FHIR resource.")
    errors = fhir_errors(document)
    if errors:
        shown = "; ".join(errors[:3]) + (f" (and {len(errors) - 3} more)" if len(errors) > 3 else "")
        _refuse(f"This file is not valid FHIR R4: {shown}.")
    by_url: dict[str, dict[str, Any]] = {}
    if document["resourceType"] == "Bundle":
        for entry in document.get("entry", []):
            resource = entry.get("resource") or {}
            if entry.get("fullUrl"):
                by_url[entry["fullUrl"]] = resource
            if resource.get("id"):
                by_url[f"{resource['resourceType']}/{resource['id']}"] = resource
        responses = [r for r in by_url.values() if r.get("resourceType") == "ClaimResponse"]
        responses = list({id(r): r for r in responses}.values())
        if len(responses) != 1:
            _refuse(f"A PAS response Bundle holds one ClaimResponse; this one holds {len(responses)}.")
        response = responses[0]
    elif document["resourceType"] == "ClaimResponse":
        response = document
    else:
        _refuse(f"This file is a FHIR {document['resourceType']}, not a ClaimResponse.")
    if response.get("use") != "preauthorization":
        _refuse("This ClaimResponse does not answer a prior authorization (its use is not preauthorization).")
    return _read(response, by_url)


def _read(response: dict[str, Any], by_url: dict[str, dict[str, Any]]) -> ClaimResponseRead:
    request = response.get("request") or {}
    references = [request.get("reference", ""), (request.get("identifier") or {}).get("value", "")]
    claim = by_url.get(request.get("reference", ""))
    if claim is not None:
        references += [i.get("value", "") for i in claim.get("identifier", [])]
    references += [i.get("value", "") for i in response.get("identifier", [])]
    patient = response.get("patient") or {}
    members = [(patient.get("identifier") or {}).get("value", "")]
    patient_resource = by_url.get(patient.get("reference", ""))
    if patient_resource is not None:
        members += [i.get("value", "") for i in patient_resource.get("identifier", [])]
    for insurance in response.get("insurance", []):
        coverage = by_url.get((insurance.get("coverage") or {}).get("reference", "")) or {}
        members += [coverage.get("subscriberId", "")] + [i.get("value", "") for i in coverage.get("identifier", [])]
    created = parse_datetime(response["created"]) if "T" in response.get("created", "") else None
    start, end = _period({"valuePeriod": response.get("preAuthPeriod")})
    requested, due = _information_requested(response, by_url)
    return ClaimResponseRead(
        claim_references=tuple(dict.fromkeys(r for r in references if r)),
        patient_reference=patient.get("reference", ""),
        member_ids=tuple(dict.fromkeys(m for m in members if m)),
        outcome=response.get("outcome", ""),
        created=created,
        disposition=response.get("disposition", ""),
        pre_auth_ref=response.get("preAuthRef", ""),
        start_date=start,
        end_date=end,
        items=tuple(_item(item) for item in response.get("item", [])),
        errors=tuple(code for error in response.get("error", []) for code in _codes(error.get("code"))),
        information_requested=requested,
        information_due=due,
    )


def _review_action(item: dict[str, Any]) -> dict[str, Any] | None:
    for adjudication in item.get("adjudication", []):
        found = _extensions(adjudication, c.EXT_REVIEW_ACTION)
        if found:
            return found[0]
    found = _extensions(item, c.EXT_REVIEW_ACTION)  # STU 1
    return found[0] if found else None


def _item(item: dict[str, Any]) -> ItemDecision:
    review = _review_action(item) or {}
    action = next(
        iter(_codes(next(iter(_extensions(review, "code", c.EXT_REVIEW_ACTION_CODE)), {}).get("valueCodeableConcept"))),
        "",
    )
    number = next((e.get("valueString", "") for e in _extensions(review, "number")), "")
    reasons = [code for e in _extensions(review, "reasonCode") for code in _codes(e.get("valueCodeableConcept"))]
    start, end = _period(next(iter(_extensions(item, c.EXT_PRE_AUTH_PERIOD)), None))
    detail = next(iter(_extensions(item, c.EXT_AUTHORIZED_DETAIL)), {})
    quantity = next((e.get("valueQuantity", {}).get("value") for e in _extensions(detail, "quantity")), None)
    code = next(
        (code for e in _extensions(detail, "productOrServiceCode") for code in _codes(e.get("valueCodeableConcept"))),
        "",
    )
    return ItemDecision(
        sequence=item.get("itemSequence", 0),
        trace_numbers=tuple(
            e.get("valueIdentifier", {}).get("value", "") for e in _extensions(item, c.EXT_ITEM_TRACE_NUMBER)
        ),
        action=action.upper(),
        number=number.strip(),
        reason_codes=tuple(reasons),
        start_date=start,
        end_date=end,
        quantity=int(quantity) if quantity is not None else None,
        code=code.strip().upper(),
        administrative_reference=next(
            (e.get("valueString", "") for e in _extensions(item, c.EXT_ADMINISTRATION_REFERENCE)), ""
        ).strip(),
    )


def _information_requested(response: dict[str, Any], by_url: dict[str, dict[str, Any]]) -> tuple[str, dt.date | None]:
    """What a pend asks for (the PASCommunicationRequests' payload text, else the process notes)
    and by when (their occurrence)."""
    texts: list[str] = []
    due: dt.date | None = None
    for reference in response.get("communicationRequest", []):
        request = by_url.get(reference.get("reference", "")) or {}
        texts += [p["contentString"] for p in request.get("payload", []) if p.get("contentString")]
        occurrence = request.get("occurrenceDateTime") or (request.get("occurrencePeriod") or {}).get("end")
        due = due or _date(occurrence)
    if not texts:
        texts = [note["text"] for note in response.get("processNote", []) if note.get("text")]
    return " ".join(texts).strip(), due
