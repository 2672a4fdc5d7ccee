"""What every change to a request shares: the row lock, the draft-only guard, the return to draft
after an edit, the date-window check, and which statuses may still be edited or decided."""

from __future__ import annotations

import datetime as dt

from authorizations.errors import AuthorizationsErrorCode
from authorizations.models import (
    APPROVING_ACTIONS,
    AuthorizationRequest,
    CaseStatus,
    DeterminationAction,
    RequestStatus,
)
from iop.common.exceptions import refuse

EDITABLE_STATUSES = (RequestStatus.DRAFT, RequestStatus.READY)
DECIDABLE_STATUSES = (RequestStatus.SUBMITTED, RequestStatus.PENDED)
# A denial the payer reversed (at the peer-to-peer or on appeal): its request takes the approval.
REVERSED_DENIALS = (CaseStatus.OVERTURNED, CaseStatus.PARTIALLY_OVERTURNED)


def awaits_approval_after_reversal(request: AuthorizationRequest) -> bool:
    """The request was denied, the denial was reversed, and the payer's approval is not recorded
    yet (two queries at most)."""
    if request.status != RequestStatus.DETERMINED:
        return False
    decisions = list(request.determinations.order_by("-decided_at").select_related("denial_case"))
    if any(d.action in APPROVING_ACTIONS for d in decisions):
        return False
    denial = next((d for d in decisions if d.action == DeterminationAction.NOT_CERTIFIED), None)
    case = getattr(denial, "denial_case", None) if denial is not None else None
    return case is not None and case.status in REVERSED_DENIALS


def accepts_determination(request: AuthorizationRequest, action: str = "") -> bool:
    """Whether the payer's answer can be recorded on the request now: a submitted or pended
    request takes any; a denied one whose denial was reversed takes its approval only."""
    if request.status in DECIDABLE_STATUSES:
        return True
    return (not action or action in APPROVING_ACTIONS) and awaits_approval_after_reversal(request)


def request_locked(request: AuthorizationRequest) -> AuthorizationRequest:
    """The request row locked for the rest of the transaction (one status change at a time), with
    what the services read of it."""
    locked = (
        AuthorizationRequest.objects.select_for_update(of=("self",))
        .select_related("episode__client", "episode__treatment_plan", "coverage__payer", "packet", "organization")
        .get(pk=request.pk)
    )
    return locked


def request_ensure_editable(request: AuthorizationRequest) -> None:
    if request.status not in EDITABLE_STATUSES:
        refuse(
            f"The request is {request.get_status_display().lower()}: only a draft can be changed.",
            code=AuthorizationsErrorCode.NOT_EDITABLE,
            field="__all__",
        )


def request_back_to_draft(request: AuthorizationRequest) -> None:
    """A change to a ready request needs checking again: it goes back to draft."""
    if request.status == RequestStatus.READY:
        request.status = RequestStatus.DRAFT
    request.save(update_fields=["status", "updated_at"])


def window_check(start: dt.date, end: dt.date, *, field: str = "end_date") -> None:
    if end < start:
        refuse("The end date is before the start date.", code=AuthorizationsErrorCode.END_BEFORE_START, field=field)
