"""A small reader for X12 271 eligibility responses (005010X279A1), for benefit verification.

No maintained Python library reads 5010 271s (pyx12 maps 271 only in 4010; linuxforhealth-x12 does
not import under pydantic 2), so this is our own: pure
functions over the text, returning frozen dataclasses, and `X12Error` with a message a person can
act on for anything malformed. It reads only what a verification needs:

- the separators from the fixed-width ISA segment (element separator at position 3, repetition
  separator ISA11 at 82, component separator ISA16 at 104, segment terminator at 105), so files
  with `*`/`|` elements, `~`/`'` terminators and newlines after terminators all read the same;
- the envelope (ISA, GS, ST/SE with the segment count checked, GE, IEA) and BHT;
- the HL hierarchy: information source (20, the payer's NM1*PR), receiver (21), subscriber (22)
  and dependent (23), each member with NM1 name and member id, REF group number, DMG birth date,
  DTP dates and TRN trace numbers;
- every EB benefit (EB01–EB12, EB03 split on the repetition separator into service types) with
  the MSG, DTP and REF segments of its loop;
- AAA rejections at any level, each with the member and (benefit level) the service types it is
  about: the payer could not process that part of the request; the caller decides what blocks.

Everything else (addresses, LS/LE loops, III, benefit-related entities) is skipped; the raw file
is kept by the caller.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from authorizations.x12.envelope import (
    ISA_LENGTH,
    Separators,
    X12Error,
    segments_split,
    separators_read,
    tokenize,
    transactions_find,
)
from authorizations.x12.envelope import date_read as _date
from authorizations.x12.envelope import decimal_read as _decimal
from authorizations.x12.envelope import dtp_read as _dtp
from authorizations.x12.envelope import element as _element
from authorizations.x12.envelope import interchange_date as _interchange_date

__all__ = ["ISA_LENGTH", "Separators", "X12Error", "parse_271", "segments_split", "separators_read"]

# AAA03 reject reasons (X12 code source 901) a 271 may carry, in the payer's words.
AAA_REASONS = {
    "04": "Authorized quantity exceeded",
    "15": "Required application data missing",
    "33": "Input errors",
    "35": "Out of network",
    "41": "Authorization/access restrictions",
    "42": "Unable to respond at current time",
    "43": "Invalid/missing provider identification",
    "44": "Invalid/missing provider name",
    "45": "Invalid/missing provider specialty",
    "46": "Invalid/missing provider phone number",
    "47": "Invalid/missing provider state",
    "48": "Invalid/missing referring provider identification number",
    "49": "Provider is not primary care physician",
    "50": "Provider ineligible for inquiries",
    "51": "Provider not on file",
    "52": "Service dates not within provider plan enrollment",
    "53": "Inquired benefit inconsistent with provider type",
    "54": "Inappropriate product/service ID qualifier",
    "55": "Inappropriate product/service ID",
    "56": "Inappropriate date",
    "57": "Invalid/missing date(s) of service",
    "58": "Invalid/missing date of birth",
    "60": "Date of birth follows date(s) of service",
    "61": "Date of death precedes date(s) of service",
    "62": "Date of service not within allowable inquiry period",
    "63": "Date of service in future",
    "64": "Invalid/missing patient ID",
    "65": "Invalid/missing patient name",
    "66": "Invalid/missing patient gender code",
    "67": "Patient not found",
    "68": "Duplicate patient ID number",
    "69": "Inconsistent with patient's age",
    "70": "Inconsistent with patient's gender",
    "71": "Patient birth date does not match that for the patient on the database",
    "72": "Invalid/missing subscriber/insured ID",
    "73": "Invalid/missing subscriber/insured name",
    "74": "Invalid/missing subscriber/insured gender code",
    "75": "Subscriber/insured not found",
    "76": "Duplicate subscriber/insured ID number",
    "77": "Subscriber found, patient not found",
    "78": "Subscriber/insured not in group/plan identified",
    "79": "Invalid participant identification",
    "80": "No response received - transaction terminated",
    "97": "Invalid or missing provider address",
    "T4": "Payer name or identifier missing",
}

# AAA04 follow-up actions.
AAA_FOLLOW_UPS = {
    "C": "correct the request and resubmit",
    "N": "resubmission not allowed",
    "P": "resubmit the original request",
    "R": "resubmission allowed",
    "S": "do not resubmit; the payer has asked a third party",
    "W": "wait 30 days and resubmit",
    "X": "wait 10 days and resubmit",
    "Y": "do not resubmit; the payer will send the response",
}

# HL03 hierarchical level codes of a 271.
LEVEL_SOURCE, LEVEL_RECEIVER, LEVEL_SUBSCRIBER, LEVEL_DEPENDENT = "20", "21", "22", "23"
_LEVEL_NAMES = {
    LEVEL_SOURCE: "payer",
    LEVEL_RECEIVER: "provider",
    LEVEL_SUBSCRIBER: "subscriber",
    LEVEL_DEPENDENT: "dependent",
}


# --- Results -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Envelope:
    sender_id: str  # ISA06
    receiver_id: str  # ISA08
    interchange_date: dt.date | None  # ISA09
    control_number: str  # ISA13
    usage: str  # ISA15: P production, T test
    version: str  # GS08, e.g. 005010X279A1
    transaction_set: str  # ST01: "271"
    reference: str  # BHT03: the submitter's reference, echoed
    created: dt.date | None  # BHT04


@dataclass(frozen=True)
class Rejection:
    """An AAA segment: the payer could not process (part of) the request."""

    level: str  # payer, provider, subscriber, dependent or benefit
    valid: str  # AAA01: Y/N
    reason_code: str  # AAA03
    follow_up_code: str  # AAA04
    member_id: str = ""  # the member whose loop holds it (subscriber, dependent or benefit level)
    member_level: str = ""  # that member's level: subscriber or dependent
    service_types: tuple[str, ...] = ()  # a benefit-level AAA: the EB03 of the benefit it follows

    @property
    def reason(self) -> str:
        return AAA_REASONS.get(self.reason_code, f"reject reason {self.reason_code or 'not given'}")

    @property
    def follow_up(self) -> str:
        return AAA_FOLLOW_UPS.get(self.follow_up_code, "")

    def __str__(self) -> str:
        text = f"{self.reason_code} {self.reason}" if self.reason_code in AAA_REASONS else self.reason
        return f"{text} ({self.follow_up})" if self.follow_up else text


@dataclass(frozen=True)
class Benefit:
    """One EB segment and the MSG/DTP/REF segments of its 2110 loop."""

    eb01: str  # eligibility or benefit information: 1 active, 6 inactive, A coinsurance, B copay, C deductible…
    eb02: str  # coverage level: IND, FAM…
    service_types: tuple[str, ...]  # EB03, split on the repetition separator
    eb04: str  # insurance type
    eb05: str  # plan coverage description
    eb06: str  # time period: 23 calendar year, 29 remaining…
    eb07: Decimal | None  # monetary amount
    eb08: Decimal | None  # percent, as a decimal (0.2 is 20 %)
    eb09: str  # quantity qualifier: VS visits, DY days…
    eb10: Decimal | None  # quantity
    eb11: str  # authorization or certification required: Y/N/U
    eb12: str  # in plan network: Y/N/U/W
    messages: tuple[str, ...] = ()
    dates: tuple[tuple[str, dt.date | None, dt.date | None], ...] = ()  # (DTP01, from, to)
    references: tuple[tuple[str, str], ...] = ()  # (REF01, REF02)
    rejections: tuple[Rejection, ...] = ()  # AAA segments of its loop: the payer could not answer it

    @property
    def eb03(self) -> str:
        return "^".join(self.service_types)


@dataclass(frozen=True)
class Member:
    """A subscriber (HL 22) or dependent (HL 23) with its benefits."""

    level: str  # "subscriber" or "dependent"
    member_id: str  # NM109 when NM108 is MI (a dependent without one: the subscriber's)
    last_name: str
    first_name: str
    date_of_birth: dt.date | None
    group_number: str  # REF*6P (or REF*1L)
    group_name: str
    dates: tuple[tuple[str, dt.date | None, dt.date | None], ...]  # member DTPs: (qualifier, from, to)
    trace_numbers: tuple[tuple[str, str], ...]  # TRN: (TRN01, TRN02)
    benefits: tuple[Benefit, ...]
    rejections: tuple[Rejection, ...]

    def date(self, *qualifiers: str) -> dt.date | None:
        """The first start date among the member's DTPs with one of the qualifiers, in their order."""
        for qualifier in qualifiers:
            for dtp, start, _ in self.dates:
                if dtp == qualifier and start is not None:
                    return start
        return None


@dataclass(frozen=True)
class Response271:
    separators: Separators
    envelope: Envelope
    payer_name: str
    payer_id: str
    members: tuple[Member, ...]
    rejections: tuple[Rejection, ...]  # every AAA of the file, members' included

    @property
    def subscriber(self) -> Member | None:
        return next((m for m in self.members if m.level == "subscriber"), None)


# --- Parsing -----------------------------------------------------------------------------------------


@dataclass
class _MemberBuilder:
    level: str
    parent_member_id: str = ""
    member_id: str = ""
    last_name: str = ""
    first_name: str = ""
    date_of_birth: dt.date | None = None
    group_number: str = ""
    group_name: str = ""
    dates: list = field(default_factory=list)
    trace_numbers: list = field(default_factory=list)
    benefits: list = field(default_factory=list)
    rejections: list = field(default_factory=list)

    def build(self) -> Member:
        return Member(
            level=self.level,
            member_id=self.member_id or self.parent_member_id,
            last_name=self.last_name,
            first_name=self.first_name,
            date_of_birth=self.date_of_birth,
            group_number=self.group_number,
            group_name=self.group_name,
            dates=tuple(self.dates),
            trace_numbers=tuple(self.trace_numbers),
            benefits=tuple(b.build() for b in self.benefits),
            rejections=tuple(self.rejections),
        )


@dataclass
class _BenefitBuilder:
    values: dict
    messages: list = field(default_factory=list)
    dates: list = field(default_factory=list)
    references: list = field(default_factory=list)
    rejections: list = field(default_factory=list)

    def build(self) -> Benefit:
        return Benefit(
            **self.values,
            messages=tuple(self.messages),
            dates=tuple(self.dates),
            references=tuple(self.references),
            rejections=tuple(self.rejections),
        )


def _benefit(segment: list[str], separators: Separators, number: int) -> _BenefitBuilder:
    what = f"EB segment {number}"
    eb01 = _element(segment, 1)
    if not eb01:
        raise X12Error(f"{what} has no benefit information code (EB01).")
    eb03 = _element(segment, 3)
    types = eb03.split(separators.repetition) if separators.repetition else [eb03]
    return _BenefitBuilder(
        values={
            "eb01": eb01,
            "eb02": _element(segment, 2),
            "service_types": tuple(t.strip() for t in types if t.strip()),
            "eb04": _element(segment, 4),
            "eb05": _element(segment, 5),
            "eb06": _element(segment, 6),
            "eb07": _decimal(_element(segment, 7), f"The amount (EB07) of {what}"),
            "eb08": _decimal(_element(segment, 8), f"The percent (EB08) of {what}"),
            "eb09": _element(segment, 9),
            "eb10": _decimal(_element(segment, 10), f"The quantity (EB10) of {what}"),
            "eb11": _element(segment, 11),
            "eb12": _element(segment, 12),
        }
    )


def parse_271(text: str) -> Response271:
    """Read an X12 271 eligibility response. Raises `X12Error` when it is not one or is malformed;
    AAA rejections are returned (in `rejections`), not raised: the caller decides."""
    separators, segments = tokenize(text, what="271")
    isa = segments[0]
    span = transactions_find(segments, transaction_set="271", description="a 271 eligibility response", single=True)[0]
    st, se = span.st, span.se
    gs = next(s for s in segments if s[0] == "GS")
    bht = next(s for s in segments[st:se] if s[0] == "BHT")

    payer_name = payer_id = ""
    members: list[_MemberBuilder] = []
    rejections: list[Rejection] = []
    levels: dict[str, str] = {}  # HL01 -> HL03
    member_by_hl: dict[str, _MemberBuilder] = {}
    level = ""
    member: _MemberBuilder | None = None
    benefit: _BenefitBuilder | None = None
    benefits_seen = 0
    in_ls = False  # inside an LS/LE loop (benefit-related entities): skipped

    for segment in segments[st + 1 : se]:
        kind = segment[0]
        if kind == "LS":
            in_ls = True
            continue
        if kind == "LE":
            in_ls = False
            continue
        if in_ls:
            continue
        if kind == "HL":
            hl_id, parent, level = _element(segment, 1), _element(segment, 2), _element(segment, 3)
            if not hl_id or hl_id in levels:
                raise X12Error(f"An HL segment has a missing or repeated id (“{hl_id}”).")
            if parent and parent not in levels:
                raise X12Error(f"HL {hl_id} names a parent ({parent}) that does not come before it.")
            levels[hl_id] = level
            benefit = None
            if level in (LEVEL_SUBSCRIBER, LEVEL_DEPENDENT):
                parent_member = member_by_hl.get(parent)
                member = _MemberBuilder(
                    level=_LEVEL_NAMES[level],
                    parent_member_id=parent_member.member_id if parent_member else "",
                )
                members.append(member)
                member_by_hl[hl_id] = member
            else:
                member = None
            continue
        if not levels:
            continue  # BHT and anything before the first HL
        if kind == "NM1":
            entity, qualifier, identifier = _element(segment, 1), _element(segment, 8), _element(segment, 9)
            if level == LEVEL_SOURCE and entity == "PR":
                payer_name, payer_id = _element(segment, 3), identifier
            elif member is not None and benefit is None and entity in ("IL", "03"):
                member.last_name, member.first_name = _element(segment, 3), _element(segment, 4)
                if qualifier == "MI" and identifier:
                    member.member_id = identifier
        elif kind == "AAA":
            rejection = Rejection(
                level="benefit" if benefit is not None else _LEVEL_NAMES.get(level, "payer"),
                valid=_element(segment, 1),
                reason_code=_element(segment, 3),
                follow_up_code=_element(segment, 4),
                member_id=(member.member_id or member.parent_member_id) if member is not None else "",
                member_level=member.level if member is not None else "",
                service_types=benefit.values["service_types"] if benefit is not None else (),
            )
            rejections.append(rejection)
            if member is not None:
                member.rejections.append(rejection)
            if benefit is not None:
                benefit.rejections.append(rejection)
        elif member is None:
            continue
        elif kind == "EB":
            benefits_seen += 1
            benefit = _benefit(segment, separators, benefits_seen)
            member.benefits.append(benefit)
        elif benefit is not None:
            if kind == "MSG":
                benefit.messages.append(_element(segment, 1))
            elif kind == "DTP":
                benefit.dates.append(_dtp(segment))
            elif kind == "REF":
                benefit.references.append((_element(segment, 1), _element(segment, 2)))
        elif kind == "REF" and _element(segment, 1) in ("6P", "1L"):
            if not member.group_number or _element(segment, 1) == "6P":
                member.group_number = _element(segment, 2)
                member.group_name = _element(segment, 3)
        elif kind == "DMG" and _element(segment, 1) == "D8":
            member.date_of_birth = _date(_element(segment, 2), "The date of birth (DMG02)")
        elif kind == "DTP":
            member.dates.append(_dtp(segment))
        elif kind == "TRN":
            member.trace_numbers.append((_element(segment, 1), _element(segment, 2)))

    if not levels:
        raise X12Error("The transaction has no HL segments: there is no payer, provider or member in it.")
    if not members and not rejections:
        raise X12Error("The 271 has no subscriber (HL level 22) and no rejection (AAA): there is nothing to read.")
    return Response271(
        separators=separators,
        envelope=Envelope(
            sender_id=isa[6].strip(),
            receiver_id=isa[8].strip(),
            interchange_date=_interchange_date(isa[9]),
            control_number=isa[13].strip(),
            usage=isa[15].strip(),
            version=_element(gs, 8),
            transaction_set=_element(segments[st], 1),
            reference=_element(bht, 3),
            created=_date(_element(bht, 4), "The transaction date (BHT04)"),
        ),
        payer_name=payer_name,
        payer_id=payer_id,
        members=tuple(m.build() for m in members),
        rejections=tuple(rejections),
    )
