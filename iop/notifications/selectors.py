"""Reads of a staff member's in-app inbox, and of the outbox by message key."""

from __future__ import annotations

from django.db.models import BooleanField, Case, QuerySet, Value, When

from iop.tenancy.models import Membership

from .models import Notification, OutboundMessage


def notification_list(*, membership: Membership) -> QuerySet[Notification]:
    """The member's own notifications: unread first, newest first within each."""
    return (
        Notification.objects.filter(organization_id=membership.organization_id, recipient=membership)
        .annotate(
            is_unread=Case(
                When(read_at__isnull=True, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .order_by("-is_unread", "-created_at")
    )


def notification_get(*, membership: Membership, notification_id) -> Notification | None:
    """One of the member's own notifications; anyone else's id is as unknown as a made-up one."""
    return Notification.objects.filter(
        organization_id=membership.organization_id, recipient=membership, pk=notification_id
    ).first()


def unread_count(*, membership: Membership | None) -> int:
    """For the layout's inbox badge (one query)."""
    if membership is None:
        return 0
    return Notification.objects.filter(
        organization_id=membership.organization_id, recipient=membership, read_at__isnull=True
    ).count()


def outbound_by_key(*, organization, idempotency_key: str) -> OutboundMessage | None:
    """The message recorded under a sender's key, if any (a retried send resumes it)."""
    return OutboundMessage.objects.filter(organization=organization, idempotency_key=idempotency_key).first()
