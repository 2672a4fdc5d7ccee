"""What the authorizations app offers the apps above it (and its own features).

- `step_down_recommended` (signal; sender: `Determination`, kwargs `episode`, `determination`,
  `level_of_care`, `actor`): a payer recommended a step-down (or step-up) with a review outcome.
  Sent on commit, once per determination. Listeners (the discharge app's transition plan) may
  start or update their own records; they must not refuse or change the determination.

- `clock_source_register(source)`: a source of deadline clocks — `source(*, organization, now)`
  returning the organization's open `Clock`s (what is due, when, whose inbox hears). The hourly
  job in `authorizations.escalations` asks every registered source and escalates each clock a day
  before, four hours before and when it has passed, exactly once per threshold; the inbox asks
  them again to see which escalated clocks are still open. Sources only read: they never write,
  send or raise for an organization with nothing due, in a fixed number of queries. Registered from a
  `wiring.py` (review submissions, peer-to-peer windows and appeals from authorizations' own; a
  discharge app may add its deadlines the same way).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.dispatch import Signal

from iop.tenancy.models import Membership

step_down_recommended = Signal()


@dataclass(frozen=True)
class Clock:
    """One open deadline. `title` says what to do and names the client, for a staff inbox (no
    clinical detail); `link` is the page where it is worked (built with `reverse()`); `client_id`
    the client it is about. A clock that a source no longer returns is closed: its inbox lines
    leave the unread list (authorizations.escalations.clock_escalations_still_open)."""

    kind: str  # a `ClockKind` value
    subject_id: uuid.UUID
    due_at: dt.datetime
    title: str
    link: str
    recipients: tuple[Membership, ...]
    client_id: uuid.UUID | None = None


ClockSource = Callable[..., Iterable[Clock]]

_CLOCK_SOURCES: list[ClockSource] = []


def clock_source_register(source: ClockSource) -> ClockSource:
    """Declare a source of clocks (usable as a decorator; registering twice is a no-op)."""
    if source not in _CLOCK_SOURCES:
        _CLOCK_SOURCES.append(source)
    return source


def clock_sources() -> tuple[ClockSource, ...]:
    return tuple(_CLOCK_SOURCES)
