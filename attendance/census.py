"""Attendance's column of the census board (registered from `attendance.wiring`): each client's
therapy hours this week against their requirement (payer rule, treatment plan or program default),
with the pace forecast flagging a week that cannot reach it or has no margin left."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from iop.clients.models import Episode
from iop.common.weeks import week_start_for
from iop.tenancy import permissions
from iop.tenancy.models import Organization
from iop.today.hooks import CensusCell, CensusColumn, census_column_register

from .hours.selectors import WeekSummary, week_summaries
from .models import PaceState


def _cell(summary: WeekSummary, url: str) -> CensusCell:
    text = f"{summary.attended_hours} of {summary.required_hours} h"
    booked = f"{summary.remaining_hours} h still booked"
    if summary.outside_care:
        return CensusCell(text=text, detail=summary.outside_care, url=url)
    state = summary.state
    if state == PaceState.CANNOT_REACH:
        return CensusCell(text=text, tone="alert", detail=f"{booked}: short by {summary.shortfall_hours} h", url=url)
    if state == PaceState.AT_RISK:
        return CensusCell(text=text, tone="warn", detail=f"{booked}: every session needed", url=url)
    return CensusCell(text=text, detail=booked if summary.remaining_minutes else "", url=url)


def hours_cells(*, organization: Organization, episodes: list[Episode], today: dt.date) -> dict:
    """This week's summary of every row (`week_summaries`: the payer requirements and the week's
    sessions; the rows carry their treatment plan and program)."""
    week = week_start_for(organization, today)
    summaries = week_summaries(
        organization=organization,
        episodes=episodes,
        first_week=week,
        last_week=week,
        now=organization.local_datetime(today, dt.time(12)),
    )
    cells = {}
    for episode in episodes:
        url = reverse("clients:client_detail", kwargs={"org_slug": organization.slug, "client_id": episode.client_id})
        cells[episode.pk] = _cell(summaries[(episode.pk, week)], url + "#hours")
    return cells


def register_census() -> None:
    census_column_register(
        CensusColumn(
            key="hours_this_week",
            title="Hours this week",
            order=30,
            permission=permissions.ATTENDANCE_VIEW,
            load=hours_cells,
        )
    )
