"""Demo consents and disclosures for the discharge story (called from demo/discharge.py):

- `consent_seed`: a valid consent (42 CFR 2.31, signed electronically in front of the VA) for the
  receiving provider of each plan given — continuity of care, every kind of information including
  the SUD records, until a year from now or the end of aftercare — except the plans in `blocked`,
  whose receiving provider no consent covers (the discharge "blocked by a missing consent": the
  client signed one to their primary care doctor, not to the receiving provider). For the plans in
  `send_for`, the records packet is also sent (by secure email) under that consent.

Written through the services; a second run changes nothing (a client with a consent to that
recipient keeps it; records already sent to the provider are not sent again).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.utils import timezone

from discharge.consent.selectors import records_sent
from discharge.consent.services import consent_record, records_send
from discharge.models import Consent, DisclosurePurpose, InformationKind, TransitionPlan
from iop.accounts.models import User
from iop.tenancy.models import Organization

PRIMARY_CARE = "Harborview Family Medicine"


def _sign(*, organization: Organization, client, actor: User, now: dt.datetime, **recipient) -> Consent:
    return consent_record(
        organization=organization,
        client=client,
        information=[k.value for k in InformationKind],
        information_detail="Records of this episode of care, from admission to discharge.",
        purpose=DisclosurePurpose.CONTINUITY,
        purpose_detail="Continuity of care after the intensive outpatient program.",
        expires_on=organization.local_today(now) + dt.timedelta(days=365),
        expiry_event="End of aftercare",
        right_to_revoke_explained=True,
        signature_method="electronic",
        signed_name=f"{client.first_name} {client.last_name}",
        signature_confirmed=True,
        actor=actor,
        now=now,
        **recipient,
    )


def consent_seed(
    *,
    organization: Organization,
    plans: Iterable[TransitionPlan],
    blocked: Iterable[TransitionPlan] = (),
    send_for: Iterable[TransitionPlan] = (),
    actor: User,
    now: dt.datetime | None = None,
) -> list[Consent]:
    """Consents for the plans' receiving providers (none for `blocked`), and records sent for
    `send_for`. Returns the consents recorded now."""
    now = now or timezone.now()
    blocked_ids = {p.pk for p in blocked}
    send_ids = {p.pk for p in send_for}
    recorded = []
    for plan in plans:
        client = plan.episode.client
        provider = plan.receiving_provider
        if plan.pk in blocked_ids:
            # A consent the client did sign — to another recipient — so the page shows why it blocks.
            if not Consent.objects.filter(
                organization=organization, client=client, recipient_name=PRIMARY_CARE
            ).exists():
                recorded.append(
                    _sign(organization=organization, client=client, actor=actor, now=now, recipient_name=PRIMARY_CARE)
                )
            continue
        if provider is None:
            continue
        if not Consent.objects.filter(
            organization=organization, client=client, recipient_provider=provider, revoked_at__isnull=True
        ).exists():
            recorded.append(
                _sign(organization=organization, client=client, actor=actor, now=now, recipient_provider=provider)
            )
        if plan.pk in send_ids and not records_sent(plan):
            records_send(
                organization=organization,
                episode=plan.episode,
                recipient_provider=provider,
                purpose=DisclosurePurpose.CONTINUITY,
                channel="secure_email",
                actor=actor,
                now=now,
            )
    return recorded


__all__ = ["consent_seed"]
