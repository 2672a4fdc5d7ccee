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


# --- message_send_once: one message per stable key, resumed after a crash --------------------------


def _send_once(organization, key: str, channel: str = "email", now=None):
    from iop.notifications.services import message_send_once

    return message_send_once(
        organization=organization,
        channel=channel,
        to="a@example.test" if channel == "email" else "+15550100",
        subject="S",
        body="B",
        idempotency_key=key,
        now=now,
    )


def test_a_stable_key_sends_once_however_often_it_is_asked(in_harbor, journal):
    first, again = _send_once(in_harbor, "approval:1:2"), _send_once(in_harbor, "approval:1:2")
    assert (first.sent, again.sent) == (True, False)
    assert again.message.pk == first.message.pk and again.message.status == OutboundStatus.SENT
    assert [e["key"] for e in journal_read()] == ["approval:1:2"]


def test_a_message_in_flight_elsewhere_is_not_sent_by_a_second_worker(in_harbor, journal):
    from iop.notifications.services import MessageInFlight

    _record(in_harbor, "k-2", channel="email")  # a worker recorded it and is (maybe) sending it
    with pytest.raises(MessageInFlight):
        _send_once(in_harbor, "k-2")
    assert journal_read() == []


@pytest.mark.parametrize(("channel", "resent", "status"), [("email", 0, "unknown"), ("sms", 1, "sent")])
def test_a_message_whose_sender_died_is_resent_only_where_the_provider_drops_repeats(
    in_harbor, journal, channel, resent, status
):
    import datetime as dt

    from django.utils import timezone

    _record(in_harbor, "k-3", channel=channel)  # its worker died after recording it
    later = timezone.now() + dt.timedelta(minutes=31)
    result = _send_once(in_harbor, "k-3", channel=channel, now=later)
    assert (result.sent, result.message.status, len(journal_read())) == (bool(resent), status, resent)
    assert _send_once(in_harbor, "k-3", channel=channel, now=later).sent is False  # and never again


def test_a_message_the_provider_refused_is_tried_again_under_its_key(in_harbor, journal, settings):
    message = _record(in_harbor, "k-4", channel="email")
    OutboundMessage.objects.filter(pk=message.pk).update(status=OutboundStatus.FAILED)
    result = _send_once(in_harbor, "k-4")
    assert (result.sent, result.message.status) == (True, OutboundStatus.SENT)
    assert [e["key"] for e in journal_read()] == ["k-4"]
    assert OutboundMessage.objects.count() == 1


def test_a_key_longer_than_the_outbox_keeps_is_refused(in_harbor, journal):
    with pytest.raises(ValueError, match="at most 80"):
        _send_once(in_harbor, "x" * 81)
    assert not OutboundMessage.objects.exists()
