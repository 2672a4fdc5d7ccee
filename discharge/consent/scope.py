"""What a consent allows, decided without the database: its state on a given day, and whether it
covers a transmission (recipient, purpose, every information kind sent).

One consent must cover the whole transmission: several partial consents are not added up, since
each is the client's own statement of what goes to whom for what (42 CFR 2.31(a)).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from discharge.models import Consent, DisclosurePurpose, InformationKind
from iop.common.dates import date_full

# The phrase a refusal uses for each purpose ("… to Harbor Outpatient for continuity of care").
PURPOSE_PHRASES = {
    DisclosurePurpose.CONTINUITY: "for continuity of care",
    DisclosurePurpose.PAYMENT: "for payment",
    DisclosurePurpose.HEALTH_CARE_OPERATIONS: "for health care operations",
    DisclosurePurpose.LEGAL: "for a legal proceeding",
    DisclosurePurpose.PERSONAL: "at the client's request",
    DisclosurePurpose.OTHER: "for another purpose",
}


class ConsentState(StrEnum):
    VALID = "valid"
    EXPIRED = "expired"
    REVOKED = "revoked"


STATE_LABELS = {ConsentState.VALID: "Valid", ConsentState.EXPIRED: "Expired", ConsentState.REVOKED: "Revoked"}


def kind_label(kind: str) -> str:
    """The kind's name without the parenthesis ("Substance use disorder treatment records")."""
    return InformationKind(kind).label.split(" (")[0]


def kinds_phrase(kinds: Iterable[str]) -> str:
    return ", ".join(f"'{kind_label(k)}'" for k in kinds)


def purpose_phrase(purpose: str) -> str:
    return PURPOSE_PHRASES.get(DisclosurePurpose(purpose), "for another purpose")


def consent_state(consent: Consent, *, today: dt.date) -> ConsentState:
    """Revoked once revocation is recorded; expired the day after its expiry date (the
    organization's local date) or once its expiry event is recorded; valid otherwise."""
    if consent.revoked_at is not None:
        return ConsentState.REVOKED
    if consent.expiry_event_occurred_at is not None:
        return ConsentState.EXPIRED
    if consent.expires_on is not None and consent.expires_on < today:
        return ConsentState.EXPIRED
    return ConsentState.VALID


@dataclass(frozen=True)
class Recipient:
    """Whom a transmission goes to: an aftercare provider, a client of the program (a partner), or
    a person named in words. `name` is how the disclosure log names them."""

    name: str
    provider_id: object = None
    client_id: object = None

    def matches(self, consent: Consent) -> bool:
        if self.provider_id is not None:
            return consent.recipient_provider_id == self.provider_id
        if self.client_id is not None:
            # A partner only through a consent naming that very client: never a consent to a
            # provider or a name that happens to match (the couple rule).
            return consent.recipient_client_id == self.client_id
        return (
            consent.recipient_provider_id is None
            and consent.recipient_client_id is None
            and _normal(consent.recipient_name) == _normal(self.name)
        )


def _normal(text: str) -> str:
    return " ".join(text.split()).casefold()


@dataclass(frozen=True)
class Coverage:
    """The answer for one transmission: the covering consent, or why none covers it."""

    consent: Consent | None
    missing: tuple[str, ...] = ()
    message: str = ""

    @property
    def covered(self) -> bool:
        return self.consent is not None


def coverage_of(
    consents: Sequence[Consent],
    *,
    client_id,
    recipient: Recipient,
    purpose: str,
    kinds: Sequence[str],
    today: dt.date,
    tz: dt.tzinfo | None = None,
) -> Coverage:
    """The valid consent of that client covering the recipient, the purpose and every kind (the
    most recently signed when several do); otherwise the kinds no valid consent covers for that
    recipient and purpose, in a message that names them, the recipient and the purpose (and a
    revoked or expired consent that would have covered them, so the reader knows why)."""
    wanted = list(dict.fromkeys(kinds))
    to_recipient = [c for c in consents if c.client_id == client_id and c.purpose == purpose and recipient.matches(c)]
    valid = [c for c in to_recipient if consent_state(c, today=today) == ConsentState.VALID]
    for consent in sorted(valid, key=lambda c: c.signed_at, reverse=True):
        if all(k in consent.information for k in wanted):
            return Coverage(consent=consent)
    best = max(valid, key=lambda c: (sum(k in c.information for k in wanted), c.signed_at), default=None)
    missing = tuple(k for k in wanted if best is None or k not in best.information)
    what = kinds_phrase(missing) if missing else "any records"
    message = f"No consent covers {what} to {recipient.name} {purpose_phrase(purpose)}."
    lapsed = [c for c in to_recipient if c not in valid and all(k in c.information for k in missing)]
    if lapsed:
        latest = max(lapsed, key=lambda c: c.signed_at)
        state = consent_state(latest, today=today)
        signed = latest.signed_at.astimezone(tz) if tz is not None else latest.signed_at
        message += f" The consent signed {date_full(signed)} that did is {state.value}."
    return Coverage(consent=None, missing=missing, message=message)
