"""Telling the client about a denial: that the program is appealing, and their own rights (to
appeal, and to an independent external review) — on their consented channel, sent after commit by
a worker, once per client under the stable key `denial:<case>:<client>`. Nothing clinical in any
channel (no service, code, diagnosis, criteria or program name). In a couple's packet the denied
partner hears about their denial and rights; the other partner only that the program is appealing
a decision that affects their joint sessions."""

from __future__ import annotations

from authorizations.models import DenialCase
from authorizations.requests.selectors import request_message_recipients
from iop.clients.models import Client, ReminderChannel
from iop.clients.selectors import client_message_address
from iop.common.dates import date_full
from iop.notifications.services import message_send_once
from iop.tenancy.models import Organization


def denial_message_key(case: DenialCase, client: Client) -> str:
    """The message's stable idempotency key (hex ids: within the outbox's 80 characters)."""
    return f"denial:{case.pk.hex}:{client.pk.hex}"


def _window(case: DenialCase) -> str:
    if case.denied_from and case.denied_to:
        return f" for {date_full(case.denied_from)} to {date_full(case.denied_to)}"
    return ""


def client_denial_message(
    *, client: Client, organization: Organization, case: DenialCase, channel: str
) -> tuple[str, str]:
    """The denied client's message: dates only, that the program appeals, and their rights."""
    first = client.preferred_name or client.first_name
    subject = "Your insurance did not approve coverage: we are appealing"
    if channel == ReminderChannel.SMS:
        body = (
            f"{organization.name}: your insurance did not approve coverage{_window(case)}. We are appealing. "
            "You also have the right to appeal and to an independent external review; call us with questions."
        )
        return subject, body
    body = (
        f"Hello {first},\n\nyour insurance plan did not approve coverage{_window(case)}. {organization.name} "
        "is asking the plan to reconsider: a call between your clinician and the plan's physician, and an "
        "appeal.\n\nYour rights: you may appeal the decision yourself, and once the plan's appeals are "
        "finished you may ask for an independent external review, whose decision the plan must follow. "
        "The plan's letter says how and by when. If waiting could seriously harm your health, an urgent "
        f"(expedited) appeal is decided within days.\n\nQuestions? Contact {organization.name}."
    )
    return subject, body


def partner_denial_message(*, partner: Client, organization: Organization, channel: str) -> tuple[str, str]:
    """The other partner of a couple's packet: only that an insurance decision affecting their
    joint sessions is being appealed (whose, and why, is not theirs to read)."""
    first = partner.preferred_name or partner.first_name
    subject = "An insurance decision about your joint sessions is being appealed"
    if channel == ReminderChannel.SMS:
        body = f"{organization.name}: we are appealing an insurance decision that affects your joint sessions."
        return subject, body
    body = (
        f"Hello {first},\n\n{organization.name} is appealing an insurance decision that affects your joint "
        f"sessions. We will tell you if anything changes for you.\n\nQuestions? Contact {organization.name}."
    )
    return subject, body


def denial_notify(*, case: DenialCase) -> None:
    """Queue the client's (and a couple's other partner's) message, after commit, ids only."""
    from authorizations.tasks import denial_message_send

    for recipient in request_message_recipients(case.determination.request):
        if client_message_address(recipient) is not None:
            denial_message_send.delay_on_commit(case.organization_id, str(case.pk), str(recipient.pk))


def denial_message_deliver(*, case_id, client_id) -> str:
    """Send one denial message (the task's body). Channel and consent are read now; the message is
    sent once under its stable key (`message_send_once`): a redelivered or retried task, or a worker
    that died mid-send, never sends a second. Raises ProviderError for the task's retry."""
    case = (
        DenialCase.objects.select_related("organization", "episode__client", "determination__request__packet__couple")
        .filter(pk=case_id)
        .first()
    )
    client = Client.objects.filter(pk=client_id).first()
    if case is None or client is None:
        return "gone"
    organization, request = case.organization, case.determination.request
    address = client_message_address(client)
    if address is None:
        return "no consented channel"
    channel, to = address
    if client.pk == case.episode.client_id:
        subject, body = client_denial_message(client=client, organization=organization, case=case, channel=channel)
    elif client.pk in {c.pk for c in request_message_recipients(request)}:
        subject, body = partner_denial_message(partner=client, organization=organization, channel=channel)
    else:
        return "not a recipient"
    result = message_send_once(
        organization=organization,
        channel=channel,
        to=to,
        subject=subject,
        body=body,
        client=client,
        idempotency_key=denial_message_key(case, client),
    )
    return "sent" if result.sent else f"already {result.message.status}"
