"""The outbox and the providers: every message is recorded before it leaves, under one key, and
the key reaches the provider."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from iop.notifications.models import OutboundMessage, OutboundStatus
from iop.notifications.providers import EmailProvider, OutboxSmsProvider, ProviderError, provider_for
from iop.notifications.services import message_send, outbound_deliver, outbound_mark_sent, outbound_record

from .journal import journal_read

pytestmark = pytest.mark.django_db


def _record(organization, key: str, channel: str = "sms") -> OutboundMessage:
    return outbound_record(
        organization=organization, channel=channel, to="+15550100", subject="", body="Hello", idempotency_key=key
    )


def test_a_message_is_recorded_pending_and_its_key_reaches_the_provider(in_harbor, journal):
    message = _record(in_harbor, "k-1", channel="email")
    assert (message.status, message.sent_at) == (OutboundStatus.PENDING, None)
    delivery = outbound_deliver(message=message)
    assert [(e["key"], e["to"]) for e in journal_read()] == [("k-1", "+15550100")]
    assert OutboundMessage.objects.get().status == OutboundStatus.PENDING  # the caller marks it
    outbound_mark_sent(message=message, delivery=delivery)
    message.refresh_from_db()
    assert message.status == OutboundStatus.SENT
    assert message.provider_message_id == journal_read()[0]["id"]
    assert message.sent_at is not None


def test_one_outbox_row_per_key(in_harbor, journal):
    _record(in_harbor, "k-1")
    with pytest.raises(IntegrityError), transaction.atomic():
        _record(in_harbor, "k-1")
    assert OutboundMessage.objects.count() == 1


def test_a_deduplicating_provider_delivers_a_key_once(in_harbor, journal):
    message = _record(in_harbor, "k-1", channel="sms")
    first = outbound_deliver(message=message)
    again = outbound_deliver(message=message)  # a retry after a crash
    assert len(journal_read()) == 1
    assert again.provider_message_id == first.provider_message_id


def test_message_send_records_marks_and_gives_every_message_its_own_key(in_harbor, journal):
    first = message_send(organization=in_harbor, channel="email", to="a@example.test", subject="S", body="B")
    second = message_send(organization=in_harbor, channel="email", to="a@example.test", subject="S", body="B")
    assert first.status == second.status == OutboundStatus.SENT
    assert first.idempotency_key and first.idempotency_key != second.idempotency_key
    assert [e["key"] for e in journal_read()] == [first.idempotency_key, second.idempotency_key]


def test_a_provider_failure_marks_the_message_failed(in_harbor, settings):
    with pytest.raises(ProviderError):
        message_send(organization=in_harbor, channel="fax", to="x", subject="", body="B")
    assert OutboundMessage.objects.get().status == OutboundStatus.FAILED


def test_which_providers_deduplicate():
    assert not EmailProvider.deduplicates  # SMTP takes every message it is given
    assert OutboxSmsProvider.deduplicates  # records only: the outbox row, one per key, is the delivery
    assert isinstance(provider_for("email"), EmailProvider)
    assert isinstance(provider_for("sms"), OutboxSmsProvider)
    with pytest.raises(ProviderError):
        provider_for("fax")
