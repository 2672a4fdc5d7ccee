"""A small reader for X12 835 remittance advice (005010X221A1): each service line paid, reduced or
denied, as the rows a billing import writes.

The tokenizer is the project's own (`authorizations.coverage.x12`: separators from the ISA
segment, segments split). Read per claim (CLP): the claim number (CLP01), the claim status
(CLP02: 4 = denied), the member id (NM1*IL, else NM1*QC, NM109), the claim's statement date (DTM*232)
and prior authorization (REF*G1), and its adjustments (CAS); per service line (SVC): the code
(SVC01's second component, e.g. HC:S9480), charge (SVC02), payment (SVC03), units (SVC05, 1 when
absent), its date (DTM*472, else the claim's), its own REF*G1 and CAS. Each CAS gives its reason
codes (CAS02, 05, 08 …: the CARC), the group code (CO/PR/OA/PI) dropped.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from authorizations.coverage.x12 import X12Error, segments_split, separators_read


def _el(segment: list[str], index: int) -> str:
    return segment[index].strip() if index < len(segment) else ""


def _units(value: str) -> str:
    try:
        number = Decimal(value) if value else Decimal(1)
    except InvalidOperation:
        return value
    return str(int(number)) if number == number.to_integral_value() else value


def _reasons(segment: list[str]) -> list[str]:
    return [_el(segment, i) for i in range(2, 20, 3) if _el(segment, i)]


def remittance_rows(text: str) -> list[tuple[int, dict[str, str]]]:
    """`[(segment number, row)]`, a row per service line with the billing import's columns as text.
    Raises X12Error (for a person) when the text is not an 835."""
    text = text.lstrip("\ufeff\r\n\t ")
    separators = separators_read(text)
    segments = segments_split(text, separators)
    if not any(s[0] == "ST" and _el(s, 1) == "835" for s in segments):
        raise X12Error("This X12 file is not an 835 remittance (no ST*835 segment).")
    rows: list[tuple[int, dict[str, str]]] = []
    claim: dict | None = None
    line: dict | None = None

    def flush() -> None:
        if line is not None and claim is not None:
            reasons = line["carc"] + claim["carc"]
            rows.append(
                (
                    line["number"],
                    {
                        "member_id": claim["member_id"],
                        "claim_number": claim["claim_number"],
                        "service_date": line["date"] or claim["date"],
                        "code": line["code"],
                        "units": line["units"],
                        "billed_amount": line["billed"],
                        "paid_amount": line["paid"],
                        "status": "denied" if claim["status"] == "4" else "",
                        "carc": ";".join(dict.fromkeys(reasons)),
                        "authorization_number": line["authorization_number"] or claim["authorization_number"],
                    },
                )
            )

    for number, segment in enumerate(segments, start=1):
        kind = segment[0]
        if kind == "CLP":
            flush()
            line = None
            claim = {
                "claim_number": _el(segment, 1),
                "status": _el(segment, 2),
                "member_id": "",
                "insured_id": "",
                "date": "",
                "authorization_number": "",
                "carc": [],
            }
        elif kind in ("LX", "SE", "PLB"):
            flush()
            line, claim = None, None
        elif claim is None:
            continue
        elif kind == "SVC":
            flush()
            procedure = _el(segment, 1).split(separators.component)
            line = {
                "number": number,
                "code": (procedure[1] if len(procedure) > 1 else procedure[0]).strip(),
                "billed": _el(segment, 2),
                "paid": _el(segment, 3),
                "units": _units(_el(segment, 5)),
                "date": "",
                "authorization_number": "",
                "carc": [],
            }
        elif kind == "NM1" and line is None and _el(segment, 1) in ("IL", "QC"):
            if _el(segment, 1) == "IL" or not claim["member_id"]:
                claim["member_id"] = _el(segment, 9)
        elif kind == "DTM":
            if line is not None and _el(segment, 1) == "472":
                line["date"] = _el(segment, 2)
            elif line is None and _el(segment, 1) in ("232", "472"):
                claim["date"] = _el(segment, 2)
        elif kind == "REF" and _el(segment, 1) == "G1":
            (line if line is not None else claim)["authorization_number"] = _el(segment, 2)
        elif kind == "CAS":
            (line if line is not None else claim)["carc"].extend(_reasons(segment))
    flush()
    if not rows:
        raise X12Error("The 835 has no service line (SVC) to import.")
    return rows
