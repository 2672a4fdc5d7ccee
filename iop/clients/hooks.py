"""What the clients app offers the apps built on it (scheduling, attendance, authorizations):
the only signals and registries it declares. They connect to them in their own `wiring.py`,
called from their `AppConfig.ready()`; clients never imports them.

- `episode_status_changed`: any app may listen, to keep its own rows in step with an episode's
  status through its own services. A receiver runs inside the status change's transaction: it
  may write (atomically with the change) or refuse by raising, never defer work it needs done.
- `client_panel_register`: an app adds a panel to the client page. The panel's loader reads
  through its app's selectors in a constant number of queries (however many rows the client has);
  it never writes.
"""

from __future__ import annotations

from collections.abc import Callable
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
