"""What every change to a request shares: the row lock, the draft-only guard, the return to draft
after an edit, the date-window check, and which statuses may still be edited or decided."""

from __future__ import annotations

import datetime as dt

from authorizations.errors import AuthorizationsErrorCode
from authorizations.models import (
    AuthorizationRequest,
    RequestStatus,
)
from iop.common.exceptions import refuse

EDITABLE_STATUSES = (RequestStatus.DRAFT, RequestStatus.READY)
DECIDABLE_STATUSES = (RequestStatus.SUBMITTED, RequestStatus.PENDED)


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
