"""What the clients app offers the apps built on it (scheduling, attendance, authorizations):
the only signals and registries it declares. They connect to them in their own `wiring.py`,
called from their `AppConfig.ready()`; clients never imports them.

- `episode_status_changed`: any app may listen, to keep its own rows in step with an episode's
  status through its own services. A receiver runs inside the status change's transaction: it
  may write (atomically with the change) or refuse by raising, never defer work it needs done.
- `client_panel_register`: an app adds a panel to the client page. The panel's loader reads
  through its app's selectors in a constant number of queries (however many rows the client has);
  it never writes.
- `client_list_column_register`: an app adds a column to the client list (e.g. the insurance).
  Its loader reads the cells of one page of clients through its app's selectors in a constant
  number of queries (however many clients are on the page); it never writes.
- `client_list_filter_register`: an app adds a yes/no filter to the client list (e.g.
  verification due). It names the clients it keeps in a constant number of queries, however many
  clients the organization has; it never writes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.dispatch import Signal

from iop.tenancy.permissions import ALL_ACTIONS

# Sent inside the transaction of every episode status change, after the change is saved.
# kwargs: episode, from_status, to_status, effective_date, actor
episode_status_changed = Signal()


# `(*, organization, client, episode, can, form_state) -> dict | None`: the panel template's own
# context (added to the page's), or None to leave the panel out (e.g. no episode of care yet).
# `episode` is the client's current episode or None; `can` the member's allowed actions;
# `form_state` the refused forms that came back to the page (iop.common.form_state).
ClientPanelLoader = Callable[..., dict[str, Any] | None]


@dataclass(frozen=True)
class ClientPanel:
    """A section of the client page that another app renders, between the treatment plan and the
    couple, in `order`. Shown to members allowed `permission`; `template` sees the page's context,
    the loader's and `panel` (its heading reads `panel.title`)."""

    key: str
    title: str
    template: str
    context_loader: ClientPanelLoader
    order: int
    permission: str

    @property
    def anchor(self) -> str:
        """The id the page gives the panel, which the "On this page" navigation links to
        (prefixed: the panel's own template may use its plain name for an id inside)."""
        return "panel-" + self.key.replace("_", "-")


@dataclass(frozen=True)
class LoadedPanel:
    panel: ClientPanel
    context: dict[str, Any]


_client_panels: dict[str, ClientPanel] = {}


def client_panel_register(panel: ClientPanel) -> None:
    """Add a panel (registering the same key again replaces it: ready() may run more than once)."""
    if panel.permission not in ALL_ACTIONS:
        # A typo would hide the panel from everybody, silently.
        raise KeyError(f"Unknown action {panel.permission!r}")
    _client_panels[panel.key] = panel


def client_panels() -> list[ClientPanel]:
    return sorted(_client_panels.values(), key=lambda panel: (panel.order, panel.key))


def client_panels_load(*, organization, client, episode, can, form_state) -> list[LoadedPanel]:
    """The panels the member may see, in order, each with its loaded context: no query for a
    panel the member may not see."""
    loaded = []
    for panel in client_panels():
        if panel.permission not in can:
            continue
        context = panel.context_loader(
            organization=organization, client=client, episode=episode, can=can, form_state=form_state
        )
        if context is not None:
            loaded.append(LoadedPanel(panel=panel, context=context))
    return loaded


# --- The client list's columns and filters ------------------------------------------------------------

# `(*, organization, client_ids) -> {client_id: value}`: the cells of one column for the clients on
# one page of the list (a client without a value may be left out: its cell gets None).
ClientColumnLoader = Callable[..., dict[Any, Any]]


@dataclass(frozen=True)
class ClientListColumn:
    """A column of the client list that another app fills, after the list's own, in `order`.
    Members allowed `permission` may show it; it is shown to members whose role is in
    `default_roles` until they choose their columns. `template` renders the cell's content with
    `client` and `value` (the loader's value for that client, or None)."""

    key: str
    title: str
    template: str
    loader: ClientColumnLoader
    order: int
    permission: str
    default_roles: frozenset[str] = frozenset()


@dataclass(frozen=True)
class LoadedColumn:
    column: ClientListColumn
    values: dict[Any, Any]


# `(*, organization) -> ids`: the ids of the clients the filter keeps, as a queryset of ids (a
# subquery: no query of its own) or a collection read in a constant number of queries.
ClientIdsLoader = Callable[..., Iterable[Any]]


@dataclass(frozen=True)
class ClientListFilter:
    """A yes/no filter of the client list, a checkbox labelled `label` (with `help_text`) for
    members allowed `permission`. Ticked, the list keeps only the clients `client_ids` names (and
    still every other filter and the search)."""

    key: str
    label: str
    help_text: str
    client_ids: ClientIdsLoader
    order: int
    permission: str


# The list form's own fields: a filter's key becomes a form field, so it must not take theirs.
_LIST_FIELDS = frozenset({"q", "program", "status", "page", "columns", "csrfmiddlewaretoken"})

_list_columns: dict[str, ClientListColumn] = {}
_list_filters: dict[str, ClientListFilter] = {}


def _check_action(action: str) -> None:
    if action not in ALL_ACTIONS:
        # A typo would hide the column or filter from everybody, silently.
        raise KeyError(f"Unknown action {action!r}")


def client_list_column_register(column: ClientListColumn) -> None:
    """Add a column (the same key again replaces it: ready() may run more than once)."""
    _check_action(column.permission)
    _list_columns[column.key] = column


def client_list_filter_register(list_filter: ClientListFilter) -> None:
    """Add a filter (the same key again replaces it)."""
    _check_action(list_filter.permission)
    if list_filter.key in _LIST_FIELDS or not list_filter.key.isidentifier():
        raise KeyError(f"A client-list filter cannot be called {list_filter.key!r}")
    _list_filters[list_filter.key] = list_filter


def client_list_columns(*, can=None) -> list[ClientListColumn]:
    """The registered columns in order; only those a member allowed `can` may show, when given."""
    columns = sorted(_list_columns.values(), key=lambda column: (column.order, column.key))
    return [c for c in columns if can is None or c.permission in can]


def client_list_filters(*, can=None) -> list[ClientListFilter]:
    filters = sorted(_list_filters.values(), key=lambda list_filter: (list_filter.order, list_filter.key))
    return [f for f in filters if can is None or f.permission in can]


def client_list_columns_load(*, organization, columns: list[ClientListColumn], client_ids) -> list[LoadedColumn]:
    """Each column with its cells for the clients on the page: no query for an empty page, and
    one load for the columns that share a loader (two dates of the same row)."""
    ids = list(client_ids)
    loaded: dict[ClientColumnLoader, dict[Any, Any]] = {}
    for column in columns:
        if ids and column.loader not in loaded:
            loaded[column.loader] = column.loader(organization=organization, client_ids=ids)
    return [LoadedColumn(column=column, values=loaded.get(column.loader, {})) for column in columns]
