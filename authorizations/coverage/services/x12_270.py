"""A coverage's X12 270 eligibility request (005010X279A1), for staff to submit through their
clearinghouse: the payer, the requesting provider, the subscriber (and the client as a dependent
when they are not the subscriber), the day asked about and the service types — the payer's own
list when it has one, else the organization's (30, MH, AI, CB by default): data an admin edits.
Kept as an outbound `InteropMessage` with its TRN trace number, which the 271 echoes (TRN*2) so
its import pairs the answer with this question (`x12_import`)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from authorizations.errors import AuthorizationsErrorCode
from authorizations.models import (
    DEFAULT_ELIGIBILITY_SERVICE_TYPES,
    Coverage,
    InteropFormat,
    InteropMessage,
    InteropSettings,
    SubscriberRelationship,
)
from authorizations.x12 import services as x12_services
from authorizations.x12 import x270
from authorizations.x12.x278 import Person
from iop.common.exceptions import refuse

if TYPE_CHECKING:
    from iop.accounts.models import User


def eligibility_service_types(*, coverage: Coverage, settings: InteropSettings) -> list[str]:
    """The service types (EQ01) a 270 for this coverage asks about: its payer's, else the organization's."""
    return list(
        coverage.payer.eligibility_service_types
        or settings.eligibility_service_types
        or DEFAULT_ELIGIBILITY_SERVICE_TYPES
    )


def _split_name(full: str) -> tuple[str, str]:
    full = (full or "").strip()
    if "," in full:
        last, first = full.split(",", 1)
        return last.strip(), first.strip()
    parts = full.split()
    return (parts[-1], " ".join(parts[:-1])) if parts else ("", "")


def inquiry_270(*, coverage: Coverage, settings: InteropSettings, on: dt.date, trace: str) -> x270.Inquiry270:
    payer = coverage.payer
    if not payer.payer_id:
        refuse(
            f"{payer.name} has no electronic payer id: an organization admin adds it to the payer (admin).",
            code=AuthorizationsErrorCode.PAYER_ID_REQUIRED,
            field="__all__",
        )
    client = coverage.client
    patient = Person(
        last_name=client.last_name,
        first_name=client.first_name,
        date_of_birth=client.date_of_birth,
        member_id=coverage.member_id,
    )
    if coverage.subscriber_relationship == SubscriberRelationship.SELF:
        subscriber, dependent = patient, None
    else:
        last, first = _split_name(coverage.subscriber_name)
        if not last:
            refuse(
                "The coverage's subscriber is someone else: enter the subscriber's name on the coverage first.",
                code=AuthorizationsErrorCode.X12_NOT_SENDABLE,
                field="__all__",
            )
        subscriber = Person(
            last_name=last,
            first_name=first,
            date_of_birth=coverage.subscriber_date_of_birth,
            member_id=coverage.member_id,
        )
        dependent = patient
    return x270.Inquiry270(
        trace=trace,
        originator_id=x12_services.originator_id(settings),
        payer_name=payer.name,
        payer_id=payer.payer_id,
        provider_name=settings.requester_name or coverage.organization.name,
        provider_npi=settings.requester_npi,
        subscriber=subscriber,
        dependent=dependent,
        group_number=coverage.group_number,
        on=on,
        service_types=eligibility_service_types(coverage=coverage, settings=settings),
    )


@transaction.atomic
def x12_270_download(
    *, coverage: Coverage, actor: User | None, on: dt.date | None = None, now: dt.datetime | None = None
) -> InteropMessage:
    """The coverage's 270 for `on` (default today in the organization's zone), under the
    organization's next interchange control number, kept with its trace number."""
    organization = coverage.organization
    now = (now or timezone.now()).astimezone(organization.tzinfo)
    settings = x12_services.interop_settings_require(organization=organization, for_what="270")
    trace = f"E{uuid.uuid4().hex[:15].upper()}"
    body = x270.inquiry_segments(
        inquiry_270(coverage=coverage, settings=settings, on=on or now.date(), trace=trace), created_at=now
    )
    return x12_services.outbound_interchange_record(
        organization=organization,
        settings=settings,
        at=now,
        functional_id=x270.FUNCTIONAL_ID,
        version=x270.VERSION,
        transaction_set="270",
        transactions=[body],
        format=InteropFormat.X12_270_REQUEST,
        actor=actor,
        coverage=coverage,
        trace_number=trace,
    )
