"""In-app notifications for staff, and the outbox of every message sent to a client or staff
member by email or SMS (what was sent, to whom, when — the record a VA checks)."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models

from iop.common.dates import datetime_full
from iop.tenancy.models import Membership, TenantModel


class Notification(TenantModel):
    """A line in a staff member's in-app inbox. `dedupe_key` makes "tell the VAs once" hold even
    when the job that raises it runs twice.

    `subject_ids` are what the line points at (a session, a flag, a chase task…, or several): the
    kind's registered check (iop.notifications.hooks) says whether any of them still needs doing,
    and `resolved_at` records that none does, so the line leaves the unread list once the thing is
    fixed. A line without subjects (news, nothing to fix) stays until it is read. `client` is the
    client the line is about, when it is about one (shown in the inbox, never sent anywhere)."""

    recipient = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=40)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    link = models.CharField(max_length=300, blank=True)
    dedupe_key = models.CharField(max_length=120)
    client = models.ForeignKey("clients.Client", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    subject_ids = ArrayField(models.UUIDField(), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organization", "recipient", "read_at"], name="notification_inbox_idx")]
        constraints = [
            models.UniqueConstraint(fields=["organization", "recipient", "dedupe_key"], name="notification_once")
        ]

    def __str__(self) -> str:
        return self.title


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "SMS"


class OutboundStatus(models.TextChoices):
    PENDING = "pending", "Being handed to the provider"
    SENT = "sent", "Sent"
    RECORDED = "recorded", "Recorded in outbox (no provider configured)"
    FAILED = "failed", "Failed"
    UNKNOWN = "unknown", "Outcome unknown (the sender stopped mid-send)"


class OutboundMessage(TenantModel):
    """One message to one person, recorded (`pending`) before it is handed to the provider and
    marked once the provider answers. `idempotency_key` is the sender's stable name for the
    message: a retried send reuses the row and the key, and a provider that deduplicates drops a
    repeat of a key it has already delivered, so no message leaves without a record and none
    leaves twice under one key."""

    channel = models.CharField(max_length=8, choices=Channel.choices)
    to = models.CharField(max_length=254)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    status = models.CharField(max_length=10, choices=OutboundStatus.choices)
    provider = models.CharField(max_length=40)
    provider_message_id = models.CharField(max_length=120, blank=True)
    client = models.ForeignKey("clients.Client", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Blank only on rows recorded before keys existed.
    idempotency_key = models.CharField(max_length=80, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organization", "-created_at"], name="outbound_org_time_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="outbound_one_per_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {datetime_full(self.created_at)}"
