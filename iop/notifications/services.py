"""The one `notify` entry point: in-app notifications for staff, email and SMS for anyone."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from iop.tenancy.models import Membership, Organization

from .models import Channel, Notification, OutboundMessage, OutboundStatus
from .providers import ProviderError, email_send, sms_provider


@dataclass(frozen=True)
class Notice:
    """One inbox line for one staff member (for `notices_send`)."""

    recipient: Membership
    kind: str
    title: str
    link: str
    dedupe_key: str
    body: str = ""


def notices_send(*, organization: Organization, notices: Iterable[Notice]) -> None:
    """Many inbox lines in one insert (a sweep or a roll call that raises several at once); a
    notice whose `dedupe_key` that recipient already has is skipped."""
    Notification.objects.bulk_create(
        [
            Notification(
                organization=organization,
                recipient=n.recipient,
                kind=n.kind,
                title=n.title[:200],
                body=n.body,
                link=n.link[:300],
                dedupe_key=n.dedupe_key[:120],
            )
            for n in notices
        ],
        ignore_conflicts=True,
    )


@transaction.atomic
def notify_staff(
    *,
    organization: Organization,
    recipients: Iterable[Membership],
    kind: str,
    title: str,
    body: str = "",
    link: str = "",
    dedupe_key: str,
) -> int:
    """Put a notification in each recipient's inbox, once per `dedupe_key`. Returns how many were
    new."""
    rows = [
        Notification(
            organization=organization,
            recipient=m,
            kind=kind,
            title=title[:200],
            body=body,
            link=link[:300],
            dedupe_key=dedupe_key[:120],
        )
        for m in recipients
    ]
    before = Notification.objects.filter(dedupe_key=dedupe_key[:120]).count()
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    return Notification.objects.filter(dedupe_key=dedupe_key[:120]).count() - before


def message_send(
    *, organization: Organization, channel: str, to: str, subject: str, body: str, client=None
) -> OutboundMessage:
    """Send one message on `channel` and record it in the outbox. Raises ProviderError when the
    provider fails (the outbox row then says `failed`)."""
    try:
        if channel == Channel.EMAIL:
            delivery = email_send(to=to, subject=subject, body=body)
        elif channel == Channel.SMS:
            delivery = sms_provider().send(to=to, body=body)
        else:
            raise ProviderError(f"Unknown channel {channel!r}.")
    except ProviderError:
        OutboundMessage.objects.create(
            organization=organization,
            channel=channel,
            to=to,
            subject=subject,
            body=body,
            status=OutboundStatus.FAILED,
            provider=channel,
            client=client,
        )
        raise
    return OutboundMessage.objects.create(
        organization=organization,
        channel=channel,
        to=to,
        subject=subject,
        body=body,
        status=OutboundStatus.RECORDED if delivery.recorded_only else OutboundStatus.SENT,
        provider=delivery.provider,
        provider_message_id=delivery.provider_message_id,
        client=client,
    )


@transaction.atomic
def notification_mark_read(*, notification: Notification) -> Notification:
    """Mark an inbox line read (once: the first read time is kept)."""
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification
