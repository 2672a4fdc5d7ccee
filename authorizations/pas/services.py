"""The PAS rail's writes: a request's Bundle leaves (kept as an outbound InteropMessage), and the
payer's ClaimResponse comes back in as the request's determination (kept as an inbound one)."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from authorizations.errors import AuthorizationsErrorCode
from authorizations.models import (
    APPROVING_ACTIONS,
    AuthorizationRequest,
    Determination,
    DeterminationAction,
    InteropDirection,
    InteropFormat,
    InteropMessage,
    ServiceLine,
)
from authorizations.pas.bundle import claim_identifier, patient_full_url
from authorizations.pas.claim_response import FIELD, ClaimResponseRead, ItemDecision, claim_response_read
from authorizations.pas.selectors import request_pas_bundle
from authorizations.requests.services.determinations import ApprovedLine, determination_record
from iop.common.exceptions import refuse

if TYPE_CHECKING:
    from iop.accounts.models import User

_REASON_CODE = re.compile(r"^[A-Z0-9]{1,3}$")
_LABELS = dict(DeterminationAction.choices)


@transaction.atomic
def pas_bundle_send(
    *, request: AuthorizationRequest, actor: User | None, now: dt.datetime | None = None
) -> InteropMessage:
    """The request's PAS Bundle as it leaves now, kept as sent (an outbound InteropMessage whose
    trace number is the Claim's identifier). A request without service lines is refused: a PASClaim
    has at least one item."""
    if not ServiceLine.objects.filter(organization_id=request.organization_id, request_id=request.pk).exists():
        refuse(
            "The request has no service lines: a PAS Claim needs at least one item. Add the lines first.",
            code=AuthorizationsErrorCode.INCOMPLETE,
            field="__all__",
        )
    bundle = request_pas_bundle(organization=request.organization, request=request, now=now or timezone.now())
    return _message_keep(
        request=request,
        format=InteropFormat.FHIR_PAS_BUNDLE,
        direction=InteropDirection.OUTBOUND,
        content=json.dumps(bundle, indent=2, ensure_ascii=False),
        actor=actor,
    )


def _message_keep(
    *, request: AuthorizationRequest, format: str, direction: str, content: str, actor: User | None
) -> InteropMessage:
    """A PAS file of `request` kept as sent or received, traced by the Claim's identifier."""
    return InteropMessage.objects.create(
        organization_id=request.organization_id,
        format=format,
        direction=direction,
        request=request,
        packet_id=request.packet_id,
        coverage_id=request.coverage_id,
        trace_number=claim_identifier(request.pk),
        content=content,
        created_by=actor,
    )


@dataclass(frozen=True)
class _Decided:
    decision: ItemDecision
    line: ServiceLine


@transaction.atomic
def claim_response_import(
    *,
    request: AuthorizationRequest,
    content: str,
    actor: User | None,
    information_due: dt.date | None = None,
) -> Determination:
    """Record the payer's ClaimResponse (or its response Bundle) as the request's determination,
    through `determination_record`, with the file kept (an inbound InteropMessage, the
    determination's `source_message`). One determination answers the whole Claim, as a 278
    response's HCRs do: the items approved (A1/A2/A6, each with its certification number,
    preAuthPeriod and authorizedItemDetail quantity/code, else as requested) are its lines, under
    A1 when every item was certified in total, else A6 when one was modified, else A2; without
    an approved item, a pended one pends the request (A4: the CommunicationRequest's text and
    date, else `information_due`), else the request is not certified (A3) or cancelled (C). Items
    denied or pended beside approved ones are named in the reason.

    Refused with nothing saved: a file that is not a FHIR ClaimResponse, a payer error (the
    request was not processed), a response to another request (or naming none) or about another
    member, an item answering no line of the request, several certification numbers."""
    read = claim_response_read(content)
    if read.outcome == "error" or read.errors:
        codes = ", ".join(read.errors) or "none given"
        refuse(
            f"The payer could not process the request (error codes: {codes}); nothing was recorded. "
            "Correct the request and send it again.",
            code=AuthorizationsErrorCode.FHIR_REJECTED,
            field=FIELD,
        )
    _match(request, read)
    decided = _decided_items(request, read)
    message = _message_keep(
        request=request,
        format=InteropFormat.FHIR_CLAIM_RESPONSE,
        direction=InteropDirection.INBOUND,
        content=content,
        actor=actor,
    )
    return determination_record(
        request=request,
        actor=actor,
        decided_at=read.created,
        source_message=message,
        **_determination(request, read, decided, information_due),
    )


def _bare(reference: str) -> str:
    for prefix in ("urn:uuid:", "Claim/"):
        if reference.startswith(prefix):
            return reference[len(prefix) :]
    return reference


def _match(request: AuthorizationRequest, read: ClaimResponseRead) -> None:
    """The ClaimResponse answers this request's Claim, for this request's member."""
    ours = str(request.pk)
    named = [_bare(reference) for reference in read.claim_references]
    if not named:
        refuse(
            "The ClaimResponse does not say which request it answers (no request reference or identifier).",
            code=AuthorizationsErrorCode.FHIR_OTHER_REQUEST,
            field=FIELD,
        )
    if ours not in named:
        refuse(
            f"This ClaimResponse answers another request ({named[0]}), not this one; nothing was recorded.",
            code=AuthorizationsErrorCode.FHIR_OTHER_REQUEST,
            field=FIELD,
        )
    member_id = request.coverage.member_id
    if read.member_ids and member_id not in read.member_ids:
        refuse(
            f"This ClaimResponse is about another member (member id {read.member_ids[0]}), not this request's;"
            " nothing was recorded.",
            code=AuthorizationsErrorCode.MEMBER_MISMATCH,
            field=FIELD,
        )
    if not read.member_ids and read.patient_reference != patient_full_url(request):
        refuse(
            "The ClaimResponse does not name the member it is about.",
            code=AuthorizationsErrorCode.MEMBER_MISMATCH,
            field=FIELD,
        )


def _decided_items(request: AuthorizationRequest, read: ClaimResponseRead) -> list[_Decided]:
    """Each reviewed item with the request line it answers: by its item trace number (the line's
    id, as the Bundle sent it), else by its sequence in the Claim."""
    lines = list(ServiceLine.objects.filter(organization_id=request.organization_id, request_id=request.pk))
    by_trace = {f"urn:uuid:{line.pk}": line for line in lines}
    decided = []
    for item in read.items:
        if not item.action:
            continue
        line = next((by_trace[t] for t in item.trace_numbers if t in by_trace), None)
        if line is None and not item.trace_numbers and 1 <= item.sequence <= len(lines):
            line = lines[item.sequence - 1]
        if line is None:
            refuse(
                f"Item {item.sequence} of the ClaimResponse answers no line of this request.",
                code=AuthorizationsErrorCode.FHIR_UNKNOWN_ITEM,
                field=FIELD,
            )
        if item.action not in DeterminationAction.values:
            refuse(
                f"Item {item.sequence} ({line.code}): the review action {item.action} is not a decision this"
                " request can record (A1, A2, A3, A4, A6 or C).",
                code=AuthorizationsErrorCode.FHIR_NO_DECISION,
                field=FIELD,
            )
        decided.append(_Decided(decision=item, line=line))
    if not decided:
        refuse(
            "The ClaimResponse carries no review action on any item: there is no decision to record.",
            code=AuthorizationsErrorCode.FHIR_NO_DECISION,
            field=FIELD,
        )
    return decided


def _describe(decided: list[_Decided]) -> str:
    parts = []
    for d in decided:
        reasons = f" (reason {', '.join(d.decision.reason_codes)})" if d.decision.reason_codes else ""
        parts.append(f"{d.line.code}: {_LABELS[d.decision.action].lower()}{reasons}")
    return "; ".join(parts)


def _determination(
    request: AuthorizationRequest, read: ClaimResponseRead, decided: list[_Decided], information_due: dt.date | None
) -> dict:
    approving = [d for d in decided if d.decision.action in APPROVING_ACTIONS]
    others = [d for d in decided if d.decision.action not in APPROVING_ACTIONS]
    reason_codes = [code for d in others or decided for code in d.decision.reason_codes if _REASON_CODE.match(code)]
    reason = " ".join(part for part in (read.disposition.strip(), _describe(others) + "." if others else "") if part)
    values: dict = {"reason_code": reason_codes[0] if reason_codes else ""}
    if approving:
        numbers = list(dict.fromkeys(d.decision.number for d in approving if d.decision.number))
        if len(numbers) > 1:
            refuse(
                f"The approved items carry different certification numbers ({', '.join(numbers)}); one authorization"
                " has one number: record this answer by hand.",
                code=AuthorizationsErrorCode.FHIR_SEVERAL_NUMBERS,
                field=FIELD,
            )
        actions = {d.decision.action for d in approving}
        action = (
            DeterminationAction.CERTIFIED
            if actions == {DeterminationAction.CERTIFIED} and not others
            else DeterminationAction.MODIFIED
            if DeterminationAction.MODIFIED in actions
            else DeterminationAction.PARTIAL
        )
        return {
            **values,
            "action": action,
            "authorization_number": numbers[0] if numbers else read.pre_auth_ref,
            "lines": [_approved_line(d, read) for d in approving],
            "reason": reason,
        }
    actions = {d.decision.action for d in decided}
    if DeterminationAction.PENDED in actions:
        return {
            **values,
            "action": DeterminationAction.PENDED,
            "reason": read.information_requested or reason or "The payer pended the request.",
            "information_due": information_due or read.information_due,
        }
    action = (
        DeterminationAction.CANCELLED
        if actions == {DeterminationAction.CANCELLED}
        else DeterminationAction.NOT_CERTIFIED
    )
    return {
        **values,
        "action": action,
        "reason": reason or f"{_LABELS[action]} by the payer.",
        "administrative_reference": next(
            (d.decision.administrative_reference for d in decided if d.decision.administrative_reference), ""
        ),
    }


def _approved_line(decided: _Decided, read: ClaimResponseRead) -> ApprovedLine:
    """An approved item as an authorization line: what the payer authorized where it says
    (authorizedItemDetail, the item's then the response's preAuthPeriod), else what was asked."""
    item, line = decided.decision, decided.line
    return ApprovedLine(
        code=item.code or line.code,
        units=item.quantity if item.quantity is not None else line.units * max(line.estimated_sessions, 1),
        start_date=item.start_date or read.start_date or line.start_date,
        end_date=item.end_date or read.end_date or line.end_date,
        service_line_id=line.pk,
    )
