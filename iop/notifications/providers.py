"""Delivery channels. Email goes through Django's email backend (console or file in development,
SMTP in production). SMS goes through a provider chosen by `IOP_SMS_PROVIDER`; the default
records the message in the outbox only, so nothing leaves the building until a real provider
(with a BAA) is configured."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string


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


class SmsProvider:
    name = "base"

    def send(self, *, to: str, body: str) -> Delivery:  # pragma: no cover - interface
        raise NotImplementedError


class OutboxSmsProvider(SmsProvider):
    """Records only. The message is visible in the outbox (and to tests) but not sent anywhere."""

    name = "outbox"

    def send(self, *, to: str, body: str) -> Delivery:
        return Delivery(provider=self.name, recorded_only=True)


def sms_provider() -> SmsProvider:
    return import_string(getattr(settings, "IOP_SMS_PROVIDER", "iop.notifications.providers.OutboxSmsProvider"))()


def email_send(*, to: str, subject: str, body: str) -> Delivery:
    try:
        send_mail(subject=subject, message=body, from_email=None, recipient_list=[to])
    except OSError as exc:
        raise ProviderError("The mail server could not be reached.", transient=True) from exc
    return Delivery(provider="email", recorded_only=False)
