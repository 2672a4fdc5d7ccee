"""The database side of the X12 files: the organization's settings read for a file, its
interchange control numbers handed out race-free, and every file kept as an `InteropMessage`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import F

from authorizations.errors import AuthorizationsErrorCode
from authorizations.models import InteropDirection, InteropMessage, InteropSettings
from authorizations.x12.writer import InterchangeIds, interchange_write
from iop.common.exceptions import refuse
from iop.tenancy.models import Organization

if TYPE_CHECKING:
    import datetime as dt

    from iop.accounts.models import User

MAX_CONTROL_NUMBER = 999_999_999  # ISA13 has nine digits


def interop_settings_require(*, organization: Organization, for_what: str) -> InteropSettings:
    """The organization's settings, with what every file needs: who sends it (ISA06), to whom
    (ISA08) and the requesting provider's NPI. Refused, naming what is missing, otherwise."""
    settings = InteropSettings.objects.filter(organization=organization).first()
    missing = []
    if settings is None or not settings.submitter_id:
        missing.append("the submitter id the clearinghouse assigned (ISA06)")
    if settings is None or not settings.receiver_id:
        missing.append("the clearinghouse's receiver id (ISA08)")
    if settings is None or not settings.requester_npi:
        missing.append("the requesting provider's NPI")
    if missing:
        refuse(
            f"The {for_what} cannot be written yet: an organization admin sets {', '.join(missing)} "
            "in the interoperability settings (admin).",
            code=AuthorizationsErrorCode.INTEROP_NOT_CONFIGURED,
            field="__all__",
        )
    assert settings is not None  # refused above otherwise
    return settings


def interchange_ids(settings: InteropSettings) -> InterchangeIds:
    return InterchangeIds(
        sender_qualifier=settings.submitter_qualifier,
        sender_id=settings.submitter_id,
        receiver_qualifier=settings.receiver_qualifier,
        receiver_id=settings.receiver_id,
        application_sender=settings.application_sender_code,
        application_receiver=settings.application_receiver_code,
        production=settings.production,
    )


def originator_id(settings: InteropSettings) -> str:
    """TRN03: "9" and a nine-digit identifier of the requester (the NPI's first nine digits; X12
    reserves "1" for an EIN, which the organization does not record)."""
    return f"9{settings.requester_npi[:9]}"


def control_number_allocate(*, organization: Organization) -> int:
    """The organization's next interchange control number. The counter row stays locked (UPDATE)
    until the caller's transaction ends, so two files written at once never get the same number,
    and a file that is not saved gives its number back."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Allocate a control number inside the transaction that saves the file.")
    updated = InteropSettings.objects.filter(
        organization=organization, last_control_number__lt=MAX_CONTROL_NUMBER
    ).update(last_control_number=F("last_control_number") + 1)
    if not updated:
        refuse(
            "Every interchange control number has been used: ask the clearinghouse how to start again.",
            code=AuthorizationsErrorCode.X12_CONTROL_NUMBERS_EXHAUSTED,
            field="__all__",
        )
    return InteropSettings.objects.filter(organization=organization).values_list("last_control_number", flat=True)[0]


def interop_message_record(
    *,
    organization: Organization,
    format: str,
    direction: str,
    content: str,
    actor: User | None,
    request=None,
    packet=None,
    coverage=None,
    interchange_control_number: str | None = None,
    group_control_number: str | None = None,
    transaction_set_control_number: str | None = None,
    trace_number: str = "",
) -> InteropMessage:
    """Keep a file as sent or received (control numbers only for X12)."""
    if direction not in InteropDirection.values:
        raise ValueError(direction)
    return InteropMessage.objects.create(
        organization=organization,
        format=format,
        direction=direction,
        request=request,
        packet=packet,
        coverage=coverage,
        interchange_control_number=interchange_control_number,
        group_control_number=group_control_number,
        transaction_set_control_number=transaction_set_control_number,
        trace_number=trace_number[:64],
        content=content,
        created_by=actor if getattr(actor, "pk", None) else None,
    )


def outbound_interchange_record(
    *,
    organization: Organization,
    settings: InteropSettings,
    at: dt.datetime,
    functional_id: str,
    version: str,
    transaction_set: str,
    transactions: Sequence[Sequence[str]],
    format: str,
    actor: User | None,
    trace_number: str,
    request=None,
    packet=None,
    coverage=None,
) -> InteropMessage:
    """Write `transactions` as one interchange under the organization's next control number and
    keep it as sent: the one way a 278 or a 270 leaves (call inside the saving transaction)."""
    number = control_number_allocate(organization=organization)
    content = interchange_write(
        ids=interchange_ids(settings),
        control_number=number,
        at=at,
        functional_id=functional_id,
        version=version,
        transaction_set=transaction_set,
        transactions=transactions,
    )
    return interop_message_record(
        organization=organization,
        format=format,
        direction=InteropDirection.OUTBOUND,
        content=content,
        actor=actor,
        request=request,
        packet=packet,
        coverage=coverage,
        interchange_control_number=f"{number:09d}",
        group_control_number=str(number),
        transaction_set_control_number="0001",
        trace_number=trace_number,
    )
