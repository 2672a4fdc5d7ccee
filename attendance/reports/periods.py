"""The period of an attendance report: the default one, its limits, and its file name."""

from __future__ import annotations

import datetime as dt

from iop.common.exceptions import refuse
from iop.tenancy.models import Organization

from ..errors import AttendanceErrorCode
from ..hours.selectors import this_week_start

MAX_REPORT_WEEKS = 26


DEFAULT_FULL_WEEKS = 4


def report_default_range(*, organization: Organization, now: dt.datetime | None = None) -> tuple[dt.date, dt.date]:
    """The last four full weeks and this whole week: this week's sessions still to come are listed
    as booked, so the session rows add up to the week table's scheduled hours."""
    this_week = this_week_start(organization, now)
    return this_week - dt.timedelta(weeks=DEFAULT_FULL_WEEKS), this_week + dt.timedelta(days=6)


def report_range_validate(*, start: dt.date, end: dt.date) -> None:
    if end < start:
        refuse("The end date is before the start date.", code=AttendanceErrorCode.REPORT_RANGE_REVERSED, field="end")
    if (end - start).days + 1 > MAX_REPORT_WEEKS * 7:
        refuse(
            f"A report covers at most {MAX_REPORT_WEEKS} weeks: choose a later start or an earlier end.",
            code=AttendanceErrorCode.REPORT_RANGE_TOO_LONG,
            field="end",
        )


def report_filename(*, episode_id, start: dt.date, end: dt.date) -> str:
    """A download's name (without extension): never the client's name, which file lists, browser
    histories and mail attachments would keep."""
    return f"attendance-{str(episode_id)[:8]}-{start:%Y-%m-%d}-{end:%Y-%m-%d}"
