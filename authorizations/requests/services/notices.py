"""Telling people about an approval: the client's message (on their consented channel, sent after
commit by a task), a couple's partner, and the staff who follow authorizations."""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse

from authorizations.models import (
    Authorization,
    AuthorizationRequest,
    Determination,
    DeterminationAction,
)
from authorizations.requests.selectors import request_message_recipients
from authorizations.tasks import approval_message_send
from iop.clients.models import Client
from iop.clients.selectors import client_message_address
from iop.common.dates import date_full
from iop.notifications.models import OutboundMessage, OutboundStatus
from iop.notifications.services import Notice, message_send_once, notices_send
from iop.tenancy.models import Membership, Organization, Role

# --- Notifications ----------------------------------------------------------------------------------


def client_approval_message(
    *, client: Client, organization: Organization, authorization: Authorization
) -> tuple[str, str]:
    """Subject and body telling a client their authorization was approved, for the dates only:
    nothing clinical (no service, code, diagnosis or program name), no partner."""
    window = f"{date_full(authorization.start_date)} to {date_full(authorization.end_date)}"
    first = client.preferred_name or client.first_name
    subject = "Your authorization was approved"
    body = f"Hello {first}, your authorization was approved for {window}. Questions? Contact {organization.name}."
    return subject, body


def approval_message_deliver(*, determination_id, client_id) -> str:
    """Send one approval message (the Celery task's body): to the request's client about their own
    authorization, or to the other partner of a couple's packet about their joint treatment. The
    channel and consent are read now (they may have changed since the approval). One message per
    determination and client, under a stable key (`message_send_once`): a retried or redelivered
    task, or a worker that died mid-send, never sends it twice. Raises ProviderError for a retry."""
    determination = (
        Determination.objects.select_related("request__episode__client", "request__packet__couple", "authorization")
        .filter(pk=determination_id)
        .first()
    )
    client = Client.objects.filter(pk=client_id).first()
    if determination is None or client is None or not hasattr(determination, "authorization"):
        return "gone"
    request, authorization = determination.request, determination.authorization
    organization = request.organization
    if client.pk not in {c.pk for c in request_message_recipients(request)}:
        return "not a recipient"
    if client.pk == request.episode.client_id:
        subject, body = client_approval_message(client=client, organization=organization, authorization=authorization)
    else:
        subject, body = partner_approval_message(partner=client, organization=organization, authorization=authorization)
    address = client_message_address(client)
    if address is None:
        return "no consented channel"
    result = message_send_once(
        organization=organization,
        channel=address[0],
        to=address[1],
        subject=subject,
        body=body,
        client=client,
        idempotency_key=f"approval:{determination.pk.hex}:{client.pk.hex}",
    )
    if result.sent:
        return "sent"
    if result.message.status == OutboundStatus.UNKNOWN:
        _undelivered_notify(request=request, message=result.message)
    return f"already {result.message.status}"


def _undelivered_notify(*, request: AuthorizationRequest, message: OutboundMessage) -> None:
    """A worker died while handing the approval message to a provider that cannot say whether it
    went out: the intake team hears, once, to check with the client (named in the in-app inbox;
    the message may have been to the other partner of a couple's packet)."""
    organization = request.organization
    client = message.client or request.episode.client
    notices_send(
        organization=organization,
        notices=[
            Notice(
                recipient=member,
                kind="message_unknown",
                title=f"Check with {client.display_name} that the approval message arrived",
                body="Sending was interrupted and the provider cannot confirm it.",
                link=reverse(
                    "authorizations:request_detail", kwargs={"org_slug": organization.slug, "request_id": request.pk}
                ),
                dedupe_key=f"message-unknown:{message.pk}",
                client_id=client.pk,
            )
            for member in _approval_staff(request)
        ],
    )


def _approval_staff(request: AuthorizationRequest) -> list[Membership]:
    """The intake specialists and VAs, and whoever drafted the request (an org admin, say)."""
    return list(
        Membership.objects.filter(organization=request.organization, is_active=True).filter(
            Q(role__in=[Role.INTAKE, Role.VA]) | Q(user_id=request.created_by_id)
        )
    )


def partner_approval_message(
    *, partner: Client, organization: Organization, authorization: Authorization
) -> tuple[str, str]:
    """Subject and body telling the other partner of a couple's packet that an authorization for
    their joint treatment was approved: dates only; whose it is, and what for, is not said."""
    window = f"{date_full(authorization.start_date)} to {date_full(authorization.end_date)}"
    first = partner.preferred_name or partner.first_name
    subject = "An authorization for your joint treatment was approved"
    body = (
        f"Hello {first}, an authorization for your joint treatment was approved for {window}. "
        f"Questions? Contact {organization.name}."
    )
    return subject, body


def approval_notify(
    *, request: AuthorizationRequest, determination: Determination, authorization: Authorization
) -> None:
    organization = request.organization
    client = request.episode.client
    # The client, and for a couple's packet both partners, each on their own consented channel:
    # sent by a worker once the approval is committed, with retries, never inside the request.
    for recipient in request_message_recipients(request):
        if client_message_address(recipient) is not None:
            approval_message_send.delay_on_commit(organization.pk, str(determination.pk), str(recipient.pk))
    destination = client_message_address(client)
    staff = _approval_staff(request)
    action = DeterminationAction(determination.action).label.lower()
    name = client.display_name
    if destination:
        title = f"Check {name}'s approved authorization: the client was told"
    else:
        title = f"Tell {name} their authorization was approved: no consented channel to message them"
    notices_send(
        organization=organization,
        notices=[
            Notice(
                recipient=member,
                kind="authorization_approved",
                title=title,
                body=f"{action.capitalize()}: {authorization.units_authorized} × "
                f"{authorization.get_unit_type_display().lower()}, {date_full(authorization.start_date)} to "
                f"{date_full(authorization.end_date)}.",
                link=reverse(
                    "authorizations:request_detail", kwargs={"org_slug": organization.slug, "request_id": request.pk}
                ),
                dedupe_key=f"determination:{determination.pk}",
                client_id=client.pk,
            )
            for member in staff
        ],
    )
