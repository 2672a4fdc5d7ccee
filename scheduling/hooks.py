"""What scheduling offers the apps built on it (authorizations): the only signals and registries
it declares. They connect in their own `wiring.py`, called from their `AppConfig.ready()`;
scheduling never imports them.

- `placement_warnings_register`: any app may add warnings shown when a client is placed into
  sessions (authorizations warns when a placement books more than is authorized). A provider
  only reads; a warning never refuses a placement: the VA sees
  it before accepting (the assistant's proposal) and again when the placement is made.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from iop.clients.models import Episode

from .models import Session

# `(episode, sessions) -> [message]`: `sessions` are the ones the placement books (or would book).
PlacementWarning = Callable[[Episode, Sequence[Session]], list[str]]

_providers: list[PlacementWarning] = []


def placement_warnings_register(provider: PlacementWarning) -> None:
    """Add a warning provider (once; registering the same function again changes nothing)."""
    if provider not in _providers:
        _providers.append(provider)


def placement_warnings(episode: Episode, sessions: Iterable[Session]) -> list[str]:
    """Every registered provider's warnings about booking `episode` into `sessions`."""
    sessions = list(sessions)
    if not sessions:
        return []
    return [message for provider in _providers for message in provider(episode, sessions)]
