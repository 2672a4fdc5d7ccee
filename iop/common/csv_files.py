"""CSV files the app writes (exports) — one way to make them safe to open in a spreadsheet.

A spreadsheet runs a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return as a
formula (OWASP "CSV injection"): a client's name or a note typed as `=HYPERLINK(…)` would run on
the billing clerk's machine. Every cell written goes through `csv_cell`, which prefixes such a
value with an apostrophe (shown as text, not run).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

# The first characters a spreadsheet treats as the start of a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# With a byte-order mark, spreadsheet programs read the file as UTF-8 (accented names).
BOM = "\ufeff"


def csv_cell(value) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text


def csv_text(*, header: Sequence[str], rows: Iterable[Iterable]) -> str:
    """A CSV document (CRLF line ends, RFC 4180) of `header` and `rows`, every cell neutralised."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(csv_cell(name) for name in header)
    for row in rows:
        writer.writerow(csv_cell(value) for value in row)
    return out.getvalue()
