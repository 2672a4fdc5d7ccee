"""Reads of a staff member's in-app inbox, and of the outbox by message key.

The inbox has three lists: **unread** (open and not read yet: grouped by kind, what the header
badge counts), **read** (open, read) and **resolved** (what they pointed at was fixed; read or
not). Each is one query whatever its size."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, F, Max, Q, QuerySet, Window
from django.db.models.functions import RowNumber

from iop.tenancy.models import Membership

from .hooks import kind_heading
from .models import Notification, OutboundMessage

UNREAD = Q(read_at__isnull=True, resolved_at__isnull=True)
READ = Q(read_at__isnull=False, resolved_at__isnull=True)
RESOLVED = Q(resolved_at__isnull=False)
LISTS = {"unread": UNREAD, "read": READ, "resolved": RESOLVED}


def _own(membership: Membership) -> QuerySet[Notification]:
    return Notification.objects.filter(organization_id=membership.organization_id, recipient=membership)


def notification_list(*, membership: Membership, show: str = "unread", kind: str = "") -> QuerySet[Notification]:
    """One of the member's lists (`show`: unread, read or resolved), newest first (resolved: most
    recently resolved first), optionally of one kind; with the client each line is about."""
    lines = _own(membership).filter(LISTS[show]).select_related("client")
    if kind:
        lines = lines.filter(kind=kind)
    order = ["-resolved_at", "-created_at"] if show == "resolved" else ["-created_at"]
    return lines.order_by(*order, "pk")


def notification_get(*, membership: Membership, notification_id) -> Notification | None:
    """One of the member's own notifications; anyone else's id is as unknown as a made-up one."""
    return _own(membership).filter(pk=notification_id).first()


def notifications_own_count(*, membership: Membership, notification_ids) -> int:
    """How many of `notification_ids` are the member's own (a selection is refused unless all are)."""
    return _own(membership).filter(pk__in=list(notification_ids)).count()


def unread_count(*, membership: Membership | None) -> int:
    """For the layout's inbox badge (one query): open lines not read yet — a line whose subject
    was fixed no longer counts."""
    if membership is None:
        return 0
    return _own(membership).filter(UNREAD).count()


@dataclass
class KindGroup:
    """One heading of the unread list: the kind, its count and its newest lines (up to the cap)."""

    kind: str
    heading: str
    count: int
    newest_at: object
    lines: list[Notification] = field(default_factory=list)

    @property
    def more(self) -> int:
        return self.count - len(self.lines)


@dataclass
class InboxCounts:
    unread: int
    read: int
    resolved: int
    groups: list[KindGroup]  # the unread kinds, the one with the newest line first


def inbox_counts(*, membership: Membership) -> InboxCounts:
    """Each list's size, and the unread list's kinds with their counts: one query."""
    rows = list(
        _own(membership)
        .values("kind")
        .annotate(
            unread=Count("pk", filter=UNREAD),
            read=Count("pk", filter=READ),
            resolved=Count("pk", filter=RESOLVED),
            newest_at=Max("created_at", filter=UNREAD),
        )
        .order_by()
    )
    groups = [
        KindGroup(kind=r["kind"], heading=kind_heading(r["kind"]), count=r["unread"], newest_at=r["newest_at"])
        for r in rows
        if r["unread"]
    ]
    groups.sort(key=lambda g: (g.newest_at, g.kind), reverse=True)
    return InboxCounts(
        unread=sum(r["unread"] for r in rows),
        read=sum(r["read"] for r in rows),
        resolved=sum(r["resolved"] for r in rows),
        groups=groups,
    )


def unread_grouped(*, membership: Membership, counts: InboxCounts, per_kind: int) -> list[KindGroup]:
    """The unread list by kind, each kind's newest `per_kind` lines (one query, however many
    lines and kinds): the groups of `counts`, filled."""
    ranked = (
        _own(membership)
        .filter(UNREAD)
        .annotate(rank=Window(RowNumber(), partition_by=[F("kind")], order_by=[F("created_at").desc(), F("pk")]))
        .filter(rank__lte=per_kind)
        .select_related("client")
        .order_by("-created_at", "pk")
    )
    by_kind = {g.kind: g for g in counts.groups}
    for line in ranked:
        group = by_kind.get(line.kind)
        if group is not None:  # a line arrived between the two queries: it shows on the next visit
            group.lines.append(line)
    return [g for g in counts.groups if g.lines]


def outbound_by_key(*, organization, idempotency_key: str) -> OutboundMessage | None:
    """The message recorded under a sender's key, if any (a retried send resumes it)."""
    return OutboundMessage.objects.filter(organization=organization, idempotency_key=idempotency_key).first()


def outbound_by_keys(*, organization, idempotency_keys) -> dict[str, OutboundMessage]:
    """`outbound_by_key` for many keys in one query: `{key: message}` for the keys recorded."""
    messages = OutboundMessage.objects.filter(organization=organization, idempotency_key__in=list(idempotency_keys))
    return {m.idempotency_key: m for m in messages}
