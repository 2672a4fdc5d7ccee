"""The organization's week. It may start on any day (`Organization.week_start`), and every weekly
figure — hours and their flags, the schedule's week, Today's "this week" — counts from the same
first day, so they are all read through this one function."""

from __future__ import annotations

import datetime as dt

from iop.tenancy.models import Organization


def week_start_for(organization: Organization, day: dt.date) -> dt.date:
    """The first day of `day`'s week in the organization's week."""
    return day - dt.timedelta(days=(day.weekday() - organization.week_start) % 7)
