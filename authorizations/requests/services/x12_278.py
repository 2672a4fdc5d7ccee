"""A request (or a couple's packet) as an X12 278, and the payer's 278 response imported as its
determination.

Download: one interchange per download, its control number the organization's next (see
`control_number_allocate`), kept as an outbound `InteropMessage`. A couple's packet is one
interchange with one transaction set per partner: X217 carries one patient event per transaction
(2000C–2000E do not repeat), each partner has their own member id and often their own payer, and
clearinghouses route each transaction set by its own UMO — so one file, two ST/SE.

Trace numbers: the event's TRN (and BHT03) is the request's own (`request_trace`), the same on
every download of it, so a response is matched to its request whichever download it answers; each
service loop's TRN names the request line (`line_trace`), so the payer's answer per line finds it.

Import: the transaction of the file whose trace is this request's, about this coverage's member
and this client, becomes one `determination_record` call — one approved line per service loop the
payer certified (HCR A1/A2/A6, its HSD quantity, DTP 472 or 007/036 dates), the lines it did not
certify named in the reason — with the raw file kept as an inbound `InteropMessage` the
determination points at. Anything else is refused and nothing is saved.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, NoReturn

from django.db import transaction
from django.utils import timezone

from authorizations.coverage.services.x12_import import person_is_client
from authorizations.errors import AuthorizationsErrorCode
from authorizations.models import (
    APPROVING_ACTIONS,
    AuthorizationRequest,
    CertificationType,
    CodeSystem,
    Coverage,
    Determination,
    DeterminationAction,
    InteropDirection,
    InteropFormat,
    InteropMessage,
    LevelOfCare,
    RequestPacket,
    RequestStatus,
    ServiceLine,
    SubscriberRelationship,
    UnitType,
    Urgency,
)
from authorizations.requests.services.determinations import ApprovedLine, determination_record
from authorizations.x12 import services as x12_services
from authorizations.x12 import x278
from authorizations.x12.envelope import X12Error
from iop.common.exceptions import refuse
from iop.tenancy.models import Organization

if TYPE_CHECKING:
    from iop.accounts.models import User

MAX_278_CHARS = 1_000_000

# UM03 by level of care (X12 has no IOP service type): mental health for IOP, partial
# hospitalization (psychiatric) for PHP, psychiatric outpatient for OP; substance abuse when the
# request's lines are substance-use codes.
SERVICE_TYPES: dict[str, str] = {LevelOfCare.IOP: "MH", LevelOfCare.PHP: "BB", LevelOfCare.OP: "A8"}
SUBSTANCE_USE_SERVICE_TYPE = "AI"
SUBSTANCE_USE_CODES = frozenset({"H0015", "H0005", "H0001", "H0020", "0906"})
# HSD01 and SV103/SV204 by unit type: days for a per diem, visits for a session or evaluation,
# units for time and instrument codes.
QUANTITY_QUALIFIERS: dict[str, tuple[str, str]] = {
    UnitType.PER_DIEM: ("DY", "DA"),
    UnitType.PER_SESSION: ("VS", "UN"),
    UnitType.PER_EVALUATION: ("VS", "UN"),
    UnitType.PER_15_MIN: ("FL", "UN"),
    UnitType.PER_INSTRUMENT: ("FL", "UN"),
}
ACTION_LABELS = dict(DeterminationAction.choices)
_RENEWING = (CertificationType.RENEWAL, CertificationType.EXTENSION, CertificationType.REVISED)


def request_trace(request: AuthorizationRequest) -> str:
    """The request's trace number (TRN02 of its patient event, BHT03): stable across downloads."""
    return f"R{request.pk.hex[:15].upper()}"


def line_trace(line: ServiceLine) -> str:
    return f"L{line.pk.hex[:15].upper()}"


# --- Download ---------------------------------------------------------------------------------------------


def _split_name(full: str) -> tuple[str, str]:
    """A subscriber's name as typed ("Last, First" or "First Last") as (last, first)."""
    full = (full or "").strip()
    if "," in full:
        last, first = full.split(",", 1)
        return last.strip(), first.strip()
    parts = full.split()
    return (parts[-1], " ".join(parts[:-1])) if parts else ("", "")


def _people(request: AuthorizationRequest) -> tuple[x278.Person, x278.Person | None]:
    coverage, client = request.coverage, request.episode.client
    patient = x278.Person(
        last_name=client.last_name,
        first_name=client.first_name,
        date_of_birth=client.date_of_birth,
        member_id=coverage.member_id,
    )
    if coverage.subscriber_relationship == SubscriberRelationship.SELF:
        return patient, None
    last, first = _split_name(coverage.subscriber_name)
    if not last:
        refuse(
            "The coverage's subscriber is someone else: enter the subscriber's name on the coverage first.",
            code=AuthorizationsErrorCode.X12_NOT_SENDABLE,
            field="__all__",
        )
    subscriber = x278.Person(
        last_name=last, first_name=first, date_of_birth=coverage.subscriber_date_of_birth, member_id=coverage.member_id
    )
    return subscriber, patient


def _service_type(request: AuthorizationRequest, lines: list[ServiceLine]) -> str:
    if lines and all(line.code.upper() in SUBSTANCE_USE_CODES for line in lines if line.track != "assessment"):
        return SUBSTANCE_USE_SERVICE_TYPE
    return SERVICE_TYPES.get(request.level_of_care, "MH")


def _service_item(line: ServiceLine) -> x278.ServiceItem:
    hsd, basis = QUANTITY_QUALIFIERS.get(line.unit_type, ("FL", "UN"))
    return x278.ServiceItem(
        trace=line_trace(line),
        revenue_code=line.code_system == CodeSystem.REVENUE,
        code=line.code,
        units=max(1, line.units * (line.estimated_sessions or 1)),
        unit_basis=basis,
        quantity_qualifier=hsd,
        start_date=line.start_date,
        end_date=line.end_date,
    )


def request_278(request: AuthorizationRequest, settings) -> x278.Request278:
    """What the 278 says about one request. Refused: a draft (its content is not checked yet), no
    service line, a payer without its electronic payer id."""
    if request.status == RequestStatus.DRAFT:
        refuse(
            "Mark the request ready first: the 278 carries what the checks passed.",
            code=AuthorizationsErrorCode.X12_NOT_SENDABLE,
            field="__all__",
        )
    payer = request.coverage.payer
    if not payer.payer_id:
        refuse(
            f"{payer.name} has no electronic payer id: an organization admin adds it to the payer (admin).",
            code=AuthorizationsErrorCode.PAYER_ID_REQUIRED,
            field="__all__",
        )
    lines = sorted(request.lines.all(), key=lambda line: (line.start_date, line.code, line.pk))
    if not lines:
        refuse(
            "The request has no service line: add what is asked for.",
            code=AuthorizationsErrorCode.X12_NOT_SENDABLE,
            field="__all__",
        )
    subscriber, dependent = _people(request)
    prior = request.prior_authorization
    return x278.Request278(
        trace=request_trace(request),
        originator_id=x12_services.originator_id(settings),
        payer_name=payer.name,
        payer_id=payer.payer_id,
        requester_name=settings.requester_name or request.organization.name,
        requester_npi=settings.requester_npi,
        requester_is_facility=any(line.code_system == CodeSystem.REVENUE for line in lines),
        subscriber=subscriber,
        dependent=dependent,
        certification_type=request.certification_type,
        service_type=_service_type(request, lines),
        facility_code=settings.facility_code,
        level_of_service="U" if request.urgency == Urgency.EXPEDITED else "E",
        start_date=request.start_date,
        end_date=request.end_date,
        diagnoses=[d.code for d in sorted(request.diagnoses.all(), key=lambda d: d.sequence)],
        prior_authorization_number=prior.number
        if prior is not None and request.certification_type in _RENEWING
        else "",
        attachments=[x278.AttachmentRef(control_number=a.pk.hex[:20].upper()) for a in request.attachments.all()],
        services=[_service_item(line) for line in lines],
    )


def _download(
    *, organization: Organization, requests: list[AuthorizationRequest], packet, actor, now
) -> InteropMessage:
    settings = x12_services.interop_settings_require(organization=organization, for_what="278")
    bodies = [x278.request_segments(request_278(r, settings), created_at=now) for r in requests]
    return x12_services.outbound_interchange_record(
        organization=organization,
        settings=settings,
        at=now,
        functional_id=x278.FUNCTIONAL_ID,
        version=x278.VERSION,
        transaction_set="278",
        transactions=bodies,
        format=InteropFormat.X12_278_REQUEST,
        actor=actor,
        request=requests[0] if packet is None else None,
        packet=packet,
        coverage=requests[0].coverage if packet is None else None,
        trace_number=" ".join(request_trace(r) for r in requests),
    )


@transaction.atomic
def x12_278_request_download(
    *, request: AuthorizationRequest, actor: User | None, now: dt.datetime | None = None
) -> InteropMessage:
    """The request as an X12 278 (005010X217), kept as an outbound message under the
    organization's next interchange control number."""
    now = (now or timezone.now()).astimezone(request.organization.tzinfo)
    return _download(organization=request.organization, requests=[request], packet=None, actor=actor, now=now)


@transaction.atomic
def x12_278_packet_download(
    *, packet: RequestPacket, actor: User | None, now: dt.datetime | None = None
) -> InteropMessage:
    """A couple's packet as one 278 interchange with one transaction set per partner's request."""
    organization = packet.organization
    now = (now or timezone.now()).astimezone(organization.tzinfo)
    requests = sorted(
        packet.requests.all(), key=lambda r: (r.episode.client.last_name, r.episode.client.first_name, r.pk)
    )
    if not requests:
        refuse("The packet has no request.", code=AuthorizationsErrorCode.X12_NOT_SENDABLE, field="__all__")
    return _download(organization=organization, requests=requests, packet=packet, actor=actor, now=now)


# --- Response import -----------------------------------------------------------------------------------------


def _file_refuse(message: str, code: AuthorizationsErrorCode) -> NoReturn:
    refuse(message, code=code, field="raw_278")


def _normalized(value: str) -> str:
    return re.sub(r"[^0-9A-Z]", "", (value or "").upper())


def _answered_elsewhere(organization: Organization, traces: set[str]) -> str:
    """A description of the request another of the file's trace numbers belongs to, if any."""
    for trace in sorted(traces):
        if not re.fullmatch(r"R[0-9A-F]{15}", trace):
            continue
        sent = (
            InteropMessage.objects.filter(
                organization=organization,
                format=InteropFormat.X12_278_REQUEST,
                direction=InteropDirection.OUTBOUND,
                trace_number__contains=trace,
            )
            .order_by("-created_at")
            .first()
        )
        if sent is not None:
            return f"the 278 sent as interchange {sent.interchange_control_number} (trace {trace})"
    return ""


def _transaction_for(request: AuthorizationRequest, parsed: x278.File278) -> x278.Transaction278:
    ours = request_trace(request)
    responses = [t for t in parsed.transactions if t.is_response]
    if not responses:
        _file_refuse(
            "This is a 278 request (BHT02 13), not the payer's response: nothing was saved.",
            AuthorizationsErrorCode.X12_NOT_A_RESPONSE,
        )
    found = next((t for t in responses if ours in t.traces()), None)
    if found is not None:
        return found
    traces = set().union(*(t.traces() for t in responses))
    elsewhere = _answered_elsewhere(request.organization, traces)
    shown = ", ".join(sorted(traces)) or "none"
    if elsewhere:
        message = (
            f"This 278 response answers another request — {elsewhere} — not this one (trace {ours}): "
            "nothing was saved. Import it on that request."
        )
    else:
        message = (
            f"This 278 response does not answer this request: its trace numbers ({shown}) are not this "
            f"request's ({ours}). Nothing was saved."
        )
    _file_refuse(message, AuthorizationsErrorCode.X12_TRACE_MISMATCH)


def _member_check(request: AuthorizationRequest, found: x278.Transaction278) -> None:
    coverage: Coverage = request.coverage
    subscriber = found.subscriber
    file_id = subscriber.member_id if subscriber is not None else ""
    if _normalized(file_id) != _normalized(coverage.member_id):
        _file_refuse(
            f"This 278 response is about member {file_id or '(no id)'}, not this coverage's member "
            f"{coverage.member_id}: nothing was saved.",
            AuthorizationsErrorCode.MEMBER_MISMATCH,
        )
    patient = found.patient
    client = request.episode.client
    if patient is None or not person_is_client(
        last_name=patient.last_name, first_name=patient.first_name, date_of_birth=patient.date_of_birth, client=client
    ):
        who = f"{patient.first_name} {patient.last_name}".strip() if patient is not None else "nobody"
        _file_refuse(
            f"This 278 response is about {who or 'a patient without a name'}, not {client.first_name} "
            f"{client.last_name}: nothing was saved.",
            AuthorizationsErrorCode.PERSON_MISMATCH,
        )


@dataclass(frozen=True)
class _Answer:
    """One service loop as the payer answered it, with the request line it answers."""

    review: x278.Review
    line: ServiceLine | None
    action: str


def _answers(found: x278.Transaction278, lines: list[ServiceLine]) -> list[_Answer]:
    event = found.event
    by_trace = {line_trace(line): line for line in lines}
    answers = []
    for review in found.services:
        line = next((by_trace[t] for t in review.traces() if t in by_trace), None)
        if line is None and review.code:
            line = next((ln for ln in lines if ln.code.upper() == review.code.upper()), None)
        action = review.action or (event.action if event is not None else "")
        if action:
            answers.append(_Answer(review=review, line=line, action=action))
    if not answers and event is not None and event.action:
        # The decision is the event's alone: it answers every line the request asked for.
        answers = [_Answer(review=event, line=line, action=event.action) for line in lines]
    return answers


def _window(answer: _Answer, event: x278.Review | None) -> tuple[dt.date | None, dt.date | None]:
    review = answer.review
    start, end = review.date("472")
    start = start or review.date("007")[0]
    end = end or review.date("036")[0]
    if event is not None:
        start = start or event.date("472", "007")[0]
        end = end or event.date("036")[0] or event.date("472")[1]
    if answer.line is not None:
        start, end = start or answer.line.start_date, end or answer.line.end_date
    return start, end


def _approved_line(answer: _Answer, event: x278.Review | None) -> ApprovedLine:
    review, line = answer.review, answer.line
    quantity = review.quantity if review.level == "service" else None
    if quantity is None and review.level == "service":
        quantity = review.units
    units = int(quantity) if quantity is not None else (line.units * line.estimated_sessions if line else 0)
    start, end = _window(answer, event)
    code = (review.code if review.level == "service" else "") or (line.code if line is not None else "")
    return ApprovedLine(
        code=code,
        units=units,
        start_date=start,  # type: ignore[arg-type]  # checked by determination_record
        end_date=end,  # type: ignore[arg-type]
        service_line_id=line.pk if line is not None and line.code.upper() == code.upper() else None,
    )


def _overall(actions: list[str]) -> str:
    approved = [a for a in actions if a in APPROVING_ACTIONS]
    if approved:
        if len(approved) == len(actions) and all(a == DeterminationAction.CERTIFIED for a in actions):
            return DeterminationAction.CERTIFIED
        if len(approved) == len(actions) and all(
            a in (DeterminationAction.CERTIFIED, DeterminationAction.MODIFIED) for a in actions
        ):
            return DeterminationAction.MODIFIED
        return DeterminationAction.PARTIAL
    if DeterminationAction.PENDED in actions:
        return DeterminationAction.PENDED
    if actions and all(a == DeterminationAction.CANCELLED for a in actions):
        return DeterminationAction.CANCELLED
    if actions and all(a in (DeterminationAction.NOT_CERTIFIED, DeterminationAction.CANCELLED) for a in actions):
        return DeterminationAction.NOT_CERTIFIED
    _file_refuse(
        f"The payer's answer ({', '.join(sorted(set(actions))) or 'no HCR'}) is not a decision this import "
        "records (A1, A2, A3, A4, A6, C): nothing was saved. Record it by hand.",
        AuthorizationsErrorCode.X12_NOT_A_RESPONSE,
    )


def _reason(found: x278.Transaction278, answers: list[_Answer]) -> tuple[str, str]:
    """The reason text (the payer's messages, then each line not certified) and code (HCR03)."""
    event = found.event
    messages = list(event.messages) if event is not None else []
    notes = []
    codes = []
    for answer in answers:
        messages += [m for m in answer.review.messages if m not in messages] if answer.review is not event else []
        if answer.review.reason_code:
            codes.append((answer.action not in APPROVING_ACTIONS, answer.review.reason_code))
        if answer.action not in APPROVING_ACTIONS and answer.review.level == "service":
            code = answer.review.code or (answer.line.code if answer.line is not None else "?")
            reason = f", reason code {answer.review.reason_code}" if answer.review.reason_code else ""
            notes.append(f"{code}: {ACTION_LABELS.get(answer.action, answer.action).lower()}{reason}.")
    if event is not None and event.reason_code:
        codes.append((True, event.reason_code))
    reason_code = next((code for unfavourable, code in codes if unfavourable), "") or next((c for _, c in codes), "")
    return "\n".join([*messages, *notes]), reason_code[:3]


def _decided_at(found: x278.Transaction278, organization: Organization, now: dt.datetime) -> dt.datetime:
    issued = found.event.date("102")[0] if found.event is not None else None
    day = issued or found.created
    if day is None:
        return now
    decided = organization.local_datetime(day, dt.time(12, 0))
    return min(decided, now)


@transaction.atomic
def x12_278_response_import(
    *,
    request: AuthorizationRequest,
    raw: str,
    actor: User | None,
    information_due: dt.date | None = None,
    now: dt.datetime | None = None,
) -> Determination:
    """The payer's X12 278 response recorded as the request's determination (see the module's
    docstring). `information_due`: the date a pend's information is due (the 278 has none).
    Refused, nothing saved: not a readable 278 response, another request's (trace number),
    another member or person, a rejection (AAA) without a decision, different certification
    numbers, and whatever `determination_record` refuses."""
    if not raw or not raw.strip():
        _file_refuse("The file is empty.", AuthorizationsErrorCode.X12_EMPTY)
    if len(raw) > MAX_278_CHARS:
        _file_refuse("The file is too large for a 278 response.", AuthorizationsErrorCode.X12_TOO_LARGE)
    try:
        parsed = x278.parse_278(raw)
    except X12Error as exc:
        _file_refuse(f"This file cannot be read as an X12 278: {exc.message}", AuthorizationsErrorCode.X12_MALFORMED)
    now = now or timezone.now()
    organization = request.organization
    found = _transaction_for(request, parsed)
    _member_check(request, found)
    lines = list(request.lines.all())
    answers = _answers(found, lines)
    if not answers:
        if found.rejections:
            reasons = "; ".join(dict.fromkeys(str(r) for r in found.rejections))
            _file_refuse(
                f"The payer rejected the request without deciding it: {reasons}. Nothing was saved.",
                AuthorizationsErrorCode.X12_REJECTED,
            )
        _file_refuse(
            "The 278 response has no decision (HCR) for the event or any service: nothing was saved.",
            AuthorizationsErrorCode.X12_NOT_A_RESPONSE,
        )
    action = _overall([a.action for a in answers])
    event = found.event
    approving = [a for a in answers if a.action in APPROVING_ACTIONS]
    numbers = {a.review.certification_number for a in approving if a.review.certification_number}
    if not numbers and event is not None and event.certification_number:
        numbers = {event.certification_number}
    if len(numbers) > 1:
        _file_refuse(
            f"The payer certified the lines under different numbers ({', '.join(sorted(numbers))}): "
            "record them by hand. Nothing was saved.",
            AuthorizationsErrorCode.X12_CERTIFICATION_NUMBERS,
        )
    reason, reason_code = _reason(found, answers)
    if action == DeterminationAction.PENDED and not reason:
        reason = "The payer pended the request (278 HCR A4)" + (f", reason code {reason_code}." if reason_code else ".")
    administrative = next(
        (r.reference("NT") for r in ([event] if event else []) + [a.review for a in answers] if r.reference("NT")), ""
    )
    message = x12_services.interop_message_record(
        organization=organization,
        format=InteropFormat.X12_278_RESPONSE,
        direction=InteropDirection.INBOUND,
        content=raw,
        actor=actor,
        request=request,
        coverage=request.coverage,
        interchange_control_number=parsed.control_number[:9],
        group_control_number=parsed.group_control_number[:9],
        transaction_set_control_number=found.control_number[:9],
        trace_number=request_trace(request),
    )
    return determination_record(
        request=request,
        action=action,
        authorization_number=next(iter(numbers), "")[:60],
        lines=[_approved_line(a, event) for a in approving],
        reason=reason,
        reason_code=reason_code,
        administrative_reference=administrative[:60],
        information_due=information_due,
        decided_at=_decided_at(found, organization, now),
        source_message=message,
        actor=actor,
    )
