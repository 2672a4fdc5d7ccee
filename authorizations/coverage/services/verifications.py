"""Writes for a verification recorded by hand (the payer's portal, a phone call): who, when, how,
the reference number and what the payer said; and the checked save every verification goes through
(an imported 271's too, see `x12_import`)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from authorizations.errors import AuthorizationsErrorCode
from authorizations.models import Answer, BenefitVerification, Coverage, NetworkStatus, VerificationMethod
from iop.common.exceptions import refuse

if TYPE_CHECKING:
    from iop.accounts.models import User


def _check_amounts(values: dict[str, Any]) -> None:
    for name, label in (
        ("deductible", "The deductible"),
        ("deductible_met", "The deductible met"),
        ("out_of_pocket_max", "The out-of-pocket maximum"),
        ("out_of_pocket_met", "The out-of-pocket met"),
        ("copay", "The copay"),
        ("coinsurance_percent", "The coinsurance"),
    ):
        value = values.get(name)
        if value is not None and value < 0:
            refuse(f"{label} cannot be negative.", code=AuthorizationsErrorCode.AMOUNT_NEGATIVE, field=name)
    for total, met, label in (
        ("deductible", "deductible_met", "deductible"),
        ("out_of_pocket_max", "out_of_pocket_met", "out-of-pocket maximum"),
    ):
        if values.get(total) is not None and values.get(met) is not None and values[met] > values[total]:
            refuse(
                f"The amount met cannot be more than the {label}.",
                code=AuthorizationsErrorCode.AMOUNT_MET_OVER_TOTAL,
                field=met,
            )
    coinsurance = values.get("coinsurance_percent")
    if coinsurance is not None and coinsurance > 100:
        refuse(
            "The coinsurance is a percentage from 0 to 100.",
            code=AuthorizationsErrorCode.COINSURANCE_OUT_OF_RANGE,
            field="coinsurance_percent",
        )
    for name in ("visit_limit", "day_limit"):
        if values.get(name) is not None and values[name] < 0:
            refuse("A limit cannot be negative.", code=AuthorizationsErrorCode.AMOUNT_NEGATIVE, field=name)
    for name, choices in (
        ("network_status", NetworkStatus.values),
        ("mental_health_iop", Answer.values),
        ("substance_use_iop", Answer.values),
        ("authorization_required", Answer.values),
        ("method", VerificationMethod.values),
    ):
        if name in values and values[name] not in choices:
            refuse("Choose one of the options.", code=AuthorizationsErrorCode.UNKNOWN_CHOICE, field=name)


def verification_save(values: dict[str, Any]) -> BenefitVerification:
    """Save a verification's values (recorded by hand or imported from a 271) after the model's
    field checks; refused as `verification_fields` with the fields at fault."""
    verification = BenefitVerification(**values)
    try:
        # The coverage is the caller's (already found in the tenant); a job may record without a user.
        verification.full_clean(exclude=["coverage", "verified_by"])
    except ValidationError as exc:
        extra = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        refuse("Check the verification.", code=AuthorizationsErrorCode.VERIFICATION_FIELDS, extra=extra)
    verification.save()
    return verification


@transaction.atomic
def verification_record(
    *,
    coverage: Coverage,
    actor: User | None,
    method: str,
    verified_at: dt.datetime | None = None,
    reference_number: str = "",
    network_status: str = NetworkStatus.UNKNOWN,
    mental_health_iop: str = Answer.UNKNOWN,
    substance_use_iop: str = Answer.UNKNOWN,
    deductible: Decimal | None = None,
    deductible_met: Decimal | None = None,
    out_of_pocket_max: Decimal | None = None,
    out_of_pocket_met: Decimal | None = None,
    copay: Decimal | None = None,
    coinsurance_percent: Decimal | None = None,
    authorization_required: str = Answer.UNKNOWN,
    visit_limit: int | None = None,
    day_limit: int | None = None,
    plan_year_start: dt.date | None = None,
    notes: str = "",
    now: dt.datetime | None = None,
) -> BenefitVerification:
    """A verification done on the payer's portal or by phone (who, when, how, the reference
    number and what the payer said). Refused: a time in the future, negative amounts, an amount
    met above its total, a coinsurance above 100 %."""
    now = now or timezone.now()
    verified_at = verified_at or now
    if verified_at > now + dt.timedelta(minutes=5):
        refuse(
            "The verification cannot be in the future.",
            code=AuthorizationsErrorCode.VERIFIED_IN_FUTURE,
            field="verified_at",
        )
    values = {
        "organization_id": coverage.organization_id,
        "coverage": coverage,
        "verified_by": actor if getattr(actor, "pk", None) else None,
        "verified_at": verified_at,
        "method": method,
        "reference_number": (reference_number or "").strip(),
        "network_status": network_status,
        "mental_health_iop": mental_health_iop,
        "substance_use_iop": substance_use_iop,
        "deductible": deductible,
        "deductible_met": deductible_met,
        "out_of_pocket_max": out_of_pocket_max,
        "out_of_pocket_met": out_of_pocket_met,
        "copay": copay,
        "coinsurance_percent": coinsurance_percent,
        "authorization_required": authorization_required,
        "visit_limit": visit_limit,
        "day_limit": day_limit,
        "plan_year_start": plan_year_start,
        "notes": (notes or "").strip(),
    }
    _check_amounts(values)
    return verification_save(values)
