"""The episode's billing reconciliation, computed (pure: tested on constructed data).

Inputs are plain values: the episode's authorization lines (each with its number, code, window,
units authorized and units attended from the unit burn-down) and its billing lines. The outputs
are one row per authorization line — units authorized vs attended vs billed vs paid — and the
discrepancies, each with the action that resolves it (domain §5.3, CARC §2.8):

- a date of service outside every authorization window: CARC 197 (no authorization) / 198 risk;
- a billed code that is not the code authorized for that date: CARC 15 / 197 risk;
- billed without the authorization number (REF*G1) while one covers the date: CARC 15 risk;
- units billed over those authorized on a line: CARC 198 risk;
- units billed that attendance does not show, or attended units never billed;
- a claim line with no remittance yet;
- a denial (or reduction) by reason: 197, 198, 15, 50 and any other CARC.

A billing line is matched to an authorization line by the line the claim cited when known, else by
the window that holds its date of service and its code (the authorization number, when given,
chooses among several).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from iop.common.dates import date_full, date_range


class DiscrepancyKind(StrEnum):
    OUTSIDE_WINDOW = "outside_window"
    CODE_MISMATCH = "code_mismatch"
    AUTH_NUMBER_MISSING = "auth_number_missing"
    UNITS_OVER_AUTHORIZED = "units_over_authorized"
    BILLED_OVER_ATTENDED = "billed_over_attended"
    NOT_BILLED = "not_billed"
    AWAITING_PAYMENT = "awaiting_payment"
    DENIED = "denied"


# What to do, per kind (a denial's action is its CARC's, below).
ACTIONS: dict[str, str] = {
    DiscrepancyKind.OUTSIDE_WINDOW: (
        "Request a retro authorization for the date (CARC 197 risk), or write the line off."
    ),
    DiscrepancyKind.CODE_MISMATCH: (
        "Rebill with the authorized code, or ask the payer to modify the authorization (CARC 15/197 risk)."
    ),
    DiscrepancyKind.AUTH_NUMBER_MISSING: "Rebill with the authorization number (REF*G1) (CARC 15 risk).",
    DiscrepancyKind.UNITS_OVER_AUTHORIZED: (
        "Request additional units (a retro authorization) for the excess, or write it off (CARC 198 risk)."
    ),
    DiscrepancyKind.BILLED_OVER_ATTENDED: (
        "Void or correct the claim: attendance does not show these units (check the roll call first)."
    ),
    DiscrepancyKind.NOT_BILLED: "Bill the attended units, or write them off with a reason.",
    DiscrepancyKind.AWAITING_PAYMENT: "Post the remittance when it comes, or follow up with the payer on the claim.",
}

# Denials by reason (CARC): what to do about each.
CARC_ACTIONS: dict[str, str] = {
    "197": "Request a retro authorization, then rebill (precertification/authorization absent).",
    "198": "Request additional units or an extension for the dates, then rebill (authorization exceeded).",
    "15": "Rebill with the authorization number (REF*G1) (authorization number missing or invalid).",
    "50": "Appeal medical necessity (with the clinical record and the criteria met).",
}
CARC_LABELS: dict[str, str] = {
    "197": "authorization absent",
    "198": "authorization exceeded",
    "15": "authorization number missing or invalid",
    "50": "not medically necessary",
}
OTHER_CARC_ACTION = "Read the payer's reason (CARC) and correct and rebill, or appeal."
# Reasons that make a paid or partly paid line a discrepancy too (the payer reduced it for them).
DENIAL_CARCS = frozenset(CARC_ACTIONS)

PAID_STATUSES = frozenset({"paid", "partial"})


@dataclass(frozen=True)
class AuthLine:
    """One authorization line as the reconciliation sees it. `attended` is None for a unit type not
    counted from attendance (evaluations, instruments)."""

    id: object
    authorization_number: str
    code: str
    unit_type: str
    start_date: dt.date
    end_date: dt.date
    authorized: int
    attended: int | None

    def holds(self, day: dt.date) -> bool:
        return self.start_date <= day <= self.end_date


@dataclass(frozen=True)
class Billed:
    """One billing line as the reconciliation sees it."""

    id: object
    service_date: dt.date
    code: str
    units: int
    billed_amount: Decimal
    paid_amount: Decimal | None = None
    status: str = "billed"
    adjustment_reasons: tuple[str, ...] = ()
    authorization_number: str = ""
    authorization_line_id: object = None
    claim_number: str = ""


@dataclass(frozen=True)
class Discrepancy:
    kind: str
    message: str
    action: str
    billing_line_id: object = None
    authorization_line_id: object = None
    carc: str = ""

    @property
    def label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)


KIND_LABELS: dict[str, str] = {
    DiscrepancyKind.OUTSIDE_WINDOW: "Date outside any authorization",
    DiscrepancyKind.CODE_MISMATCH: "Code not authorized",
    DiscrepancyKind.AUTH_NUMBER_MISSING: "Authorization number missing",
    DiscrepancyKind.UNITS_OVER_AUTHORIZED: "Units over authorized",
    DiscrepancyKind.BILLED_OVER_ATTENDED: "Billed over attended",
    DiscrepancyKind.NOT_BILLED: "Attended, not billed",
    DiscrepancyKind.AWAITING_PAYMENT: "Awaiting payment",
    DiscrepancyKind.DENIED: "Denied",
}


@dataclass
class LineRow:
    """Units authorized vs attended vs billed vs paid on one authorization line."""

    line: AuthLine
    billed: int = 0
    paid: int = 0
    billed_amount: Decimal = Decimal("0")
    paid_amount: Decimal = Decimal("0")


@dataclass
class Reconciliation:
    rows: list[LineRow]
    discrepancies: list[Discrepancy]
    # Billing line id -> authorization line id it was matched to (None: none).
    matches: dict = field(default_factory=dict)
    billed_amount: Decimal = Decimal("0")
    paid_amount: Decimal = Decimal("0")

    @property
    def count(self) -> int:
        return len(self.discrepancies)

    def denials_by_reason(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for d in self.discrepancies:
            if d.kind == DiscrepancyKind.DENIED:
                counts[d.carc or "?"] = counts.get(d.carc or "?", 0) + 1
        return counts


def _match(bill: Billed, lines: Sequence[AuthLine]) -> tuple[AuthLine | None, list[AuthLine]]:
    """(the line of that code holding the date, every line holding the date)."""
    if bill.authorization_line_id is not None:
        cited = next((line for line in lines if line.id == bill.authorization_line_id), None)
        if cited is not None and cited.holds(bill.service_date) and cited.code == bill.code:
            return cited, [cited]
    holding = [line for line in lines if line.holds(bill.service_date)]
    same_code = [line for line in holding if line.code == bill.code]
    if bill.authorization_number:
        numbered = [line for line in same_code if line.authorization_number == bill.authorization_number]
        same_code = numbered or same_code
    return (same_code[0] if same_code else None), holding


def _carc_label(carc: str) -> str:
    if carc in CARC_LABELS:
        return f"CARC {carc} ({CARC_LABELS[carc]})"
    return f"CARC {carc}" if carc else "no reason code"


def reconcile(lines: Iterable[AuthLine], billed: Iterable[Billed]) -> Reconciliation:
    lines = sorted(lines, key=lambda line: (line.start_date, line.code, str(line.id)))
    billed = sorted(billed, key=lambda b: (b.service_date, b.code, str(b.id)))
    rows = {line.id: LineRow(line=line) for line in lines}
    found: list[Discrepancy] = []
    matches: dict = {}
    total_billed = total_paid = Decimal("0")
    for bill in billed:
        total_billed += bill.billed_amount
        total_paid += bill.paid_amount or Decimal("0")
        line, holding = _match(bill, lines)
        matches[bill.id] = line.id if line else None
        what = f"{bill.code} on {date_full(bill.service_date)} ({bill.units} unit{'s' if bill.units != 1 else ''})"
        if line is not None:
            row = rows[line.id]
            row.billed += bill.units
            row.billed_amount += bill.billed_amount
            if bill.status in PAID_STATUSES:
                row.paid += bill.units
                row.paid_amount += bill.paid_amount or Decimal("0")
            if not bill.authorization_number:
                found.append(
                    Discrepancy(
                        DiscrepancyKind.AUTH_NUMBER_MISSING,
                        f"{what} was billed without authorization {line.authorization_number}'s number.",
                        ACTIONS[DiscrepancyKind.AUTH_NUMBER_MISSING],
                        billing_line_id=bill.id,
                        authorization_line_id=line.id,
                    )
                )
        elif holding:
            authorized = ", ".join(sorted({f"{h.code} ({h.authorization_number})" for h in holding}))
            found.append(
                Discrepancy(
                    DiscrepancyKind.CODE_MISMATCH,
                    f"{what}: the authorization for that date is for {authorized}.",
                    ACTIONS[DiscrepancyKind.CODE_MISMATCH],
                    billing_line_id=bill.id,
                    authorization_line_id=holding[0].id,
                )
            )
        else:
            found.append(
                Discrepancy(
                    DiscrepancyKind.OUTSIDE_WINDOW,
                    f"{what} falls outside every authorization window.",
                    ACTIONS[DiscrepancyKind.OUTSIDE_WINDOW],
                    billing_line_id=bill.id,
                )
            )
        reasons = [r for r in bill.adjustment_reasons if r]
        if bill.status == "denied" or any(r in DENIAL_CARCS for r in reasons):
            named = [r for r in reasons if r in DENIAL_CARCS] or reasons or [""]
            for carc in named:
                label = _carc_label(carc)
                verb = "denied" if bill.status == "denied" else "reduced"
                found.append(
                    Discrepancy(
                        DiscrepancyKind.DENIED,
                        f"{what} was {verb}: {label}.",
                        CARC_ACTIONS.get(carc, OTHER_CARC_ACTION),
                        billing_line_id=bill.id,
                        authorization_line_id=line.id if line else None,
                        carc=carc,
                    )
                )
        elif bill.status == "billed":
            found.append(
                Discrepancy(
                    DiscrepancyKind.AWAITING_PAYMENT,
                    f"{what} has no remittance yet" + (f" (claim {bill.claim_number})." if bill.claim_number else "."),
                    ACTIONS[DiscrepancyKind.AWAITING_PAYMENT],
                    billing_line_id=bill.id,
                )
            )
    for row in rows.values():
        line = row.line
        window = date_range(line.start_date, line.end_date)
        name = f"{line.code} on authorization {line.authorization_number} ({window})"
        if row.billed > line.authorized:
            found.append(
                Discrepancy(
                    DiscrepancyKind.UNITS_OVER_AUTHORIZED,
                    f"{name}: {row.billed} units billed, {line.authorized} authorized "
                    f"({row.billed - line.authorized} over).",
                    ACTIONS[DiscrepancyKind.UNITS_OVER_AUTHORIZED],
                    authorization_line_id=line.id,
                )
            )
        if line.attended is None:
            continue
        if row.billed > line.attended:
            found.append(
                Discrepancy(
                    DiscrepancyKind.BILLED_OVER_ATTENDED,
                    f"{name}: {row.billed} units billed, {line.attended} attended.",
                    ACTIONS[DiscrepancyKind.BILLED_OVER_ATTENDED],
                    authorization_line_id=line.id,
                )
            )
        elif row.billed < line.attended:
            found.append(
                Discrepancy(
                    DiscrepancyKind.NOT_BILLED,
                    f"{name}: {line.attended} units attended, {row.billed} billed.",
                    ACTIONS[DiscrepancyKind.NOT_BILLED],
                    authorization_line_id=line.id,
                )
            )
    return Reconciliation(
        rows=list(rows.values()),
        discrepancies=found,
        matches=matches,
        billed_amount=total_billed,
        paid_amount=total_paid,
    )
