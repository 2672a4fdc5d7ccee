"""The Today board of one member: the registered panels of their role, loaded."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, F, Value, Window
from django.db.models.expressions import OrderBy
from django.db.models.functions import RowNumber
from django.utils import timezone

from iop.tenancy.models import Membership, Organization, Role
from iop.tenancy.permissions import membership_actions
from iop.today.hooks import ROW_FIELDS, TodayContext, TodayItems, TodayPanel, today_panels

# Lines shown per panel; the panel's page lists them all.
LINES_SHOWN = 8


@dataclass(frozen=True)
class LoadedTodayPanel:
    panel: TodayPanel
    items: TodayItems
    link: str
    # An organization admin sees the other roles' panels as counts only.
    lines_shown: bool

    @property
    def key(self) -> str:
        return self.panel.key


@dataclass(frozen=True)
class TodayBoard:
    panels: list[LoadedTodayPanel]
    today: dt.date
    refreshed_at: dt.datetime

    @property
    def client_ids(self) -> list:
        """Every client the board names, once, for the access log."""
        seen: dict = {}
        for loaded in self.panels:
            if loaded.lines_shown:
                for line in loaded.items.lines:
                    if line.client_id is not None:
                        seen.setdefault(line.client_id, None)
        return list(seen)


def _visible(panel: TodayPanel, *, role: str, can: frozenset[str]) -> bool:
    if panel.permission not in can:
        return False
    if role == Role.ORG_ADMIN:
        return not panel.personal or role in panel.roles
    return role in panel.roles


def _ordering(field: str | OrderBy) -> OrderBy:
    """A panel's `order_by` entry as an expression with its NULLs placed explicitly (a field name's
    last), so the window's ROW_NUMBER and the part's own ORDER BY put them in the same place."""
    if isinstance(field, OrderBy):
        return field
    if field.startswith("-"):
        return F(field[1:]).desc(nulls_last=True)
    return F(field).asc(nulls_last=True)


_UNION_COLUMNS = (*ROW_FIELDS, "t_panel", "t_total", "t_position")


def _rows_load(panels: list[TodayPanel], context: TodayContext) -> dict[str, TodayItems]:
    """Every row panel's first lines and total in one UNION ALL query. Each part is wrapped to
    select the row columns by name, in one order: Django orders a part's columns by how its
    queryset was built, which differs between panels."""
    parts: list[str] = []
    params: list = []
    for index, panel in enumerate(panels):
        assert panel.rows is not None
        order = [*map(_ordering, panel.rows.order_by), F("pk").asc()]
        part = (
            panel.rows.query(context)
            .annotate(
                t_panel=Value(panel.key),
                t_total=Window(Count("*")),
                # The rows come back grouped by panel; their position keeps each panel's order.
                t_position=Window(RowNumber(), order_by=order),
            )
            .order_by(*order)[:LINES_SHOWN]
        )
        sql, part_params = part.query.sql_with_params()
        # Django's own compiled SQL with its parameters kept apart, wrapped under fixed column names.
        parts.append(f"(SELECT {', '.join(_UNION_COLUMNS)} FROM ({sql}) AS part_{index})")  # noqa: S608
        params.extend(part_params)
    rows: list[dict] = []
    if parts:
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts), params)
            rows = [dict(zip(_UNION_COLUMNS, values, strict=True)) for values in cursor.fetchall()]
    rows.sort(key=lambda row: (row["t_panel"], row["t_position"]))
    by_panel: dict[str, list[dict]] = {}
    for row in rows:
        by_panel.setdefault(row["t_panel"], []).append(row)
    loaded = {}
    for panel in panels:
        assert panel.rows is not None
        found = by_panel.get(panel.key, [])
        loaded[panel.key] = TodayItems(
            lines=[panel.rows.line(row, context) for row in found], total=found[0]["t_total"] if found else 0
        )
    return loaded


def today_board(*, organization: Organization, membership: Membership, now: dt.datetime | None = None) -> TodayBoard:
    """The panels of the member's day, in order, each loaded (no query for a panel they don't see)."""
    now = now or timezone.now()
    can = membership_actions(membership)
    context = TodayContext(
        organization=organization, membership=membership, can=can, now=now, today=organization.local_today(now)
    )
    panels = [panel for panel in today_panels() if _visible(panel, role=membership.role, can=can)]
    items = _rows_load([panel for panel in panels if panel.rows is not None], context)
    for panel in panels:
        if panel.load is not None:
            items[panel.key] = panel.load(context)
    loaded = [
        LoadedTodayPanel(
            panel=panel, items=items[panel.key], link=panel.link(context), lines_shown=membership.role in panel.roles
        )
        for panel in panels
    ]
    return TodayBoard(panels=loaded, today=context.today, refreshed_at=now)
