"""Delivery channels and their providers.

Every message reaches its provider with an idempotency key: the sender's stable name for that one
message (a reminder's is its dispatch id). A provider that `deduplicates` promises that a key it
has already accepted is not delivered again, so a sender whose worker died mid-send may safely send
again under the same key; with any other provider a second send may be a second message, so the
sender must leave the question to a person instead.

Email goes through Django's email backend (console or file in development, SMTP in production),
chosen by `IOP_EMAIL_PROVIDER`; SMTP knows no idempotency key, so email does not deduplicate. SMS
goes through the provider chosen by `IOP_SMS_PROVIDER`; the default records the message in the
outbox only, so nothing leaves the building until a real provider (with a BAA) is configured. It
deduplicates: the outbox holds one row per key.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

from .models import Channel


@dataclass(frozen=True)
class Delivery:
    provider: str
    recorded_only: bool
    provider_message_id: str = ""


class ProviderError(Exception):
    """A provider refused or failed; `transient` errors may be retried."""

    def __init__(self, message: str, *, transient: bool = False):
        super().__init__(message)
        self.transient = transient


class Provider:
    """One channel's way out. `send` delivers one message or raises ProviderError; a transient
    error means the message did not go out and may be sent again."""

    name = "base"
    # True only when the provider itself drops a second message under a key it already delivered.
    deduplicates = False

    def send(self, *, to: str, subject: str, body: str, idempotency_key: str) -> Delivery:  # pragma: no cover
        raise NotImplementedError


class EmailProvider(Provider):
    """Django's email backend. Not deduplicating: an SMTP server takes every message it is given."""

    name = "email"

    def send(self, *, to: str, subject: str, body: str, idempotency_key: str) -> Delivery:
        try:
            send_mail(subject=subject, message=body, from_email=None, recipient_list=[to])
        except OSError as exc:
            raise ProviderError("The mail server could not be reached.", transient=True) from exc
        return Delivery(provider=self.name, recorded_only=False)


class SmsProvider(Provider):
    """Base of SMS providers (an SMS has no subject; providers ignore it)."""

    name = "sms"


class OutboxSmsProvider(SmsProvider):
    """Records only. The message is visible in the outbox (and to tests) but not sent anywhere;
    the outbox row is the delivery, one per key, so a repeat under a key is no second message."""

    name = "outbox"
    deduplicates = True

    def send(self, *, to: str, subject: str, body: str, idempotency_key: str) -> Delivery:
        return Delivery(provider=self.name, recorded_only=True)


PROVIDER_SETTINGS: dict[str, tuple[str, str]] = {
    Channel.EMAIL: ("IOP_EMAIL_PROVIDER", "iop.notifications.providers.EmailProvider"),
    Channel.SMS: ("IOP_SMS_PROVIDER", "iop.notifications.providers.OutboxSmsProvider"),
}


def provider_for(channel: str) -> Provider:
    """The configured provider of `channel` (read at each call: settings may change in tests)."""
    try:
        setting, default = PROVIDER_SETTINGS[channel]
    except KeyError:
        raise ProviderError(f"Unknown channel {channel!r}.") from None
    return import_string(getattr(settings, setting, default))()
