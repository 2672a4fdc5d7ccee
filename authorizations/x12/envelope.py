"""What every X12 file shares: the separators read from the fixed-width ISA segment, segments
split into elements, the envelope (ISA/IEA, GS/GE, ST/SE) checked — segment counts and control
numbers — and the small element readers (dates, numbers, DTP). Messages in `X12Error` are for a
person: they say what is wrong with the file.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

ISA_LENGTH = 106  # "ISA", 16 fixed-width elements and their separators, and the segment terminator

_SEGMENT_ID = re.compile(r"^[A-Z][A-Z0-9]{1,2}$")


class X12Error(ValueError):
    """The text is not a readable X12 file of the kind expected: `message` says what is wrong, for a person."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Separators:
    element: str
    repetition: str  # "" when ISA11 is not a separator (pre-5010 files put "U" there)
    component: str
    segment: str


@dataclass(frozen=True)
class TransactionSpan:
    """One transaction set of a file: the indexes of its ST and SE segments."""

    st: int
    se: int
    control_number: str  # ST02


def separators_read(text: str) -> Separators:
    """The separators, from the fixed-width ISA segment at the start of `text`."""
    if not text.startswith("ISA"):
        found = text[:20].strip()
        raise X12Error(
            "This is not an X12 file: it should begin with an ISA segment"
            + (f", but begins with “{found}”." if found else ", but it is empty.")
        )
    if len(text) < ISA_LENGTH:
        raise X12Error(f"The ISA segment is cut short: it has {len(text)} characters, not {ISA_LENGTH}.")
    element = text[3]
    if element.isalnum() or element.isspace():
        raise X12Error("The ISA segment has no element separator after “ISA”.")
    parts = text[:ISA_LENGTH].split(element)
    if len(parts) != 17 or len(parts[16]) != 2:
        raise X12Error(
            "The ISA segment is not the fixed length X12 requires (106 characters, 16 elements): "
            "check that its padded fields (sender, receiver ids) were not trimmed."
        )
    repetition, component, segment = text[82], text[104], text[105]
    if segment.isalnum() or segment in (element, component):
        raise X12Error("The ISA segment does not end with a segment terminator at position 106.")
    if component.isalnum() or component == element:
        raise X12Error("The ISA segment's component separator (ISA16) is missing.")
    if repetition.isalnum() or repetition in (element, component, segment):
        repetition = ""
    return Separators(element=element, repetition=repetition, component=component, segment=segment)


def segments_split(text: str, separators: Separators) -> list[list[str]]:
    """Segments as lists of elements (the segment id first); whitespace around segments (newlines
    after terminators) is dropped."""
    segments = []
    for chunk in text.split(separators.segment):
        chunk = chunk.strip("\r\n\t ")
        if chunk:
            segments.append(chunk.split(separators.element))
    return segments


def tokenize(text: str, *, what: str) -> tuple[Separators, list[list[str]]]:
    """The separators and segments of `text` (a leading byte-order mark and blank lines ignored);
    the ISA checked for its 16 elements and every segment id for its shape."""
    if not isinstance(text, str):
        raise X12Error(f"The {what} must be text.")
    text = text.lstrip("\ufeff\r\n\t ")
    separators = separators_read(text)
    segments = segments_split(text, separators)
    if len(segments[0]) != 17:
        raise X12Error("The ISA segment does not have its 16 elements.")
    for segment in segments:
        if not _SEGMENT_ID.match(segment[0]):
            raise X12Error(f"“{segment[0][:12]}” is not an X12 segment: the file is damaged or not X12.")
    return separators, segments


def element(segment: list[str], index: int) -> str:
    return segment[index].strip() if index < len(segment) else ""


def component(value: str, separators: Separators, index: int) -> str:
    parts = value.split(separators.component)
    return parts[index].strip() if index < len(parts) else ""


def decimal_read(value: str, what: str) -> Decimal | None:
    if not value:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation as exc:
        raise X12Error(f"{what} is “{value}”, which is not a number.") from exc
    if not number.is_finite():
        raise X12Error(f"{what} is “{value}”, which is not a number.")
    return number


def date_read(value: str, what: str) -> dt.date | None:
    if not value:
        return None
    try:
        if len(value) != 8 or not value.isdigit():
            raise ValueError(value)
        return dt.date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError as exc:
        raise X12Error(f"{what} is “{value}”, not a date (CCYYMMDD).") from exc


def dtp_read(segment: list[str]) -> tuple[str, dt.date | None, dt.date | None]:
    """A DTP segment as (qualifier, from, to): D8 a day, RD8 a range; other formats (times) give no dates."""
    qualifier, form, value = element(segment, 1), element(segment, 2), element(segment, 3)
    what = f"The DTP*{qualifier} date"
    if form == "RD8" and "-" in value:
        start, end = value.split("-", 1)
        return qualifier, date_read(start, what), date_read(end, what)
    if form == "D8":
        day = date_read(value, what)
        return qualifier, day, day
    return qualifier, None, None


def interchange_date(value: str) -> dt.date | None:
    value = value.strip()
    try:
        return dt.date(2000 + int(value[:2]), int(value[2:4]), int(value[4:6])) if len(value) == 6 else None
    except ValueError:
        return None


_ENVELOPE_PARTS = (
    ("GS", "functional group header (GS)"),
    ("ST", "transaction set header (ST)"),
    ("SE", "transaction set trailer (SE)"),
    ("GE", "functional group trailer (GE)"),
    ("IEA", "interchange trailer (IEA)"),
)


def transactions_find(
    segments: list[list[str]], *, transaction_set: str, description: str, single: bool = False
) -> list[TransactionSpan]:
    """The transaction sets of the file, after checking its envelope: every part present, each
    ST/SE pair with its segment count (SE01) and control number (SE02 = ST02), each group's
    count and control number (GE01, GE02 = GS06), the interchange's (IEA02 = ISA13), and each
    transaction a `transaction_set` with its BHT. `single`: a file holding several is refused."""
    ids = [s[0] for s in segments]
    for required, name in _ENVELOPE_PARTS:
        if required not in ids:
            raise X12Error(f"The file has no {name}: it is incomplete.")
    spans: list[TransactionSpan] = []
    open_st: int | None = None
    groups = 0
    group_sets = 0
    group_control = ""
    for index, segment in enumerate(segments):
        kind = segment[0]
        if kind == "GS":
            groups += 1
            group_sets = 0
            group_control = element(segment, 6)
        elif kind == "ST":
            if open_st is not None:
                raise X12Error("A transaction set header (ST) comes before the previous one's trailer (SE).")
            found = element(segment, 1)
            if found != transaction_set:
                raise X12Error(f"This is an X12 {found or 'unknown'} transaction, not {description}.")
            open_st = index
        elif kind == "SE":
            if open_st is None:
                raise X12Error("The transaction set trailer (SE) comes before its header (ST).")
            count = element(segment, 1)
            if not count.isdigit() or int(count) != index - open_st + 1:
                raise X12Error(
                    f"The transaction says it has {count or 'no'} segments (SE01) but has {index - open_st + 1}: "
                    "the file is incomplete or was changed."
                )
            if element(segment, 2) != element(segments[open_st], 2):
                raise X12Error("The transaction's control numbers (ST02 and SE02) differ: the file was changed.")
            if "BHT" not in ids[open_st:index]:
                raise X12Error("The transaction has no beginning segment (BHT).")
            spans.append(TransactionSpan(st=open_st, se=index, control_number=element(segments[open_st], 2)))
            group_sets += 1
            open_st = None
        elif kind == "GE":
            count = element(segment, 1)
            if count.isdigit() and int(count) != group_sets:
                raise X12Error(
                    f"The functional group says it holds {count} transactions (GE01) but holds {group_sets}."
                )
            if element(segment, 2) and group_control and element(segment, 2) != group_control:
                raise X12Error("The functional group's control numbers (GS06 and GE02) differ: the file was changed.")
        elif kind == "IEA":
            count = element(segment, 1)
            if count.isdigit() and int(count) != groups:
                raise X12Error(f"The interchange says it holds {count} functional groups (IEA01) but holds {groups}.")
            if element(segment, 2) != element(segments[0], 13):
                raise X12Error("The interchange's control numbers (ISA13 and IEA02) differ: the file was changed.")
    if open_st is not None:
        raise X12Error("The last transaction has no trailer (SE): the file is incomplete.")
    if single and len(spans) > 1:
        raise X12Error(
            f"The file holds more than one transaction: import one {description.split(' ', 1)[1]} at a time."
        )
    return spans
