"""The kinds of inbox lines, declared by the apps that send them: the heading the inbox groups a
kind under, and how to tell whether what a line points at still needs doing.

Any app may register its kinds from its `wiring.py` (`notice_kind_register(NoticeKind(...))`),
like the other registries below it: notifications imports no domain app. `still_open` is a batch
read — `still_open(*, organization, subject_ids, now)` returns the subset of `subject_ids` (the
`Notification.subject_ids` of that kind's lines) that still need doing, in a fixed number of queries
whatever the number of ids: the inbox runs each kind's check once per visit
(`iop.notifications.services.notifications_resolve`). A kind without a check (news, or a fix that
leaves no trace to read) stays in the unread list until it is read.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from iop.tenancy.models import Organization

StillOpen = Callable[..., Iterable[uuid.UUID]]


@dataclass(frozen=True)
class NoticeKind:
    kind: str  # Notification.kind
    heading: str  # the inbox's heading for the kind, e.g. "Sessions without a facilitator"
    still_open: StillOpen | None = None


_KINDS: dict[str, NoticeKind] = {}


def notice_kind_register(kind: NoticeKind) -> NoticeKind:
    """Declare a kind (registering the same declaration again is a no-op; a second, different
    declaration of a kind is a programming error)."""
    known = _KINDS.get(kind.kind)
    if known is not None and known != kind:
        raise ValueError(f"Notice kind {kind.kind!r} is already declared differently.")
    _KINDS[kind.kind] = kind
    return kind


def notice_kind(kind: str) -> NoticeKind | None:
    return _KINDS.get(kind)


def notice_kinds() -> tuple[NoticeKind, ...]:
    return tuple(_KINDS.values())


def kind_heading(kind: str) -> str:
    """The heading of a kind; an undeclared kind reads as its name ("review_packet" → "Review packet")."""
    declared = _KINDS.get(kind)
    return declared.heading if declared is not None else kind.replace("_", " ").capitalize()


def still_open(
    kind: NoticeKind, *, organization: Organization, subject_ids: set[uuid.UUID], now: dt.datetime
) -> set[uuid.UUID]:
    """`kind`'s check for these subjects (all of them when the kind has none)."""
    if kind.still_open is None or not subject_ids:
        return set(subject_ids)
    return set(kind.still_open(organization=organization, subject_ids=subject_ids, now=now))


def names_text(names: Sequence[str], *, shown: int = 3) -> str:
    """Clients named in an inbox line: "Ana Varga", "Ana Varga and Ben Ode", "Ana Varga, Ben Ode,
    Cy Dee and 2 more" — the first `shown`, then how many more."""
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    if len(names) <= shown:
        return f"{', '.join(names[:-1])} and {names[-1]}"
    return f"{', '.join(names[:shown])} and {len(names) - shown} more"
