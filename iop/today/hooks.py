"""What the Today page offers the apps: a registry of panels and one of census-board columns. Any
app may register them from its own `wiring.py` (scheduling, attendance, authorizations, discharge,
clients, accounts do); Today never imports them. A loader may only read, never write.

A panel is a list of lines — "09:00 Process group, Park, 8/10, roll call not taken" — each linking
to the page where it is fixed, so a fixed thing disappears from the list on the next refresh. A
panel belongs to the day of one or more roles (`roles`); an organization admin sees every panel
they are allowed as a count, and lines only of the panels that are theirs (absences, invitations).

Loaders read through their app's selectors and share loads through `TodayContext.shared`, so
the whole page stays within its query budget (≤ 15) however much data the organization has.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from django.db.models import (
    DateField,
    DateTimeField,
    F,
    Field,
    IntegerField,
    QuerySet,
    TextField,
    UUIDField,
    Value,
)
from django.db.models.expressions import OrderBy
from django.db.models.functions import Cast
from django.urls import reverse

from iop.common.dates import datetime_short
from iop.common.weeks import week_start_for
from iop.tenancy.models import Membership, Organization, Role
from iop.tenancy.permissions import ALL_ACTIONS

Tone = Literal["", "ok", "warn", "alert"]


@dataclass(frozen=True)
class TodayLine:
    """One thing to see or do. `text` names it (client or session); `status` says what is wrong
    or what state it is in, in a few words; `url` is the page that fixes it."""

    text: str
    url: str
    status: str = ""
    detail: str = ""
    tone: Tone = ""
    # The client the line names, for the access log (the page records who saw which clients).
    client_id: Any = None


@dataclass(frozen=True)
class TodayItems:
    lines: list[TodayLine]
    # How many there are when `lines` shows only the first few (the rest on the linked page).
    total: int | None = None
    # False when the lines summarize (tonight's reminders: one line for all) rather than list them.
    listed: bool = True

    @property
    def more(self) -> bool:
        """Whether the linked page lists more than the lines shown here."""
        return self.listed and self.count > len(self.lines)

    @property
    def count(self) -> int:
        return len(self.lines) if self.total is None else self.total


@dataclass
class TodayContext:
    """What every loader gets: the organization's local day and the member whose day it is."""

    organization: Organization
    membership: Membership
    can: frozenset[str]
    now: dt.datetime
    today: dt.date
    _shared: dict[str, Any] = field(default_factory=dict)

    @property
    def tomorrow(self) -> dt.date:
        return self.today + dt.timedelta(days=1)

    @property
    def week_start(self) -> dt.date:
        """The first day of this week in the organization's week (which may start on any day)."""
        return week_start_for(self.organization, self.today)

    @property
    def week_end(self) -> dt.date:
        """The last day of this week (inclusive)."""
        return self.week_start + dt.timedelta(days=6)

    @property
    def org_slug(self) -> str:
        return self.organization.slug

    def local_midnight(self, day: dt.date) -> dt.datetime:
        """The instant `day` begins in the organization's zone: the bound of a local day's (or
        week's) sessions, right on both sides of a DST change."""
        return self.organization.local_datetime(day, dt.time(0))

    def datetime_short(self, at: dt.datetime) -> str:
        """ "Tue 8 Dec, 14:30" in the organization's zone: when a line's session, call or deadline is."""
        return datetime_short(at, self.organization.tzinfo)

    def url(self, name: str, **kwargs: Any) -> str:
        """The organization's page `name` (a URL name under `/o/<org_slug>/`), for a line or a link."""
        return reverse(name, kwargs={"org_slug": self.org_slug, **kwargs})

    def shared(self, key: str, load: Callable[[], Any]) -> Any:
        """`load()` once per page for every panel that asks for `key`: panels built on the same
        rows (this week's sessions, open reviews) cost one query between them."""
        if key not in self._shared:
            self._shared[key] = load()
        return self._shared[key]


TodayLoader = Callable[[TodayContext], TodayItems]


def today_link(name: str) -> Callable[[TodayContext], str]:
    """A panel's `link`: the organization's page `name`, which takes no argument but the organization."""
    return lambda context: context.url(name)


# The columns every row panel projects its rows to (see `today_values`).
ROW_FIELDS = ("t_ref", "t_client", "t_label", "t_note", "t_at", "t_day", "t_n1", "t_n2", "t_n3")
_ROW_TYPES: dict[str, Field] = {
    "t_ref": TextField(),
    "t_client": UUIDField(),
    "t_label": TextField(),
    "t_note": TextField(),
    "t_at": DateTimeField(),
    "t_day": DateField(),
    "t_n1": IntegerField(),
    "t_n2": IntegerField(),
    "t_n3": IntegerField(),
}


def today_values(queryset: QuerySet, **columns: Any) -> QuerySet:
    """`queryset` projected to the row columns (`ref`, `client`, `label`, `note`, `at`, `day`, `n1`,
    `n2`, `n3`: a field path, an expression or None), each cast to its column's type, so rows of any
    model line up in the board's one UNION ALL. `ref` is the row's id (the line's link), `client`
    the client it names (for the access log); the rest is the panel's to use in its `line`."""
    unknown = set(columns) - {name[2:] for name in ROW_FIELDS}
    if unknown:
        raise TypeError(f"Unknown Today row columns {sorted(unknown)!r}")
    annotations = {}
    for name in ROW_FIELDS:
        value = columns.get(name[2:])
        output = _ROW_TYPES[name]
        if value is None:
            # A bare NULL in a subquery would be typed text, which no UNION can match.
            annotations[name] = Cast(Value(None), output_field=output)
        else:
            annotations[name] = Cast(F(value) if isinstance(value, str) else value, output_field=output)
    return queryset.annotate(**annotations).values(*ROW_FIELDS)


@dataclass(frozen=True)
class TodayRows:
    """A panel whose lines are the rows of one queryset (projected with `today_values`, ordered by
    urgency): the board reads the rows of every such panel on the page in ONE query (a UNION ALL,
    the first `LINES_SHOWN` of each with their total), however many panels and rows there are.
    `line(row, context)` turns a row (a dict of the row columns) into the line shown."""

    query: Callable[[TodayContext], QuerySet]
    line: Callable[[dict[str, Any], TodayContext], TodayLine]
    # Most urgent first; ties fall back to id. A field name as in `order_by` ("-" for descending)
    # puts NULLs last; for NULLs first, give the expression: `F("checked_at").asc(nulls_first=True)`.
    order_by: tuple[str | OrderBy, ...] = ()

    def __post_init__(self) -> None:
        for order in self.order_by:
            if isinstance(order, OrderBy) and not (order.nulls_first or order.nulls_last):
                # Left to the database, NULLs would go last ascending but first descending.
                raise TypeError(f"Today rows ordered by {order!r} need nulls_first or nulls_last")


@dataclass(frozen=True)
class TodayPanel:
    """A section of Today, shown to members allowed `permission` whose role is in `roles` (and,
    as a count, to organization admins). `link` names the page that lists them all; `empty` says
    in words that nothing needs doing (so an empty panel reads as good news, not as a fault)."""

    key: str
    title: str
    roles: frozenset[str]
    permission: str
    order: int
    link: Callable[[TodayContext], str]
    # Exactly one of the two: lines from rows read with every other row panel in one query, or
    # a loader of its own (for lines that need more than one query's worth of logic).
    rows: TodayRows | None = None
    load: TodayLoader | None = None
    empty: str = "Nothing to do."
    # The member's own work ("my sessions today"): an admin's count of it would only count theirs.
    personal: bool = False

    def __post_init__(self) -> None:
        if (self.rows is None) == (self.load is None):
            raise TypeError(f"Today panel {self.key!r} needs exactly one of rows or load")


_panels: dict[str, TodayPanel] = {}

ROLES = frozenset(Role.values)


def today_panel_register(panel: TodayPanel) -> None:
    """Add a panel (the same key again replaces it: ready() may run more than once)."""
    if panel.permission not in ALL_ACTIONS:
        # A typo would hide the panel from everybody, silently.
        raise KeyError(f"Unknown action {panel.permission!r}")
    if not panel.roles <= ROLES:
        raise KeyError(f"Unknown roles {sorted(panel.roles - ROLES)!r}")
    _panels[panel.key] = panel


def today_panels() -> list[TodayPanel]:
    return sorted(_panels.values(), key=lambda panel: (panel.order, panel.key))


# --- The census board (`/o/<org>/today/census/`) ----------------------------------------------------
#
# Every active client on one page, a row per episode, grouped by program: the rows come from the
# one registered source (the clients app's active episodes), the columns from the apps that know
# each figure (attendance's hours, authorizations' units and review, discharge's target date).
# Like the panels, Today never imports them: they register from their own `wiring.py`.


@dataclass(frozen=True)
class CensusCell:
    """One figure of one client. `tone` "warn"/"alert" highlights a mismatch (the payer's level
    differs from the clinical one, hours short, units running out, a review close); `detail` says
    it in words (shown under the figure); `url` links to the page that fixes it."""

    text: str
    tone: Tone = ""
    detail: str = ""
    url: str = ""


@dataclass(frozen=True)
class CensusRow:
    """One active episode. `episode` is the rows source's own object (the clients app's Episode with
    its client, program and treatment plan loaded), handed as is to every column's loader."""

    episode: Any
    episode_id: Any
    client_id: Any
    client_name: str  # "Rivera, Ana"
    program: str
    url: str  # the client page


# `(*, organization, today) -> [CensusRow]`, ordered by program then client, in one query.
CensusRowsLoader = Callable[..., list[CensusRow]]
# `(*, organization, episodes, today) -> {episode_id: CensusCell}` for all the rows at once, in a
# constant number of queries (at most two); an episode left out shows as "—".
CensusLoader = Callable[..., dict[Any, CensusCell]]


@dataclass(frozen=True)
class CensusColumn:
    """A column of the census board, shown to members allowed `permission`, left to right by `order`."""

    key: str
    title: str
    order: int
    permission: str
    load: CensusLoader


_census_rows: list[CensusRowsLoader] = []
_census_columns: dict[str, CensusColumn] = {}


def census_rows_register(loader: CensusRowsLoader) -> None:
    """Set the source of the board's rows (one: registering again replaces it)."""
    _census_rows[:] = [loader]


def census_rows_loader() -> CensusRowsLoader | None:
    return _census_rows[0] if _census_rows else None


def census_column_register(column: CensusColumn) -> None:
    """Add a column (the same key again replaces it: ready() may run more than once)."""
    if column.permission not in ALL_ACTIONS:
        raise KeyError(f"Unknown action {column.permission!r}")
    _census_columns[column.key] = column


def census_columns() -> list[CensusColumn]:
    return sorted(_census_columns.values(), key=lambda column: (column.order, column.key))
