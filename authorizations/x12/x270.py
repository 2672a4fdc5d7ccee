"""The X12 270 eligibility, coverage or benefit inquiry (005010X279A1) we send for a coverage, so
staff submit it through their clearinghouse and import the 271 answer. Its TRN trace number
comes back in the 271 (TRN*2), which pairs the answer with its question.

    BHT*0022*13*<trace>*date*time
    2000A HL*20  NM1*PR (payer, PI payer id)
    2000B HL*21  NM1*1P (provider, XX NPI)
    2000C HL*22  TRN*1 (when the client is the subscriber), NM1*IL (MI member id), REF*6P group, DMG,
                 DTP*291 (plan date), EQ (one per service type)
    2000D HL*23  (the client as a dependent) TRN*1, NM1*03, DMG, DTP*291, EQ
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from authorizations.x12 import writer as w
from authorizations.x12.x278 import Person

VERSION = "005010X279A1"
FUNCTIONAL_ID = "HS"  # GS01: eligibility, coverage or benefit inquiry


@dataclass(frozen=True)
class Inquiry270:
    trace: str
    originator_id: str  # TRN03
    payer_name: str
    payer_id: str
    provider_name: str
    provider_npi: str
    subscriber: Person
    dependent: Person | None
    group_number: str
    on: dt.date  # DTP*291: the day benefits are asked for
    service_types: Sequence[str]


def _questions(inquiry: Inquiry270) -> list[str]:
    return [
        w.segment("DTP", "291", "D8", w.date8(inquiry.on)),
        *(w.segment("EQ", code) for code in inquiry.service_types),
    ]


def inquiry_segments(inquiry: Inquiry270, *, created_at: dt.datetime) -> list[str]:
    """The segments of one 270 between ST and SE."""
    trace = w.segment("TRN", "1", w.text(inquiry.trace, max_length=50), w.text(inquiry.originator_id, max_length=10))
    subscriber = inquiry.subscriber
    dependent = inquiry.dependent
    segments = [
        w.segment(
            "BHT",
            "0022",
            "13",
            w.text(inquiry.trace, max_length=50),
            w.date8(created_at.date()),
            created_at.strftime("%H%M"),
        ),
        w.segment("HL", "1", "", "20", "1"),
        w.segment(
            "NM1", "PR", "2", w.text(inquiry.payer_name, max_length=60), "", "", "", "", "PI", w.text(inquiry.payer_id)
        ),
        w.segment("HL", "2", "1", "21", "1"),
        w.segment(
            "NM1", "1P", "2", w.text(inquiry.provider_name, max_length=60), "", "", "", "", "XX", inquiry.provider_npi
        ),
        w.segment("HL", "3", "2", "22", "1" if dependent is not None else "0"),
    ]
    if dependent is None:
        segments.append(trace)
    segments.append(
        w.segment(
            "NM1",
            "IL",
            "1",
            w.text(subscriber.last_name, max_length=60),
            w.text(subscriber.first_name, max_length=35),
            "",
            "",
            "",
            "MI",
            w.text(subscriber.member_id, max_length=80),
        )
    )
    if inquiry.group_number:
        segments.append(w.segment("REF", "6P", w.text(inquiry.group_number, max_length=50)))
    if subscriber.date_of_birth:
        segments.append(w.segment("DMG", "D8", w.date8(subscriber.date_of_birth)))
    if dependent is None:
        return segments + _questions(inquiry)
    segments += [
        w.segment("HL", "4", "3", "23", "0"),
        trace,
        w.segment(
            "NM1", "03", "1", w.text(dependent.last_name, max_length=60), w.text(dependent.first_name, max_length=35)
        ),
    ]
    if dependent.date_of_birth:
        segments.append(w.segment("DMG", "D8", w.date8(dependent.date_of_birth)))
    return segments + _questions(inquiry)
