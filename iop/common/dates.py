"""The one way dates and times are written for people — pages, PDFs, notices, messages and
refusals: the day before the month, the month abbreviated, times on the 24-hour clock.

    date_short       Tue 8 Dec            a day of the weeks around now (schedules, worklists, messages)
    date_full        8 Dec 2026           any other date (birth, coverage, authorization windows, documents)
    time_hm          14:30
    datetime_short   Tue 8 Dec, 14:30
    datetime_full    8 Dec 2026, 14:30
    date_range       8 Dec – 12 Dec 2026  (8 Dec 2025 – 3 Jan 2026 across a year's end)

The formats are Django's (`django.utils.dateformat`) so that every place shares these very
strings: the template filters of the same names (iop/common/templatetags/dates.py, built into
every template) and the project's format module (iop/formats/en/formats.py), which is what a bare
`|date` or a date printed as `{{ value }}` uses. Datetimes are written at their own wall time:
pass `tz` (the organization's zone) to convert an aware one first; templates convert to the zone
the page is rendered in, as Django's `date` filter does. Machine formats (ISO dates in file
names, form inputs, dedupe keys and X12) are not for people and stay ISO.
"""

from __future__ import annotations

import datetime as dt

from django.utils import dateformat

DATE_SHORT = "D j M"
DATE_FULL = "j M Y"
TIME_HM = "H:i"
DATETIME_SHORT = f"{DATE_SHORT}, {TIME_HM}"
DATETIME_FULL = f"{DATE_FULL}, {TIME_HM}"
# A range's first day, when its last one carries the (same) year.
_DAY_MONTH = "j M"


def _at(value: dt.date | dt.datetime, tz: dt.tzinfo | None) -> dt.date | dt.datetime:
    if tz is not None and isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(tz)
    return value


def date_short(value: dt.date | dt.datetime, tz: dt.tzinfo | None = None) -> str:
    """Tue 8 Dec."""
    return dateformat.format(_at(value, tz), DATE_SHORT)


def date_full(value: dt.date | dt.datetime, tz: dt.tzinfo | None = None) -> str:
    """8 Dec 2026."""
    return dateformat.format(_at(value, tz), DATE_FULL)


def time_hm(value: dt.time | dt.datetime, tz: dt.tzinfo | None = None) -> str:
    """14:30 (a time of day, or a datetime's wall time)."""
    if isinstance(value, dt.datetime):
        return dateformat.format(_at(value, tz), TIME_HM)
    return dateformat.time_format(value, TIME_HM)


def datetime_short(value: dt.datetime, tz: dt.tzinfo | None = None) -> str:
    """Tue 8 Dec, 14:30."""
    return dateformat.format(_at(value, tz), DATETIME_SHORT)


def datetime_full(value: dt.datetime, tz: dt.tzinfo | None = None) -> str:
    """8 Dec 2026, 14:30."""
    return dateformat.format(_at(value, tz), DATETIME_FULL)


def date_range(start: dt.date, end: dt.date) -> str:
    """8 Dec – 12 Dec 2026; the year written once when both days share it."""
    first = _DAY_MONTH if start.year == end.year else DATE_FULL
    return f"{dateformat.format(start, first)} – {dateformat.format(end, DATE_FULL)}"
