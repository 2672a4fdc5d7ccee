"""Helpers of the X12 278/270 tests: the organization's interoperability settings, and an
independent check of a file's envelope that does not use our reader — a few lines of plain
splitting, so a bug in the reader cannot hide the same bug in the writer."""

from __future__ import annotations

import io

from pyx12.x12file import X12Reader

from authorizations.models import InteropSettings

NPI = "1234567893"


def make_interop_settings(**overrides) -> InteropSettings:
    values = {
        "requester_name": "Harbor Virtual IOP",
        "requester_npi": NPI,
        "submitter_id": "HARBORSUB",
        "receiver_id": "CLEARHOUSE",
        "facility_code": "11",
    }
    values.update(overrides)
    return InteropSettings.objects.create(**values)


def independent_check(text: str, *, transaction_set: str) -> list[list[list[str]]]:
    """Check the envelope by hand and return each transaction's segments (lists of elements).

    Asserts: the ISA is 106 characters; ISA13 = IEA02, GS06 = GE02, ST02 = SE02; SE01 counts
    the transaction's segments from ST to SE; GE01 the transactions; IEA01 the groups; the HL
    segments number 1, 2, 3… with parents that come before them. Then the same file goes through
    a reader that is not ours, pyx12's (`envelope_errors`)."""
    assert envelope_errors(text) == []
    assert text.startswith("ISA")
    isa_text = text[:106]
    terminator = isa_text[105]
    assert terminator == "~" and len(isa_text.split("*")) == 17
    segments = [line.strip() for line in text.split("~") if line.strip()]
    rows = [s.split("*") for s in segments]
    ids = [r[0] for r in rows]
    assert ids[0] == "ISA" and ids[1] == "GS" and ids[-2:] == ["GE", "IEA"]
    isa, gs, ge, iea = rows[0], rows[1], rows[-2], rows[-1]
    assert isa[13] == iea[2] and len(isa[13]) == 9 and isa[13].isdigit()
    assert gs[6] == ge[2]
    assert iea[1] == "1"
    transactions = []
    start = None
    for index, row in enumerate(rows):
        if row[0] == "ST":
            assert start is None
            assert row[1] == transaction_set
            start = index
        elif row[0] == "SE":
            assert start is not None
            assert rows[start][2] == row[2], "ST02 = SE02"
            assert int(row[1]) == index - start + 1, "SE01 counts ST…SE"
            transactions.append(rows[start : index + 1])
            start = None
    assert int(ge[1]) == len(transactions)
    for body in transactions:
        seen: set[str] = set()
        for row in body:
            if row[0] == "HL":
                assert row[1] == str(len(seen) + 1), "HL ids count up from 1"
                assert row[2] == "" or row[2] in seen, "an HL's parent comes before it"
                seen.add(row[1])
    return transactions


def envelope_errors(text: str) -> list[str]:
    """What pyx12's X12 reader finds wrong in a file's envelope: control numbers, SE/GE/IEA counts,
    HL numbering, unterminated loops. (pyx12 has no 5010 maps for 278/270, so this is the envelope
    and structure only, not the implementation guide's segments.)"""
    reader = X12Reader(io.StringIO(text))
    errors: list[str] = []
    for _segment in reader:
        errors += [f"{level} {code}: {message}" for level, code, message, *_ in reader.pop_errors()]
    errors += [f"{level} {code}: {message}" for level, code, message, *_ in reader.pop_errors()]
    return errors
