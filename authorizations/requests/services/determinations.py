"""The payer's determination of a request: an approval creates the Authorization (and tells the
client and the staff), a pend asks for information, a denial closes the request."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from authorizations.errors import AuthorizationsErrorCode
from authorizations.models import (
    APPROVING_ACTIONS,
    Authorization,
    AuthorizationRequest,
    Determination,
    DeterminationAction,
    RequestStatus,
    ServiceTrack,
    UnitType,
)
from authorizations.requests.selectors import codes_by_value
from authorizations.requests.services.editing import DECIDABLE_STATUSES, request_locked, window_check
from authorizations.requests.services.notices import approval_notify
from authorizations.requests.services.workflow import pend_record
from authorizations.units.services import chase_tasks_close, unauthorized_days_resolve
from iop.common.exceptions import refuse

if TYPE_CHECKING:
    from iop.accounts.models import User

# --- Determinations -------------------------------------------------------------------------------


@transaction.atomic
def determination_record(
    *,
    request: AuthorizationRequest,
    action: str,
    authorization_number: str = "",
    approved_code: str = "",
    approved_units: int | None = None,
    unit_type: str = "",
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
    reason: str = "",
    next_review_date: dt.date | None = None,
    information_due: dt.date | None = None,
    decided_at: dt.datetime | None = None,
    actor: User | None,
) -> Determination:
    """The payer's answer (X12 278 HCR01). A4 pends the request: the reason is the information
    asked for, `information_due` (required) the date it is due, as `request_pend`. A1/A2/A6
    determine it and create the Authorization (number, units ≥ 1, dates required), then tell the
    client on their channel and the intake specialists and VAs in-app; A3 and C determine it
    without one. Either way the request's open chase tasks close."""
    request = request_locked(request)
    now = timezone.now()
    decided_at = decided_at or now
    if action not in DeterminationAction.values:
        refuse("Choose the payer's decision.", code=AuthorizationsErrorCode.INVALID_ACTION, field="action")
    if request.status not in DECIDABLE_STATUSES:
        message = (
            "The request already has its determination."
            if request.status == RequestStatus.DETERMINED
            else "Submit the request before recording the payer's answer."
        )
        refuse(message, code=AuthorizationsErrorCode.INVALID_STATUS, field="__all__")
    if decided_at > now + dt.timedelta(minutes=5):
        refuse(
            "The decision date is in the future.", code=AuthorizationsErrorCode.DECIDED_IN_FUTURE, field="decided_at"
        )
    if request.submitted_at and decided_at < request.submitted_at - dt.timedelta(days=1):
        refuse(
            "The decision date is before the request was submitted.",
            code=AuthorizationsErrorCode.DECIDED_BEFORE_SUBMISSION,
            field="decided_at",
        )
    approving = action in APPROVING_ACTIONS
    # The Determination's columns (and the Authorization's, when approving: _approval_values checks them).
    values: dict[str, Any] = {
        "authorization_number": (authorization_number or "").strip(),
        "approved_code": (approved_code or "").strip().upper(),
        "approved_units": approved_units,
        "unit_type": unit_type or "",
        "start_date": start_date,
        "end_date": end_date,
        "reason": (reason or "").strip(),
        "next_review_date": next_review_date,
    }
    if approving:
        values.update(_approval_values(request, values))
    elif start_date and end_date:
        window_check(start_date, end_date)
    determination = Determination.objects.create(
        organization_id=request.organization_id,
        request=request,
        action=action,
        decided_at=decided_at,
        recorded_by=actor,
        **values,
    )
    if action == DeterminationAction.PENDED:
        pend_record(
            request,
            information_requested=values["reason"],
            information_due=information_due,
            requested_field="reason",
            actor=actor,
            now=now,
        )
        return determination
    chase_tasks_close(organization=request.organization, request=request, note="Decided", actor=actor, now=now)
    request.status = RequestStatus.DETERMINED
    request.save(update_fields=["status", "updated_at"])
    if approving:
        authorization = Authorization.objects.create(
            organization_id=request.organization_id,
            episode=request.episode,
            coverage=request.coverage,
            determination=determination,
            number=values["authorization_number"],
            code=values["approved_code"],
            unit_type=values["unit_type"],
            units_authorized=values["approved_units"],
            start_date=values["start_date"],
            end_date=values["end_date"],
            next_review_date=values["next_review_date"],
        )
        # Days attended while waiting for this approval are covered now: their flags close.
        unauthorized_days_resolve(authorization=authorization)
        approval_notify(request=request, determination=determination, authorization=authorization)
    return determination


def _approval_values(request: AuthorizationRequest, values: dict[str, Any]) -> dict[str, Any]:
    if not values["authorization_number"]:
        refuse(
            "Enter the authorization number the payer gave.",
            code=AuthorizationsErrorCode.REQUIRED,
            field="authorization_number",
        )
    lines = list(request.lines.all())
    code = values["approved_code"] or next((line.code for line in lines if line.track == ServiceTrack.GROUP), "")
    if not code:
        refuse("Say which code was approved.", code=AuthorizationsErrorCode.REQUIRED, field="approved_code")
    units = values["approved_units"]
    if units is None or int(units) < 1:
        refuse(
            "Approved units must be at least 1.",
            code=AuthorizationsErrorCode.UNITS_NOT_POSITIVE,
            field="approved_units",
        )
    unit_type = values["unit_type"]
    if not unit_type:
        line = next((line for line in lines if line.code == code), None)
        known = line.unit_type if line else getattr(codes_by_value(request.organization).get(code), "unit_type", "")
        unit_type = known
    if unit_type not in UnitType.values:
        refuse("Choose the unit type of the approval.", code=AuthorizationsErrorCode.REQUIRED, field="unit_type")
    start, end = values["start_date"], values["end_date"]
    if start is None:
        refuse(
            "Enter the first day the authorization covers.", code=AuthorizationsErrorCode.REQUIRED, field="start_date"
        )
    if end is None:
        refuse("Enter the last day the authorization covers.", code=AuthorizationsErrorCode.REQUIRED, field="end_date")
    window_check(start, end)
    if values["next_review_date"] and values["next_review_date"] < start:
        refuse(
            "The next review is before the authorization starts.",
            code=AuthorizationsErrorCode.REVIEW_BEFORE_START,
            field="next_review_date",
        )
    return {"approved_code": code, "approved_units": int(units), "unit_type": unit_type}
