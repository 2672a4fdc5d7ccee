"""Writing X12: segments from elements (data cleaned of the separators, trailing empty elements
dropped, as X12 requires) and the interchange around transaction sets — the fixed-width ISA,
GS, ST/SE with the counted segments, GE and IEA with their control numbers.

Files are written with `*` elements, `^` repetitions, `:` components and `~` terminators, each
segment on its own line: clearinghouses read the line breaks after terminators, and a person can
read the file.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from authorizations.x12.envelope import Separators

SEPARATORS = Separators(element="*", repetition="^", component=":", segment="~")
_FORBIDDEN = re.compile(r"[*^:~\r\n\t]+")
# X12's extended character set: letters, digits, space and these marks; anything else becomes a space.
_NOT_BASIC = re.compile(r"[^A-Za-z0-9 !\"&'()+,\-./;?=%@\[\]_{}\\|<>#$]")


@dataclass(frozen=True)
class InterchangeIds:
    """Who the file is from and to (ISA05–08, GS02–03) and whether it is a test (ISA15)."""

    sender_qualifier: str
    sender_id: str
    receiver_qualifier: str
    receiver_id: str
    application_sender: str
    application_receiver: str
    production: bool = False


def text(value: object, *, max_length: int | None = None) -> str:
    """A data element: the separators and characters outside X12's set become spaces, runs of
    spaces one, cut to `max_length`."""
    cleaned = _NOT_BASIC.sub(" ", _FORBIDDEN.sub(" ", "" if value is None else str(value)))
    cleaned = re.sub(r" {2,}", " ", cleaned).strip()
    return cleaned[:max_length].strip() if max_length else cleaned


def composite(*parts: str) -> str:
    while parts and not parts[-1]:
        parts = parts[:-1]
    return SEPARATORS.component.join(parts)


def segment(segment_id: str, *elements: str) -> str:
    """One segment, without its terminator; trailing empty elements dropped."""
    values = list(elements)
    while values and values[-1] == "":
        values.pop()
    return SEPARATORS.element.join([segment_id, *values])


def date8(day: dt.date) -> str:
    return day.strftime("%Y%m%d")


def date_range(start: dt.date, end: dt.date) -> tuple[str, str]:
    """DTP02/DTP03 for a day (D8) or a range (RD8)."""
    return ("D8", date8(start)) if start == end else ("RD8", f"{date8(start)}-{date8(end)}")


def _fixed(value: str, width: int) -> str:
    return text(value)[:width].ljust(width)


def interchange_write(
    *,
    ids: InterchangeIds,
    control_number: int,
    at: dt.datetime,
    functional_id: str,
    version: str,
    transaction_set: str,
    transactions: Sequence[Sequence[str]],
) -> str:
    """The file: one interchange of one functional group holding `transactions` (each the list of
    its segments between ST and SE), ST02 numbered 0001, 0002… within the group. The interchange
    and group control numbers are both `control_number` (ISA13 nine digits, GS06 without zeros)."""
    if not 0 < control_number <= 999_999_999:
        raise ValueError("An interchange control number has one to nine digits.")
    isa13 = f"{control_number:09d}"
    sep = SEPARATORS
    isa = sep.element.join(
        [
            "ISA",
            "00",
            " " * 10,
            "00",
            " " * 10,
            _fixed(ids.sender_qualifier, 2),
            _fixed(ids.sender_id, 15),
            _fixed(ids.receiver_qualifier, 2),
            _fixed(ids.receiver_id, 15),
            at.strftime("%y%m%d"),
            at.strftime("%H%M"),
            sep.repetition,
            "00501",
            isa13,
            "0",
            "P" if ids.production else "T",
            sep.component,
        ]
    )
    lines = [
        isa,
        segment(
            "GS",
            functional_id,
            text(ids.application_sender or ids.sender_id, max_length=15),
            text(ids.application_receiver or ids.receiver_id, max_length=15),
            at.strftime("%Y%m%d"),
            at.strftime("%H%M"),
            str(control_number),
            "X",
            version,
        ),
    ]
    for number, body in enumerate(transactions, start=1):
        st02 = f"{number:04d}"
        lines.append(segment("ST", transaction_set, st02, version))
        lines.extend(body)
        lines.append(segment("SE", str(len(body) + 2), st02))
    lines.append(segment("GE", str(len(transactions)), str(control_number)))
    lines.append(segment("IEA", "1", isa13))
    return "".join(f"{line}{sep.segment}\n" for line in lines)
