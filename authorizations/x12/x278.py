"""The X12 278 Health Care Services Review (005010X217): the request we send and the reader of
the requests we wrote (round trips) and of the payer's responses.

Request (one transaction set per patient event — X217 carries one patient, one event):

    BHT*0007*13*<trace>*date*time
    2000A HL*20  NM1*X3 (UMO, payer id PI)
    2000B HL*21  NM1*1P or FA (requester, NM108 XX = NPI)
    2000C HL*22  NM1*IL (subscriber, MI member id), DMG
    2000D HL*23  NM1*QC (the patient when not the subscriber), DMG
    2000E HL*EV  TRN*1 (patient event trace), UM*HS*<cert type>*<service type>*<POS>:B**<level of service>,
                 REF*BB (prior authorization, for a renewal or extension), DTP*AAH (event dates),
                 HI (ABK principal, ABF other diagnoses), PWK (one per attachment), MSG
    2000F HL*SS  TRN*1 (service trace), UM, DTP*472 (service dates), SV1 (HC CPT/HCPCS) or SV2 (revenue
                 code), HSD (quantity)

The reader walks the HL levels of every transaction of a file and keeps per event and service
loop: TRN, UM, HCR (action, certification number, reason), REF, DTP, HI, HSD, PWK, MSG, SV1/SV2,
and every AAA (with the level it is at). Provider loops (2010EA…, 2010F…), addresses and contacts
are skipped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from authorizations.coverage.x12 import Rejection
from authorizations.x12 import writer as w
from authorizations.x12.envelope import (
    Separators,
    X12Error,
    component,
    date_read,
    decimal_read,
    dtp_read,
    element,
    tokenize,
    transactions_find,
)

VERSION = "005010X217"
FUNCTIONAL_ID = "HI"  # GS01: health care services review information
PURPOSE_REQUEST, PURPOSE_RESPONSE = "13", "11"  # BHT02
LEVEL_UMO, LEVEL_REQUESTER, LEVEL_SUBSCRIBER, LEVEL_DEPENDENT = "20", "21", "22", "23"
LEVEL_EVENT, LEVEL_SERVICE = "EV", "SS"
_LEVEL_NAMES = {
    LEVEL_UMO: "payer",
    LEVEL_REQUESTER: "provider",
    LEVEL_SUBSCRIBER: "subscriber",
    LEVEL_DEPENDENT: "dependent",
    LEVEL_EVENT: "event",
    LEVEL_SERVICE: "service",
}
MAX_DIAGNOSES = 12  # one HI segment: principal (ABK) and up to eleven others (ABF)


# --- The request ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    last_name: str
    first_name: str
    date_of_birth: dt.date | None = None
    member_id: str = ""


@dataclass(frozen=True)
class ServiceItem:
    trace: str  # TRN02 of the service loop: the response names the line it answers by it
    revenue_code: bool  # SV2 (a revenue code) rather than SV1 (CPT/HCPCS, "HC")
    code: str
    units: int  # SV104 / SV205 and HSD02: every unit asked for the window
    unit_basis: str  # SV103 / SV204: UN units, DA days
    quantity_qualifier: str  # HSD01: VS visits, DY days, FL units
    start_date: dt.date
    end_date: dt.date


@dataclass(frozen=True)
class AttachmentRef:
    control_number: str  # PWK07 (PWK06 AC): how the payer finds the document sent apart
    report_type: str = "77"  # PWK01: 77 support data for verification
    transmission: str = "EL"  # PWK02: EL electronically only, FX fax, BM mail


@dataclass(frozen=True)
class Request278:
    trace: str  # BHT03 and the event's TRN02: what the response echoes
    originator_id: str  # TRN03: "1" + EIN or "9" + a nine-digit id of the requester
    payer_name: str
    payer_id: str
    requester_name: str
    requester_npi: str
    requester_is_facility: bool  # NM101 FA rather than 1P
    subscriber: Person
    dependent: Person | None
    certification_type: str  # UM02: I, R, 4, S
    service_type: str  # UM03
    facility_code: str  # UM04-1, a place of service (UM04-2 B)
    level_of_service: str  # UM06: E elective, U urgent
    start_date: dt.date
    end_date: dt.date
    diagnoses: Sequence[str]  # ICD-10-CM, the principal first
    prior_authorization_number: str = ""
    attachments: Sequence[AttachmentRef] = ()
    services: Sequence[ServiceItem] = ()
    request_category: str = "HS"  # UM01: health services review
    message: str = ""


def _icd10(code: str) -> str:
    return code.replace(".", "").strip().upper()


def _name(person: Person, entity: str, *, with_id: bool) -> str:
    return w.segment(
        "NM1",
        entity,
        "1",
        w.text(person.last_name, max_length=60),
        w.text(person.first_name, max_length=35),
        "",
        "",
        "",
        "MI" if with_id and person.member_id else "",
        w.text(person.member_id, max_length=80) if with_id else "",
    )


def _demographics(person: Person) -> list[str]:
    return [w.segment("DMG", "D8", w.date8(person.date_of_birth))] if person.date_of_birth else []


def request_segments(request: Request278, *, created_at: dt.datetime) -> list[str]:
    """The segments of one 278 request between ST and SE."""
    segments = [
        w.segment(
            "BHT",
            "0007",
            PURPOSE_REQUEST,
            w.text(request.trace, max_length=50),
            w.date8(created_at.date()),
            created_at.strftime("%H%M"),
        ),
        w.segment("HL", "1", "", LEVEL_UMO, "1"),
        w.segment(
            "NM1",
            "X3",
            "2",
            w.text(request.payer_name, max_length=60),
            "",
            "",
            "",
            "",
            "PI",
            w.text(request.payer_id, max_length=80),
        ),
        w.segment("HL", "2", "1", LEVEL_REQUESTER, "1"),
        w.segment(
            "NM1",
            "FA" if request.requester_is_facility else "1P",
            "2",
            w.text(request.requester_name, max_length=60),
            "",
            "",
            "",
            "",
            "XX",
            request.requester_npi,
        ),
        w.segment("HL", "3", "2", LEVEL_SUBSCRIBER, "1"),
        _name(request.subscriber, "IL", with_id=True),
        *_demographics(request.subscriber),
    ]
    event_parent = "3"
    if request.dependent is not None:
        segments += [
            w.segment("HL", "4", "3", LEVEL_DEPENDENT, "1"),
            _name(request.dependent, "QC", with_id=False),
            *_demographics(request.dependent),
        ]
        event_parent = "4"
    event_id = int(event_parent) + 1
    segments += [
        w.segment("HL", str(event_id), event_parent, LEVEL_EVENT, "1" if request.services else "0"),
        w.segment("TRN", "1", w.text(request.trace, max_length=50), w.text(request.originator_id, max_length=10)),
        w.segment(
            "UM",
            request.request_category,
            request.certification_type,
            request.service_type,
            w.composite(request.facility_code, "B"),
            "",
            request.level_of_service,
        ),
    ]
    if request.prior_authorization_number:
        segments.append(w.segment("REF", "BB", w.text(request.prior_authorization_number, max_length=50)))
    segments.append(w.segment("DTP", "AAH", *w.date_range(request.start_date, request.end_date)))
    codes = [_icd10(c) for c in request.diagnoses][:MAX_DIAGNOSES]
    if codes:
        segments.append(
            w.segment("HI", *(w.composite("ABK" if n == 0 else "ABF", code) for n, code in enumerate(codes)))
        )
    for attachment in request.attachments:
        segments.append(
            w.segment(
                "PWK",
                attachment.report_type,
                attachment.transmission,
                "",
                "",
                "",
                "AC",
                w.text(attachment.control_number, max_length=50),
            )
        )
    if request.message:
        segments.append(w.segment("MSG", w.text(request.message, max_length=264)))
    for n, item in enumerate(request.services, start=1):
        segments += [
            w.segment("HL", str(event_id + n), str(event_id), LEVEL_SERVICE, "0"),
            w.segment("TRN", "1", w.text(item.trace, max_length=50), w.text(request.originator_id, max_length=10)),
            w.segment("UM", request.request_category, request.certification_type),
            w.segment("DTP", "472", *w.date_range(item.start_date, item.end_date)),
        ]
        if item.revenue_code:
            segments.append(
                w.segment("SV2", w.text(item.code, max_length=48), "", "", item.unit_basis, str(item.units))
            )
        else:
            segments.append(
                w.segment(
                    "SV1", w.composite("HC", w.text(item.code, max_length=48)), "", item.unit_basis, str(item.units)
                )
            )
        segments.append(w.segment("HSD", item.quantity_qualifier, str(item.units)))
    return segments


# --- Reading -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    level: str  # subscriber or dependent
    last_name: str
    first_name: str
    member_id: str
    date_of_birth: dt.date | None


@dataclass(frozen=True)
class Review:
    """A patient event (2000E) or service (2000F) loop."""

    level: str  # event or service
    trace_numbers: tuple[tuple[str, str], ...]  # TRN: (TRN01, TRN02)
    request_category: str  # UM01
    certification_type: str  # UM02
    service_type: str  # UM03
    facility: tuple[str, str]  # UM04: (code, qualifier)
    level_of_service: str  # UM06
    action: str  # HCR01
    certification_number: str  # HCR02
    reason_code: str  # HCR03
    references: tuple[tuple[str, str], ...]  # REF: (REF01, REF02)
    dates: tuple[tuple[str, dt.date | None, dt.date | None], ...]  # DTP
    diagnoses: tuple[tuple[str, str], ...]  # HI: (qualifier, code)
    quantities: tuple[tuple[str, Decimal | None], ...]  # HSD: (HSD01, HSD02)
    attachments: tuple[tuple[str, str, str], ...]  # PWK: (PWK01, PWK02, PWK07)
    messages: tuple[str, ...]
    procedure_qualifier: str  # SV101-1 (HC) for SV1; "" for SV2
    code: str  # SV101-2 or SV201
    revenue_code: bool
    unit_basis: str  # SV103 / SV204
    units: Decimal | None  # SV104 / SV205
    rejections: tuple[Rejection, ...]

    def reference(self, qualifier: str) -> str:
        return next((value for kind, value in self.references if kind == qualifier and value), "")

    def date(self, *qualifiers: str) -> tuple[dt.date | None, dt.date | None]:
        for qualifier in qualifiers:
            for kind, start, end in self.dates:
                if kind == qualifier and start is not None:
                    return start, end
        return None, None

    @property
    def quantity(self) -> Decimal | None:
        return next((qty for _, qty in self.quantities if qty is not None), None)

    def traces(self) -> set[str]:
        return {number for _, number in self.trace_numbers if number}


@dataclass(frozen=True)
class Transaction278:
    control_number: str  # ST02
    purpose: str  # BHT02: 13 request, 11 response
    reference: str  # BHT03
    created: dt.date | None  # BHT04
    payer_name: str
    payer_id: str
    requester_entity: str  # NM101: 1P or FA
    requester_name: str
    requester_id: str  # NM109 (NPI when NM108 is XX)
    subscriber: Member | None
    dependent: Member | None
    event: Review | None
    services: tuple[Review, ...]
    rejections: tuple[Rejection, ...]  # every AAA of the transaction, whatever its level
    segment_count: int

    @property
    def patient(self) -> Member | None:
        return self.dependent or self.subscriber

    @property
    def is_response(self) -> bool:
        return self.purpose == PURPOSE_RESPONSE

    def traces(self) -> set[str]:
        """The trace numbers the transaction carries (the event's TRNs and BHT03)."""
        found = self.event.traces() if self.event is not None else set()
        return found | ({self.reference} if self.reference else set())


@dataclass(frozen=True)
class File278:
    separators: Separators
    sender_id: str  # ISA06
    receiver_id: str  # ISA08
    control_number: str  # ISA13
    usage: str  # ISA15
    group_control_number: str  # GS06
    version: str  # GS08
    transactions: tuple[Transaction278, ...]


@dataclass
class _ReviewBuilder:
    level: str
    values: dict = field(default_factory=dict)
    trace_numbers: list = field(default_factory=list)
    references: list = field(default_factory=list)
    dates: list = field(default_factory=list)
    diagnoses: list = field(default_factory=list)
    quantities: list = field(default_factory=list)
    attachments: list = field(default_factory=list)
    messages: list = field(default_factory=list)
    rejections: list = field(default_factory=list)

    def build(self) -> Review:
        v = self.values
        return Review(
            level=self.level,
            trace_numbers=tuple(self.trace_numbers),
            request_category=v.get("um01", ""),
            certification_type=v.get("um02", ""),
            service_type=v.get("um03", ""),
            facility=v.get("um04", ("", "")),
            level_of_service=v.get("um06", ""),
            action=v.get("hcr01", ""),
            certification_number=v.get("hcr02", ""),
            reason_code=v.get("hcr03", ""),
            references=tuple(self.references),
            dates=tuple(self.dates),
            diagnoses=tuple(self.diagnoses),
            quantities=tuple(self.quantities),
            attachments=tuple(self.attachments),
            messages=tuple(self.messages),
            procedure_qualifier=v.get("procedure_qualifier", ""),
            code=v.get("code", ""),
            revenue_code=v.get("revenue_code", False),
            unit_basis=v.get("unit_basis", ""),
            units=v.get("units"),
            rejections=tuple(self.rejections),
        )


def _review_segment(loop: _ReviewBuilder, segment: list[str], separators: Separators) -> None:
    kind = segment[0]
    v = loop.values
    if kind == "TRN":
        loop.trace_numbers.append((element(segment, 1), element(segment, 2)))
    elif kind == "UM":
        v.update(um01=element(segment, 1), um02=element(segment, 2), um03=element(segment, 3), um06=element(segment, 6))
        um04 = element(segment, 4)
        v["um04"] = (component(um04, separators, 0), component(um04, separators, 1))
    elif kind == "HCR":
        v.update(hcr01=element(segment, 1), hcr02=element(segment, 2), hcr03=element(segment, 3))
    elif kind == "REF":
        loop.references.append((element(segment, 1), element(segment, 2)))
    elif kind == "DTP":
        loop.dates.append(dtp_read(segment))
    elif kind == "HI":
        for value in segment[1:]:
            if value.strip():
                loop.diagnoses.append((component(value, separators, 0), component(value, separators, 1)))
    elif kind == "HSD":
        quantity = decimal_read(element(segment, 2), "The quantity (HSD02)")
        loop.quantities.append((element(segment, 1), quantity))
    elif kind == "PWK":
        loop.attachments.append((element(segment, 1), element(segment, 2), element(segment, 7)))
    elif kind == "MSG":
        loop.messages.append(element(segment, 1))
    elif kind == "SV1":
        procedure = element(segment, 1)
        v.update(
            procedure_qualifier=component(procedure, separators, 0),
            code=component(procedure, separators, 1),
            revenue_code=False,
            unit_basis=element(segment, 3),
            units=decimal_read(element(segment, 4), "The units (SV104)"),
        )
    elif kind == "SV2":
        v.update(
            procedure_qualifier="",
            code=element(segment, 1),
            revenue_code=True,
            unit_basis=element(segment, 4),
            units=decimal_read(element(segment, 5), "The units (SV205)"),
        )


def _transaction(segments: list[list[str]], separators: Separators, control_number: str) -> Transaction278:
    bht = segments[1] if len(segments) > 1 and segments[1][0] == "BHT" else None
    if bht is None:
        raise X12Error("The transaction does not begin with its BHT segment.")
    values = {"payer_name": "", "payer_id": "", "requester_entity": "", "requester_name": "", "requester_id": ""}
    members: dict[str, dict] = {}
    event: _ReviewBuilder | None = None
    services: list[_ReviewBuilder] = []
    rejections: list[Rejection] = []
    levels: dict[str, str] = {}
    level = ""
    loop: _ReviewBuilder | None = None
    for segment in segments[2:-1]:
        kind = segment[0]
        if kind == "HL":
            hl_id, parent, level = element(segment, 1), element(segment, 2), element(segment, 3)
            if not hl_id or hl_id in levels:
                raise X12Error(f"An HL segment has a missing or repeated id (“{hl_id}”).")
            if parent and parent not in levels:
                raise X12Error(f"HL {hl_id} names a parent ({parent}) that does not come before it.")
            if level not in _LEVEL_NAMES:
                raise X12Error(f"HL {hl_id} is of level “{level}”, which a 278 does not have.")
            levels[hl_id] = level
            loop = None
            if level == LEVEL_EVENT:
                if event is not None:
                    raise X12Error("The transaction has more than one patient event (HL EV): X217 allows one.")
                loop = event = _ReviewBuilder(level="event")
            elif level == LEVEL_SERVICE:
                loop = _ReviewBuilder(level="service")
                services.append(loop)
            elif level in (LEVEL_SUBSCRIBER, LEVEL_DEPENDENT):
                members[level] = {"last_name": "", "first_name": "", "member_id": "", "date_of_birth": None}
            continue
        if not levels:
            continue
        if kind == "AAA":
            member = members.get(LEVEL_DEPENDENT) or members.get(LEVEL_SUBSCRIBER) or {}
            rejection = Rejection(
                level=_LEVEL_NAMES.get(level, "payer"),
                valid=element(segment, 1),
                reason_code=element(segment, 3),
                follow_up_code=element(segment, 4),
                member_id=member.get("member_id", "") if level not in (LEVEL_UMO, LEVEL_REQUESTER) else "",
            )
            rejections.append(rejection)
            if loop is not None:
                loop.rejections.append(rejection)
            continue
        if loop is not None:
            if kind != "NM1":  # the event's and services' provider loops (2010E*, 2010F*) are not read
                _review_segment(loop, segment, separators)
            continue
        if kind == "NM1":
            entity = element(segment, 1)
            if level == LEVEL_UMO and entity == "X3":
                values.update(payer_name=element(segment, 3), payer_id=element(segment, 9))
            elif level == LEVEL_REQUESTER:
                values.update(
                    requester_entity=entity, requester_name=element(segment, 3), requester_id=element(segment, 9)
                )
            elif level in members and entity in ("IL", "QC"):
                members[level].update(last_name=element(segment, 3), first_name=element(segment, 4))
                if element(segment, 8) == "MI":
                    members[level]["member_id"] = element(segment, 9)
        elif kind == "DMG" and level in members and element(segment, 1) == "D8":
            members[level]["date_of_birth"] = date_read(element(segment, 2), "The date of birth (DMG02)")
    if not levels:
        raise X12Error("The transaction has no HL segments: there is no payer, provider or patient in it.")

    def member_of(level_code: str) -> Member | None:
        found = members.get(level_code)
        return Member(level=_LEVEL_NAMES[level_code], **found) if found is not None else None

    subscriber = member_of(LEVEL_SUBSCRIBER)
    dependent = member_of(LEVEL_DEPENDENT)
    if dependent is not None and subscriber is not None and not dependent.member_id:
        dependent = Member(
            level=dependent.level,
            last_name=dependent.last_name,
            first_name=dependent.first_name,
            member_id=subscriber.member_id,
            date_of_birth=dependent.date_of_birth,
        )
    return Transaction278(
        control_number=control_number,
        purpose=element(bht, 2),
        reference=element(bht, 3),
        created=date_read(element(bht, 4), "The transaction date (BHT04)"),
        subscriber=subscriber,
        dependent=dependent,
        event=event.build() if event is not None else None,
        services=tuple(s.build() for s in services),
        rejections=tuple(rejections),
        segment_count=len(segments),
        **values,
    )


def parse_278(text: str) -> File278:
    """Read an X12 278 file (request or response; one or several transactions). Raises
    `X12Error` when it is not one or is malformed; AAA rejections are returned, not raised."""
    separators, segments = tokenize(text, what="278")
    spans = transactions_find(segments, transaction_set="278", description="a 278 services review")
    isa = segments[0]
    gs = next(s for s in segments if s[0] == "GS")
    return File278(
        separators=separators,
        sender_id=isa[6].strip(),
        receiver_id=isa[8].strip(),
        control_number=isa[13].strip(),
        usage=isa[15].strip(),
        group_control_number=element(gs, 6),
        version=element(gs, 8),
        transactions=tuple(
            _transaction(segments[span.st : span.se + 1], separators, span.control_number) for span in spans
        ),
    )
