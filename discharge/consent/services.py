"""Writes for consents and disclosures.

- `consent_record`: a consent with every 42 CFR 2.31 element, signed on paper or electronically
  (the client types their name and ticks, with the staff member present recorded). Never edited
  afterwards: a change is a new consent.
- `consent_revoke`, `consent_expiry_event_record`: what ends a consent, recorded on it (when, by
  whom, why); the next transmission is refused.
- `records_send`: the records packet rendered and its Disclosure written, only when one valid,
  unexpired, unrevoked consent of that client covers the recipient, the purpose and every kind
  sent; otherwise refused naming what is missing, and nothing is written or rendered.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from discharge.errors import DischargeErrorCode
from discharge.models import (
    AftercareProvider,
    Consent,
    Disclosure,
    DisclosurePurpose,
    InformationKind,
    SignatureMethod,
    TransmissionChannel,
)
from iop.clients.models import Client, Episode
from iop.common.exceptions import refuse
from iop.tenancy.models import Organization

from .documents import records_packet_document
from .scope import ConsentState, Recipient, consent_state, purpose_phrase
from .selectors import packet_data, packet_kinds, part2_applies, transmission_coverage

if TYPE_CHECKING:
    from iop.accounts.models import User

logger = logging.getLogger(__name__)


def _normal(text: str) -> str:
    return " ".join(text.split()).casefold()


def _name_of(user) -> str:
    return (user.get_full_name() or user.email) if user is not None else "IOP Ops"


def _choices_check(values: Sequence[str], choices, *, field: str, what: str) -> None:
    unknown = [v for v in values if v not in choices.values]
    if unknown:
        refuse(f"Not {what}: {', '.join(unknown)}.", code=DischargeErrorCode.CONSENT_INCOMPLETE, field=field)


def _text(value: str, *, limit: int, field: str, label: str) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        refuse(f"{label} holds at most {limit} characters.", code=DischargeErrorCode.CONSENT_INCOMPLETE, field=field)
    return value


def _recipient_check(
    *, organization: Organization, client: Client, provider: AftercareProvider | None, recipient_client: Client | None
) -> None:
    if provider is not None and provider.organization_id != organization.pk:
        refuse(
            "Choose one of the organization's providers.",
            code=DischargeErrorCode.CONSENT_RECIPIENT_INVALID,
            field="recipient_provider",
        )
    if recipient_client is not None:
        if recipient_client.organization_id != organization.pk:
            refuse(
                "Choose a client of this organization.",
                code=DischargeErrorCode.CONSENT_RECIPIENT_INVALID,
                field="recipient_client",
            )
        if recipient_client.pk == client.pk:
            refuse(
                "The client cannot be the recipient of their own consent.",
                code=DischargeErrorCode.CONSENT_RECIPIENT_INVALID,
                field="recipient_client",
            )


@transaction.atomic
def consent_record(
    *,
    organization: Organization,
    client: Client,
    information: Sequence[str],
    purpose: str,
    signed_name: str,
    signature_method: str,
    right_to_revoke_explained: bool,
    recipient_provider: AftercareProvider | None = None,
    recipient_client: Client | None = None,
    recipient_name: str = "",
    information_detail: str = "",
    purpose_detail: str = "",
    disclosing_party: str = "",
    expires_on: dt.date | None = None,
    expiry_event: str = "",
    signature_confirmed: bool = False,
    signed_at: dt.datetime | None = None,
    actor: User | None,
    now: dt.datetime | None = None,
) -> Consent:
    """Record a signed consent (42 CFR 2.31): the information (kinds, and in words), one
    recipient (a provider, a client of the program — a partner —, or a person or class named in
    words), the purpose, an expiry date or event, the right to revoke explained to the client, and
    the signature. An electronic signature is the client's own name typed, with the box ticked, at
    the time it is recorded (`signed_at` is then now); a paper one is dated when signed (not in
    the future). `actor` is the staff member present. A refusal records nothing."""
    now = now or timezone.now()
    today = organization.local_today(now)
    if client.organization_id != organization.pk:
        refuse("Not a client of this organization.", code=DischargeErrorCode.CONSENT_RECIPIENT_INVALID, field="client")
    kinds = list(dict.fromkeys(information))
    if not kinds:
        refuse(
            "Say what information may be disclosed.", code=DischargeErrorCode.CONSENT_INCOMPLETE, field="information"
        )
    _choices_check(kinds, InformationKind, field="information", what="a kind of information")
    if purpose not in DisclosurePurpose.values:
        refuse("Choose the purpose of the disclosure.", code=DischargeErrorCode.CONSENT_INCOMPLETE, field="purpose")
    if signature_method not in SignatureMethod.values:
        refuse(
            "Choose how the consent was signed.", code=DischargeErrorCode.CONSENT_INCOMPLETE, field="signature_method"
        )
    if recipient_provider is not None and recipient_client is not None:
        refuse(
            "A consent names one recipient: a provider or a client, not both.",
            code=DischargeErrorCode.CONSENT_RECIPIENT_INVALID,
            field="recipient_client",
        )
    _recipient_check(
        organization=organization, client=client, provider=recipient_provider, recipient_client=recipient_client
    )
    if recipient_provider is not None:
        recipient_name = recipient_provider.name
    elif recipient_client is not None:
        recipient_name = recipient_client.display_name
    recipient_name = _text(recipient_name, limit=200, field="recipient_name", label="The recipient")
    if not recipient_name:
        refuse(
            "Name the recipient: a provider, a client, or a person or class of persons.",
            code=DischargeErrorCode.CONSENT_INCOMPLETE,
            field="recipient_name",
        )
    expiry_event = _text(expiry_event, limit=200, field="expiry_event", label="The expiry event")
    if expires_on is None and not expiry_event:
        refuse(
            "Give the date or the event on which the consent expires.",
            code=DischargeErrorCode.CONSENT_INCOMPLETE,
            field="expires_on",
        )
    if expires_on is not None and expires_on < today:
        refuse("The expiry date has already passed.", code=DischargeErrorCode.CONSENT_DATE_INVALID, field="expires_on")
    if not right_to_revoke_explained:
        refuse(
            "Explain to the client that they may revoke the consent in writing, and tick the box.",
            code=DischargeErrorCode.CONSENT_INCOMPLETE,
            field="right_to_revoke_explained",
        )
    signed_name = _text(signed_name, limit=160, field="signed_name", label="The signature")
    if not signed_name:
        refuse("The consent is not signed.", code=DischargeErrorCode.CONSENT_INCOMPLETE, field="signed_name")
    if signature_method == SignatureMethod.ELECTRONIC:
        if not signature_confirmed:
            refuse(
                "The client ticks the box to sign electronically.",
                code=DischargeErrorCode.CONSENT_SIGNATURE_INVALID,
                field="signature_confirmed",
            )
        own = {_normal(f"{client.first_name} {client.last_name}")}
        if client.preferred_name:
            own.add(_normal(f"{client.preferred_name} {client.last_name}"))
        if _normal(signed_name) not in own:
            refuse(
                "An electronic signature is the client's own name, typed by them.",
                code=DischargeErrorCode.CONSENT_SIGNATURE_INVALID,
                field="signed_name",
            )
        # Signed now, in front of the staff member recording it.
        signed_at = now
    elif signed_at is None:
        signed_at = now
    if signed_at > now:
        refuse("The signature date is in the future.", code=DischargeErrorCode.CONSENT_DATE_INVALID, field="signed_at")
    consent = Consent.objects.create(
        organization=organization,
        client=client,
        disclosing_party=_text(disclosing_party, limit=200, field="disclosing_party", label="Who may disclose")
        or organization.name,
        information=kinds,
        information_detail=_text(information_detail, limit=500, field="information_detail", label="The description"),
        recipient_provider=recipient_provider,
        recipient_client=recipient_client,
        recipient_name=recipient_name,
        purpose=purpose,
        purpose_detail=_text(purpose_detail, limit=300, field="purpose_detail", label="The purpose"),
        expires_on=expires_on,
        expiry_event=expiry_event,
        right_to_revoke_explained=True,
        signed_name=signed_name,
        signed_at=signed_at,
        signature_method=signature_method,
        recorded_by=actor,
    )
    logger.info("Consent %s recorded", consent.pk)
    return consent


def _locked(consent: Consent) -> Consent:
    return Consent.objects.select_for_update().get(organization_id=consent.organization_id, pk=consent.pk)


@transaction.atomic
def consent_revoke(
    *,
    consent: Consent,
    note: str = "",
    revoked_at: dt.datetime | None = None,
    actor: User | None,
    now: dt.datetime | None = None,
) -> Consent:
    """Record the client's revocation (when — default now, not in the future —, who recorded it,
    a note). From then on the consent covers no transmission. Refused when already revoked."""
    now = now or timezone.now()
    consent = _locked(consent)
    if consent.revoked_at is not None:
        refuse("This consent was already revoked.", code=DischargeErrorCode.CONSENT_ALREADY_REVOKED, field="__all__")
    revoked_at = revoked_at or now
    if revoked_at > now:
        refuse(
            "The revocation date is in the future.", code=DischargeErrorCode.CONSENT_DATE_INVALID, field="revoked_at"
        )
    if revoked_at < consent.signed_at:
        refuse(
            "The revocation is before the signature.", code=DischargeErrorCode.CONSENT_DATE_INVALID, field="revoked_at"
        )
    consent.revoked_at = revoked_at
    consent.revoked_by = actor
    consent.revocation_note = _text(note, limit=300, field="note", label="The note")
    consent.save(update_fields=["revoked_at", "revoked_by", "revocation_note"])
    return consent


@transaction.atomic
def consent_expiry_event_record(
    *, consent: Consent, occurred_at: dt.datetime | None = None, actor: User | None, now: dt.datetime | None = None
) -> Consent:
    """Record that the consent's expiry event happened (e.g. "end of treatment"): it expires."""
    now = now or timezone.now()
    consent = _locked(consent)
    if not consent.expiry_event:
        refuse(
            "This consent expires on a date, not on an event.",
            code=DischargeErrorCode.CONSENT_NO_EXPIRY_EVENT,
            field="__all__",
        )
    if consent.expiry_event_occurred_at is not None:
        refuse(
            "The expiry event was already recorded.", code=DischargeErrorCode.CONSENT_NO_EXPIRY_EVENT, field="__all__"
        )
    occurred_at = occurred_at or now
    if occurred_at > now:
        refuse("The event date is in the future.", code=DischargeErrorCode.CONSENT_DATE_INVALID, field="occurred_at")
    consent.expiry_event_occurred_at = occurred_at
    consent.save(update_fields=["expiry_event_occurred_at"])
    return consent


def consent_is_valid(consent: Consent, *, now: dt.datetime | None = None) -> bool:
    return consent_state(consent, today=consent.organization.local_today(now)) == ConsentState.VALID


@transaction.atomic
def records_send(
    *,
    organization: Organization,
    episode: Episode,
    purpose: str,
    channel: str,
    recipient_provider: AftercareProvider | None = None,
    recipient_client: Client | None = None,
    recipient_name: str = "",
    information: Sequence[str] | None = None,
    sent_at: dt.datetime | None = None,
    actor: User,
    now: dt.datetime | None = None,
) -> Disclosure:
    """Send the episode's records packet to one recipient by `channel`, under the client's consent.

    The kinds sent are `information`, or — when not chosen — every section the latest valid
    consent for that recipient and purpose covers. When the episode is SUD treatment (Part 2),
    the SUD records kind is always part of what is sent. One valid, unexpired, unrevoked consent
    of the client must cover the recipient, the purpose and every kind: otherwise refused with a
    message naming what is not covered, and nothing leaves (no Disclosure, no document). A partner
    (another client) is covered only by this client's consent naming that partner."""
    now = now or timezone.now()
    client = episode.client
    if episode.organization_id != organization.pk:
        refuse("Not an episode of this organization.", code=DischargeErrorCode.DISCLOSURE_INVALID, field="episode")
    if channel not in TransmissionChannel.values:
        refuse("Choose how the records are sent.", code=DischargeErrorCode.DISCLOSURE_INVALID, field="channel")
    if purpose not in DisclosurePurpose.values:
        refuse("Choose the purpose of the disclosure.", code=DischargeErrorCode.DISCLOSURE_INVALID, field="purpose")
    if recipient_provider is not None and recipient_client is not None:
        refuse("Send to one recipient at a time.", code=DischargeErrorCode.DISCLOSURE_INVALID, field="recipient_client")
    if recipient_provider is not None and recipient_provider.organization_id != organization.pk:
        refuse(
            "Choose one of the organization's providers.",
            code=DischargeErrorCode.DISCLOSURE_INVALID,
            field="recipient_provider",
        )
    if recipient_client is not None and (
        recipient_client.organization_id != organization.pk or recipient_client.pk == client.pk
    ):
        refuse(
            "Choose another client of this organization.",
            code=DischargeErrorCode.DISCLOSURE_INVALID,
            field="recipient_client",
        )
    if recipient_provider is not None:
        recipient = Recipient(name=recipient_provider.name, provider_id=recipient_provider.pk)
    elif recipient_client is not None:
        recipient = Recipient(name=recipient_client.display_name, client_id=recipient_client.pk)
    else:
        name = " ".join((recipient_name or "").split())
        if not name or len(name) > 200:
            refuse("Choose the recipient.", code=DischargeErrorCode.DISCLOSURE_INVALID, field="recipient_name")
        recipient = Recipient(name=name)
    sent_at = sent_at or now
    if sent_at > now:
        refuse("The sending date is in the future.", code=DischargeErrorCode.DISCLOSURE_INVALID, field="sent_at")
    if information is not None:
        kinds = list(dict.fromkeys(information))
        if not kinds:
            refuse("Choose the information to send.", code=DischargeErrorCode.DISCLOSURE_INVALID, field="information")
        unknown = [k for k in kinds if k not in InformationKind.values]
        if unknown:
            refuse(
                f"Not a kind of information: {', '.join(unknown)}.",
                code=DischargeErrorCode.DISCLOSURE_INVALID,
                field="information",
            )
    else:
        # Everything the latest valid consent for this recipient and purpose covers.
        any_kind = transmission_coverage(
            organization=organization, client=client, recipient=recipient, purpose=purpose, kinds=[], now=now
        )
        kinds = packet_kinds(episode=episode, consent=any_kind.consent) if any_kind.consent is not None else []
    if part2_applies(episode=episode) and InformationKind.SUD_RECORDS not in kinds:
        kinds.append(InformationKind.SUD_RECORDS)
    if not kinds:
        refuse(
            f"No consent covers any records to {recipient.name} {purpose_phrase(purpose)}.",
            code=DischargeErrorCode.CONSENT_NOT_COVERING,
            field="__all__",
        )
    coverage = transmission_coverage(
        organization=organization, client=client, recipient=recipient, purpose=purpose, kinds=kinds, now=now
    )
    if coverage.consent is None:
        refuse(coverage.message, code=DischargeErrorCode.CONSENT_NOT_COVERING, field="__all__")
    consent = coverage.consent
    if sent_at < consent.signed_at:
        refuse(
            "The sending date is before the consent was signed.",
            code=DischargeErrorCode.DISCLOSURE_INVALID,
            field="sent_at",
        )
    data = packet_data(
        organization=organization,
        episode=episode,
        consent=consent,
        recipient_name=recipient.name,
        purpose=purpose,
        kinds=kinds,
        now=now,
    )
    rendered = records_packet_document(data=data, prepared_by=_name_of(actor))
    disclosure = Disclosure.objects.create(
        organization=organization,
        client=client,
        episode=episode,
        consent=consent,
        recipient_provider=recipient_provider,
        recipient_name=recipient.name,
        purpose=purpose,
        information=kinds,
        channel=channel,
        sent_at=sent_at,
        sent_by=actor,
        document=rendered.content,
        page_count=min(rendered.page_count, 32767),
    )
    # Ids and the channel only: who the recipient is and what was sent stay in the database.
    logger.info("Disclosure %s recorded (consent %s, channel %s)", disclosure.pk, consent.pk, channel)
    return disclosure
