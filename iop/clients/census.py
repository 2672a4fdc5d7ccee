"""The clients app's part of the census board (registered from `iop.clients.wiring`): the rows —
every active episode, by program then client — and the two columns the episode itself answers:
the day of stay and the level of care (clinical, and what the payer last authorized).
"""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from iop.clients.models import Episode, EpisodeStatus
from iop.common.dates import date_short
from iop.tenancy import permissions
from iop.tenancy.models import LevelOfCare, Organization
from iop.today.hooks import (
    CensusCell,
    CensusColumn,
    CensusRow,
    census_column_register,
    census_rows_register,
)


def census_rows(*, organization: Organization, today: dt.date) -> list[CensusRow]:
    """The organization's active episodes, by program then client (one query). Each carries its
    client, program and treatment plan: attendance's column reads the weekly requirement from them
    without a query of its own."""
    episodes = (
        Episode.objects.filter(organization=organization, status=EpisodeStatus.ACTIVE)
        .select_related("client", "program", "treatment_plan")
        .order_by("program__name", "program_id", "client__last_name", "client__first_name", "pk")
    )
    return [
        CensusRow(
            episode=episode,
            episode_id=episode.pk,
            client_id=episode.client_id,
            client_name=episode.client.sort_name,
            program=episode.program.name,
            url=reverse(
                "clients:client_detail", kwargs={"org_slug": organization.slug, "client_id": episode.client_id}
            ),
        )
        for episode in episodes
    ]


def day_of_stay(admission: dt.date, today: dt.date) -> int:
    """The day of stay on `today` (local): the admission day is day 1."""
    return (today - admission).days + 1


def _stay_cells(*, organization: Organization, episodes: list[Episode], today: dt.date) -> dict:
    cells = {}
    for episode in episodes:
        if episode.admission_date is not None:
            cells[episode.pk] = CensusCell(
                text=f"Day {day_of_stay(episode.admission_date, today)}",
                detail=f"Admitted {date_short(episode.admission_date)}",
            )
    return cells


def _short(level: str) -> str:
    """ "IOP" from "Intensive outpatient (IOP)"."""
    return level.upper() if level in LevelOfCare.values else level


def _level_cells(*, organization: Organization, episodes: list[Episode], today: dt.date) -> dict:
    """The clinical level; flagged when the payer's authorized level differs from it (a step-down
    the payer approved that the clinicians have not acted on, or the other way round)."""
    cells = {}
    for episode in episodes:
        clinical, authorized = episode.level_of_care, episode.authorized_level_of_care
        if authorized and authorized != clinical:
            cells[episode.pk] = CensusCell(
                text=f"{_short(clinical)} · authorized {_short(authorized)}",
                tone="alert",
                detail="The payer's level differs from the clinical one",
                url=reverse(
                    "clients:client_detail", kwargs={"org_slug": organization.slug, "client_id": episode.client_id}
                )
                + "#status",
            )
        else:
            cells[episode.pk] = CensusCell(
                text=_short(clinical), detail="" if authorized else "Authorized level not recorded"
            )
    return cells


def register_census() -> None:
    census_rows_register(census_rows)
    census_column_register(
        CensusColumn(
            key="day_of_stay", title="Day of stay", order=10, permission=permissions.CLIENT_VIEW, load=_stay_cells
        )
    )
    census_column_register(
        CensusColumn(
            key="level_of_care", title="Level of care", order=20, permission=permissions.CLIENT_VIEW, load=_level_cells
        )
    )
