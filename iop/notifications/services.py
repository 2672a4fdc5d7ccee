"""Sending: to staff inboxes (`notice_send`: one notice to several members; `notices_send`: many
in one insert) and to anyone by email or SMS (`message_send`, and the `outbound_*` steps for a sender
that must know what became of its message). The inbox's writes: marking lines read (one, a
selection, a kind or all) and resolving the lines whose subject is fixed (`notifications_resolve`).

An inbox line says what to do and names the client it is about: the inbox is inside the tenant and
behind the role map. Emails, SMS and logs do not get those names from here."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from iop.tenancy.models import Membership, Organization

from .hooks import notice_kinds, still_open
from .models import Notification, OutboundMessage, OutboundStatus
from .providers import Delivery, ProviderError, provider_for


@dataclass(frozen=True)
class Notice:
    """One inbox line for one staff member (for `notices_send`). `subject_ids`: what the line
    points at, checked by its kind's `still_open` (iop.notifications.hooks); `client_id`: the client
    it is about, when it is about one."""

    recipient: Membership
    kind: str
    title: str
    link: str
    dedupe_key: str
    body: str = ""
    client_id: uuid.UUID | None = None
    subject_ids: Sequence[uuid.UUID] = ()


def _row(organization: Organization, n: Notice) -> Notification:
    return Notification(
        organization=organization,
        recipient=n.recipient,
        kind=n.kind,
        title=n.title[:200],
        body=n.body,
        link=n.link[:300],
        dedupe_key=n.dedupe_key[:120],
        client_id=n.client_id,
        subject_ids=list(n.subject_ids),
    )


def notices_send(*, organization: Organization, notices: Iterable[Notice]) -> None:
    """Many inbox lines in one insert (a sweep or a roll call that raises several at once); a
    notice whose `dedupe_key` that recipient already has is skipped."""
    Notification.objects.bulk_create([_row(organization, n) for n in notices], ignore_conflicts=True)


@transaction.atomic
def notice_send(
    *,
    organization: Organization,
    recipients: Iterable[Membership],
    kind: str,
    title: str,
    body: str = "",
    link: str = "",
    dedupe_key: str,
    client_id: uuid.UUID | None = None,
    subject_ids: Sequence[uuid.UUID] = (),
) -> int:
    """Put a notification in each recipient's inbox, once per `dedupe_key`. Returns how many were
    new."""
    rows = [
        _row(
            organization,
            Notice(
                recipient=m,
                kind=kind,
                title=title,
                body=body,
                link=link,
                dedupe_key=dedupe_key,
                client_id=client_id,
                subject_ids=subject_ids,
            ),
        )
        for m in recipients
    ]
    before = Notification.objects.filter(dedupe_key=dedupe_key[:120]).count()
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    return Notification.objects.filter(dedupe_key=dedupe_key[:120]).count() - before


# --- Client messages: record, hand to the provider, mark ---------------------------------------------
#
# A sender that must know what became of a message records it first (`outbound_record`, in the same
# transaction as whatever decided to send it), hands it to the provider outside any transaction
# (`outbound_deliver`: a provider call may take seconds, and no lock should wait on it), then marks
# the answer (`outbound_mark_sent` / `outbound_mark`). A worker that dies in between leaves a
# `pending` row under a stable key: the sender retries it under that key or hands it to a person.


@transaction.atomic
def outbound_record(
    *,
    organization: Organization,
    channel: str,
    to: str,
    subject: str,
    body: str,
    idempotency_key: str,
    client=None,
) -> OutboundMessage:
    """Record a message about to be handed to its provider (`pending`). One row per key: a second
    record under a key already used is refused by the database."""
    return OutboundMessage.objects.create(
        organization=organization,
        channel=channel,
        to=to,
        subject=subject,
        body=body,
        status=OutboundStatus.PENDING,
        provider="",
        client=client,
        idempotency_key=idempotency_key,
    )


def outbound_record_many(*, messages: list[OutboundMessage]) -> list[OutboundMessage]:
    """`outbound_record` for many messages (unsaved, `pending`, each under its own key) in one
    insert: a key already used fails the whole insert, as one would fail alone."""
    for message in messages:
        message.status, message.provider = OutboundStatus.PENDING, ""
    return OutboundMessage.objects.bulk_create(messages)


def outbound_deliver(*, message: OutboundMessage) -> Delivery:
    """Hand a recorded message to its channel's provider under its idempotency key. Writes nothing:
    the caller marks the outcome. Raises ProviderError (transient: the message did not go out)."""
    return provider_for(message.channel).send(
        to=message.to, subject=message.subject, body=message.body, idempotency_key=message.idempotency_key
    )


@transaction.atomic
def outbound_mark_sent(*, message: OutboundMessage, delivery: Delivery) -> OutboundMessage:
    message.status = OutboundStatus.RECORDED if delivery.recorded_only else OutboundStatus.SENT
    message.provider = delivery.provider
    message.provider_message_id = delivery.provider_message_id
    message.sent_at = timezone.now()
    message.save(update_fields=["status", "provider", "provider_message_id", "sent_at"])
    return message


@transaction.atomic
def outbound_mark(*, organization: Organization, keys: Iterable[str], status: str) -> int:
    """Mark the still-pending messages under `keys` `failed` (the provider said it did not go out)
    or `unknown` (the sender died mid-send and will not find out)."""
    return OutboundMessage.objects.filter(
        organization=organization, idempotency_key__in=list(keys), status=OutboundStatus.PENDING
    ).update(status=status)


def message_send(
    *, organization: Organization, channel: str, to: str, subject: str, body: str, client=None
) -> OutboundMessage:
    """Send one message on `channel` now, recorded in the outbox under a fresh key (for senders
    with nothing to resume after a crash). Raises ProviderError when the provider fails (the
    outbox row then says `failed`)."""
    message = outbound_record(
        organization=organization,
        channel=channel,
        to=to,
        subject=subject,
        body=body,
        client=client,
        idempotency_key=uuid.uuid4().hex,
    )
    try:
        delivery = outbound_deliver(message=message)
    except ProviderError:
        outbound_mark(organization=organization, keys=[message.idempotency_key], status=OutboundStatus.FAILED)
        raise
    return outbound_mark_sent(message=message, delivery=delivery)


# A pending message older than this lost its sender (a delivery task is killed long before).
PENDING_STUCK_AFTER = dt.timedelta(minutes=30)


@dataclass(frozen=True)
class SentOnce:
    """What `message_send_once` did: `sent` when this call handed the message to the provider;
    `message` is the outbox row under the key."""

    message: OutboundMessage
    sent: bool


class MessageInFlight(Exception):
    """Another worker recorded the message moments ago and may be sending it: ask again after
    `PENDING_STUCK_AFTER`, when a sender that died will be known to have died."""


def message_send_once(
    *,
    organization: Organization,
    channel: str,
    to: str,
    subject: str,
    body: str,
    idempotency_key: str,
    client=None,
    now: dt.datetime | None = None,
) -> SentOnce:
    """Send one message at most once under a stable key (≤ 80 characters: a task that may be
    retried or redelivered names its event, e.g. `approval:<determination>:<client>`, with hex ids).

    The message is recorded under the key and committed before the provider sees it, then marked
    sent. A later call under the same key finds the row: sent (or its outcome unknown) → nothing is
    sent; failed (the provider said it did not go out) → sent again under the key; pending and
    recent → another worker has it in flight: nothing is sent, MessageInFlight is raised; pending for over 30
    minutes → its sender died mid-send: sent again under the same key when the provider drops
    repeats of a key, otherwise marked `unknown` (nobody can tell whether it left) and not sent.
    Raises ProviderError when the provider fails now (transient: the caller may retry)."""
    from iop.common.crash import crash_point

    if len(idempotency_key) > 80:
        raise ValueError("An idempotency key is at most 80 characters.")
    now = now or timezone.now()
    provider = provider_for(channel)
    with transaction.atomic():
        message = (
            OutboundMessage.objects.select_for_update()
            .filter(organization=organization, idempotency_key=idempotency_key)
            .first()
        )
        if message is None:
            message = outbound_record(
                organization=organization,
                channel=channel,
                to=to,
                subject=subject,
                body=body,
                client=client,
                idempotency_key=idempotency_key,
            )
        elif message.status in (OutboundStatus.SENT, OutboundStatus.RECORDED, OutboundStatus.UNKNOWN):
            return SentOnce(message=message, sent=False)
        elif message.status == OutboundStatus.PENDING:
            if message.created_at > now - PENDING_STUCK_AFTER:
                raise MessageInFlight(idempotency_key)
            if not provider.deduplicates:
                message.status = OutboundStatus.UNKNOWN
                message.save(update_fields=["status"])
                return SentOnce(message=message, sent=False)
        else:  # failed: it did not go out; try again under the same key
            message.status = OutboundStatus.PENDING
            message.save(update_fields=["status"])
    crash_point("after_record")
    try:
        delivery = outbound_deliver(message=message)
    except ProviderError:
        outbound_mark(organization=organization, keys=[idempotency_key], status=OutboundStatus.FAILED)
        raise
    return SentOnce(message=outbound_mark_sent(message=message, delivery=delivery), sent=True)


@transaction.atomic
def notification_mark_read(*, notification: Notification) -> Notification:
    """Mark an inbox line read (once: the first read time is kept)."""
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


@transaction.atomic
def notifications_mark_read(
    *, membership: Membership, notification_ids: Iterable[uuid.UUID] | None = None, kind: str = ""
) -> int:
    """Mark the member's own unread lines read: those in `notification_ids` (the inbox's
    selection), else those of `kind`, else all of them. Only ever the member's own lines: the ids
    of anyone else's match nothing (the view refuses a selection that is not all the member's).
    Returns how many were marked."""
    lines = Notification.objects.filter(
        organization_id=membership.organization_id, recipient=membership, read_at__isnull=True
    )
    if notification_ids is not None:
        lines = lines.filter(pk__in=list(notification_ids))
    elif kind:
        lines = lines.filter(kind=kind)
    return lines.update(read_at=timezone.now())


# A line resolved this recently comes back when its subject needs doing again (a covered session
# loses its facilitator, a renewal is denied); older resolved lines are history and are not read.
REOPEN_WINDOW = dt.timedelta(days=14)


@transaction.atomic
def notifications_resolve(
    *, organization: Organization, recipient: Membership | None = None, now: dt.datetime | None = None
) -> int:
    """Set `resolved_at` on the lines whose subjects no longer need doing, by each kind's
    registered check (iop.notifications.hooks), and clear it on lines resolved in the last
    `REOPEN_WINDOW` whose subject needs doing again. All of the organization's lines, or only
    `recipient`'s (the inbox a member opens). One read of the lines, one check per kind present
    (each a fixed number of queries), at most two updates: the same number of queries for ten
    lines as for ten thousand. Returns how many lines were resolved now."""
    now = now or timezone.now()
    kinds = {k.kind: k for k in notice_kinds() if k.still_open is not None}
    if not kinds:
        return 0
    lines = Notification.objects.filter(organization=organization, kind__in=list(kinds)).exclude(subject_ids=[])
    if recipient is not None:
        lines = lines.filter(recipient=recipient)
    rows = list(
        lines.filter(Q(resolved_at__isnull=True) | Q(resolved_at__gte=now - REOPEN_WINDOW)).values_list(
            "pk", "kind", "subject_ids", "resolved_at"
        )
    )
    subjects: defaultdict[str, set[uuid.UUID]] = defaultdict(set)
    for _, kind, subject_ids, _ in rows:
        subjects[kind].update(subject_ids)
    open_now = {
        kind: still_open(kinds[kind], organization=organization, subject_ids=ids, now=now)
        for kind, ids in subjects.items()
    }
    fixed, again = [], []
    for pk, kind, subject_ids, resolved_at in rows:
        needs_doing = not open_now[kind].isdisjoint(subject_ids)
        if resolved_at is None and not needs_doing:
            fixed.append(pk)
        elif resolved_at is not None and needs_doing:
            again.append(pk)
    if fixed:
        Notification.objects.filter(pk__in=fixed, resolved_at__isnull=True).update(resolved_at=now)
    if again:
        Notification.objects.filter(pk__in=again).update(resolved_at=None)
    return len(fixed)
