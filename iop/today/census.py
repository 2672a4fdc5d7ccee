"""The census board of one member: every active client (the registered rows source) with the
registered columns they are allowed to see, each column loaded once for all the rows.

The page costs the rows' query plus each column's own (a constant number each), however many
clients the program has.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from iop.tenancy.models import Membership, Organization
from iop.tenancy.permissions import membership_actions
from iop.today.hooks import CensusCell, CensusColumn, CensusRow, census_columns, census_rows_loader

# What a cell shows when its column has nothing for the client (no authorization, no plan).
EMPTY_CELL = CensusCell(text="—")


@dataclass(frozen=True)
class CensusLine:
    row: CensusRow
    cells: list[CensusCell]  # one per column of the board, in its order

    @property
    def flagged(self) -> bool:
        return any(cell.tone in ("warn", "alert") for cell in self.cells)


@dataclass(frozen=True)
class CensusProgram:
    name: str
    lines: list[CensusLine]


@dataclass(frozen=True)
class CensusBoard:
    today: dt.date
    columns: list[CensusColumn]
    programs: list[CensusProgram]

    @property
    def client_ids(self) -> list:
        """Every client the board names, once, for the access log."""
        return list(dict.fromkeys(line.row.client_id for program in self.programs for line in program.lines))

    @property
    def count(self) -> int:
        return sum(len(program.lines) for program in self.programs)

    @property
    def flagged_count(self) -> int:
        return sum(1 for program in self.programs for line in program.lines if line.flagged)


def census_board(*, organization: Organization, membership: Membership, now: dt.datetime | None = None) -> CensusBoard:
    """The organization's active clients by program (the rows source's order: program, then
    client), with the columns the member may see; no column query when there are no rows."""
    today = organization.local_today(now or timezone.now())
    can = membership_actions(membership)
    columns = [column for column in census_columns() if column.permission in can]
    loader = census_rows_loader()
    rows = loader(organization=organization, today=today) if loader is not None else []
    episodes = [row.episode for row in rows]
    loaded = {
        column.key: column.load(organization=organization, episodes=episodes, today=today) if rows else {}
        for column in columns
    }
    programs: list[CensusProgram] = []
    for row in rows:
        if not programs or programs[-1].name != row.program:
            programs.append(CensusProgram(name=row.program, lines=[]))
        cells = [loaded[column.key].get(row.episode_id, EMPTY_CELL) for column in columns]
        programs[-1].lines.append(CensusLine(row=row, cells=cells))
    return CensusBoard(today=today, columns=columns, programs=programs)
