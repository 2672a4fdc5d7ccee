"""The one `notify` entry point: in-app notifications for staff, email and SMS for anyone."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from iop.tenancy.models import Membership, Organization

from .models import Channel, Notification, OutboundMessage, OutboundStatus
from .providers import ProviderError, email_send, sms_provider


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
