"""The client hears of a denial once, on their consented channel, with no clinical detail: that
the program is appealing and their rights. A couple's other partner hears only what concerns them."""

from __future__ import annotations

import pytest

from authorizations import tasks
from authorizations.models import AuthorizationRequest, DenialCase
from authorizations.requests.services.determinations import determination_record
from authorizations.requests.services.packets import packet_create, packet_mark_ready, packet_submit
from iop.notifications.models import OutboundMessage

from ..requests.conftest import complete
from .conftest import REASON, deny

pytestmark = pytest.mark.django_db

SECRETS = ("LOCUS", "F33.1", "criteria", "therapy", "group", "Blue Harbor", "90853", "functional")


def consent(client, channel="sms"):
    client.reminder_channel, client.reminder_consent = channel, True
    client.phone, client.email = "+15555550123", "client@example.com"
    client.save()


def test_a_denial_tells_the_consenting_client_once(
    draft, harbor_intake, django_capture_on_commit_callbacks, eager_celery
):
    client = draft.episode.client
    consent(client)
    with django_capture_on_commit_callbacks(execute=True):
        denied = deny(draft, harbor_intake)
    case = DenialCase.objects.get(determination=denied)
    message = OutboundMessage.objects.get()
    assert message.idempotency_key == f"denial:{case.pk.hex}:{client.pk.hex}"
    assert (message.channel, message.to, message.client) == ("sms", "+15555550123", client)
    assert "We are appealing" in message.body and "external review" in message.body
    for secret in (*SECRETS, client.last_name):
        assert secret not in message.body

    again = tasks.denial_message_send.apply(args=(case.organization_id, str(case.pk), str(client.pk))).get()
    assert again == "already recorded"  # a redelivered task sends nothing twice (the SMS outbox records it)
    assert OutboundMessage.objects.count() == 1


def test_an_email_states_the_rights_and_no_message_without_consent(
    draft, harbor_intake, django_capture_on_commit_callbacks, eager_celery
):
    client = draft.episode.client
    consent(client, "email")
    client.reminder_consent = False
    client.save()
    with django_capture_on_commit_callbacks(execute=True):
        denied = deny(draft, harbor_intake)
    assert not OutboundMessage.objects.exists()

    client.reminder_consent = True
    client.save()
    case = DenialCase.objects.get(determination=denied)
    assert tasks.denial_message_send.apply(args=(case.organization_id, str(case.pk), str(client.pk))).get() == "sent"
    message = OutboundMessage.objects.get()
    assert "appeal the decision yourself" in message.body and "independent external review" in message.body
    for secret in SECRETS:
        assert secret not in message.body


def test_each_partner_of_a_couples_packet_hears_what_concerns_them(
    couple_world, harbor_intake, django_capture_on_commit_callbacks, eager_celery
):
    packet = packet_create(
        couple=couple_world["couple"],
        coverages=couple_world["coverages"],
        joint_goals="Talk; trust.",
        actor=harbor_intake,
    )
    for request in packet.requests.all():
        complete(request)
    packet_mark_ready(packet=packet)
    packet_submit(packet=packet, channel="portal", actor=harbor_intake)
    ip, partner = couple_world["ip"], couple_world["partner"]
    consent(ip, "email")
    consent(partner, "email")
    denied_request = AuthorizationRequest.objects.get(packet=packet, episode__client=ip)
    with django_capture_on_commit_callbacks(execute=True):
        determination_record(request=denied_request, action="A3", reason=REASON, actor=harbor_intake)

    mine = OutboundMessage.objects.get(client=ip)
    theirs = OutboundMessage.objects.get(client=partner)
    assert "your insurance plan did not approve coverage" in mine.body
    assert "joint sessions" in theirs.body
    assert "did not approve" not in theirs.body and "rights" not in theirs.body.lower()
    assert ip.first_name not in theirs.body and ip.last_name not in theirs.body
