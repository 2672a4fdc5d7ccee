"""The payer's determination of a request: an approval creates the Authorization with one line per
approved code (or extends the authorization a renewal continues), and tells the client and the
staff; a pend asks for information; a denial closes the request."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.db import transaction
from django.utils import timezone

from authorizations.appeals.services import denial_case_open
from authorizations.errors import AuthorizationsErrorCode
from authorizations.models import (
    APPROVING_ACTIONS,
    Authorization,
    AuthorizationLine,
    AuthorizationLineStatus,
    AuthorizationRequest,
    AuthorizationStatus,
    CodeSystem,
    Determination,
    DeterminationAction,
    InteropMessage,
    LevelOfCare,
    RequestStatus,
    ServiceLine,
    ServiceTrack,
    UnitType,
)
from authorizations.requests.selectors import codes_by_value, determination_authorization
from authorizations.requests.services.editing import (
    accepts_determination,
    awaits_approval_after_reversal,
    request_locked,
    window_check,
)
from authorizations.requests.services.notices import approval_notify
from authorizations.requests.services.workflow import pend_record
from authorizations.reviews.services.calendar import review_schedule
from authorizations.units.selectors import code_tracks, primary_index
from authorizations.units.services import authorization_summary_sync, chase_tasks_close, unauthorized_days_resolve
from iop.common.dates import date_range
from iop.common.exceptions import refuse

if TYPE_CHECKING:
    from iop.accounts.models import User

__all__ = ["ApprovedLine", "determination_authorization", "determination_record"]


@dataclass(frozen=True)
class ApprovedLine:
    """One approved code of a 278 response's service loop: its units, window and delivery pattern.
    `service_line_id` names the request line it answers (else the request's line of that code);
    `unit_type` empty takes the request line's (else the code list's)."""

    code: str
    units: int
    start_date: dt.date
    end_date: dt.date
    unit_type: str = ""
    frequency_per_week: Decimal | None = None
    service_line_id: UUID | None = None


# --- Determinations -------------------------------------------------------------------------------


def _step_down_announce(determination: Determination, *, episode, actor: User | None) -> None:
    """The payer recommended another level of care: tell the apps above (the discharge app's
    transition plan) once this determination is committed (authorizations/hooks.py)."""
    from authorizations.hooks import step_down_recommended

    level = determination.recommended_level_of_care
    transaction.on_commit(
        lambda: step_down_recommended.send(
            sender=Determination, episode=episode, determination=determination, level_of_care=level, actor=actor
        )
    )


@transaction.atomic
def determination_record(
    *,
    request: AuthorizationRequest,
    action: str,
    authorization_number: str = "",
    lines: Sequence[ApprovedLine] = (),
    approved_code: str = "",
    approved_units: int | None = None,
    unit_type: str = "",
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
    reason: str = "",
    reason_code: str = "",
    administrative_reference: str = "",
    recommended_level_of_care: str = "",
    next_review_date: dt.date | None = None,
    information_due: dt.date | None = None,
    decided_at: dt.datetime | None = None,
    source_message: InteropMessage | None = None,
    actor: User | None,
) -> Determination:
    """The payer's answer (X12 278 HCR01). A4 pends the request: the reason is the information
    asked for, `information_due` (required) the date it is due, as `request_pend`. A1/A2/A6
    determine it and approve `lines` (one per code, each with its units and window; without them
    one line from `approved_code`/`approved_units`/dates, the request's group code by default):
    each line is certified in total (A1), or partially (A2) when it gives fewer units or ends
    earlier than the request line it answers asked. The Authorization's window is the union of its
    lines. A renewal (`request.prior_authorization`) approved under the prior authorization's own
    number extends it (its lines added, its end moved, active again); under a new number it is a
    new authorization continuing the prior one. Then the client is told on their channel and the
    intake specialists and VAs in-app. A3 and C determine it without an authorization. Either way
    the request's open chase tasks close (and an approved renewal's, those of the authorization it
    continues). `source_message`: the payer's file it was imported from (a 278 response, a
    ClaimResponse), kept on the determination."""
    request = request_locked(request)
    now = timezone.now()
    decided_at = decided_at or now
    if action not in DeterminationAction.values:
        refuse("Choose the payer's decision.", code=AuthorizationsErrorCode.INVALID_ACTION, field="action")
    if not accepts_determination(request, action):
        if awaits_approval_after_reversal(request):
            message = "The denial was reversed: record the payer's approval."
        elif request.status == RequestStatus.DETERMINED:
            message = "The request already has its determination."
        else:
            message = "Submit the request before recording the payer's answer."
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
    if recommended_level_of_care and recommended_level_of_care not in LevelOfCare.values:
        refuse(
            "Choose the level of care the payer recommends.",
            code=AuthorizationsErrorCode.UNKNOWN_CHOICE,
            field="recommended_level_of_care",
        )
    approving = action in APPROVING_ACTIONS
    # The Determination's columns (when approving, its code/units/dates summarize the lines).
    values: dict[str, Any] = {
        "authorization_number": (authorization_number or "").strip(),
        "approved_code": (approved_code or "").strip().upper(),
        "approved_units": approved_units,
        "unit_type": unit_type or "",
        "start_date": start_date,
        "end_date": end_date,
        "reason": (reason or "").strip(),
        "reason_code": (reason_code or "").strip().upper(),
        "administrative_reference": (administrative_reference or "").strip(),
        "recommended_level_of_care": recommended_level_of_care or "",
        "next_review_date": next_review_date,
    }
    planned: list[_PlannedLine] = []
    prior: Authorization | None = None
    if approving:
        if not values["authorization_number"]:
            refuse(
                "Enter the authorization number the payer gave.",
                code=AuthorizationsErrorCode.REQUIRED,
                field="authorization_number",
            )
        requested = list(ServiceLine.objects.filter(organization_id=request.organization_id, request_id=request.pk))
        if not lines:
            lines = [_single_line(request, requested, values)]
        planned = _lines_check(request, requested, list(lines))
        prior_id = request.prior_authorization_id
        if prior_id is not None:
            # Same number: the payer extended the prior authorization (else a new one continues it).
            prior = (
                Authorization.objects.select_for_update()
                .filter(pk=prior_id, number=values["authorization_number"])
                .first()
            )
        if prior is not None:
            _overlap_check(prior, planned)
        start = min(p.start_date for p in planned)
        if values["next_review_date"] and values["next_review_date"] < start:
            refuse(
                "The next review is before the authorization starts.",
                code=AuthorizationsErrorCode.REVIEW_BEFORE_START,
                field="next_review_date",
            )
        primary = planned[primary_index(planned, code_tracks(organization=request.organization))]
        values.update(
            approved_code=primary.code,
            approved_units=primary.units,
            unit_type=primary.unit_type,
            start_date=start,
            end_date=max(p.end_date for p in planned),
        )
    elif start_date and end_date:
        window_check(start_date, end_date)
    determination = Determination.objects.create(
        organization_id=request.organization_id,
        request=request,
        action=action,
        decided_at=decided_at,
        recorded_by=actor,
        source_message=source_message,
        **values,
    )
    if determination.recommended_level_of_care:
        _step_down_announce(determination, episode=request.episode, actor=actor)
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
    # The request's own tasks close; an approved renewal or extension also settles the chase of
    # the authorization it continues (its end and its units are taken care of).
    renewed = [request.prior_authorization_id] if approving and request.prior_authorization_id else []
    chase_tasks_close(
        organization=request.organization,
        request=request,
        authorization_ids=renewed,
        note="Decided",
        actor=actor,
        now=now,
    )
    request.status = RequestStatus.DETERMINED
    request.save(update_fields=["status", "updated_at"])
    if approving:
        authorization = _authorization_approve(request, determination, planned, prior=prior)
        # Days attended while waiting for this approval are covered now: their flags close.
        unauthorized_days_resolve(authorization=authorization)
        approval_notify(request=request, determination=determination, authorization=authorization)
        # Every approved authorization has its next review (the payer's date, else the cadence).
        review_schedule(authorization=authorization, actor=actor)
    elif action == DeterminationAction.NOT_CERTIFIED:
        # A denial is a case to work, not the end: its peer-to-peer and appeal clocks start now.
        denial_case_open(determination=determination, actor=actor)
    return determination


@dataclass(frozen=True)
class _PlannedLine:
    code: str
    code_system: str
    unit_type: str
    units: int
    start_date: dt.date
    end_date: dt.date
    frequency_per_week: Decimal | None
    asked: ServiceLine | None

    @property
    def units_requested(self) -> int | None:
        if self.asked is None:
            return None
        return self.asked.units * self.asked.estimated_sessions or None

    @property
    def requested_end_date(self) -> dt.date | None:
        return self.asked.end_date if self.asked is not None else None

    @property
    def is_partial(self) -> bool:
        fewer = self.units_requested is not None and self.units < self.units_requested
        shorter = self.requested_end_date is not None and self.end_date < self.requested_end_date
        return fewer or shorter


def _single_line(request: AuthorizationRequest, requested: list[ServiceLine], values: dict[str, Any]) -> ApprovedLine:
    """The one line of an approval recorded without lines, as before lines existed: the approved
    code (default: the request's group line's), units and window."""
    code = values["approved_code"] or next((line.code for line in requested if line.track == ServiceTrack.GROUP), "")
    if not code:
        refuse("Say which code was approved.", code=AuthorizationsErrorCode.REQUIRED, field="approved_code")
    units = values["approved_units"]
    if units is None or int(units) < 1:
        refuse(
            "Approved units must be at least 1.",
            code=AuthorizationsErrorCode.UNITS_NOT_POSITIVE,
            field="approved_units",
        )
    start, end = values["start_date"], values["end_date"]
    if start is None:
        refuse(
            "Enter the first day the authorization covers.", code=AuthorizationsErrorCode.REQUIRED, field="start_date"
        )
    if end is None:
        refuse("Enter the last day the authorization covers.", code=AuthorizationsErrorCode.REQUIRED, field="end_date")
    window_check(start, end)
    unit_type = values["unit_type"]
    if unit_type and unit_type not in UnitType.values:
        refuse("Choose the unit type of the approval.", code=AuthorizationsErrorCode.REQUIRED, field="unit_type")
    line = ApprovedLine(code=code, units=int(units), start_date=start, end_date=end, unit_type=unit_type)
    if not unit_type and _unit_type_of(request, requested, line) not in UnitType.values:
        refuse("Choose the unit type of the approval.", code=AuthorizationsErrorCode.REQUIRED, field="unit_type")
    return line


def _unit_type_of(request: AuthorizationRequest, requested: list[ServiceLine], line: ApprovedLine) -> str:
    if line.unit_type:
        return line.unit_type
    asked = next((r for r in requested if r.code == line.code), None)
    if asked is not None:
        return asked.unit_type
    return getattr(codes_by_value(request.organization).get(line.code), "unit_type", "")


def _asked_for(requested: list[ServiceLine], line: ApprovedLine, code: str) -> ServiceLine | None:
    """The request line an approved line answers: the one it names, else the request's line of
    its code whose window overlaps it (the earliest), else the earliest of that code."""
    if line.service_line_id is not None:
        return next((r for r in requested if r.pk == line.service_line_id), None)
    same = sorted((r for r in requested if r.code == code), key=lambda r: r.start_date)
    overlapping = [r for r in same if r.start_date <= line.end_date and r.end_date >= line.start_date]
    candidates = overlapping or same
    return candidates[0] if candidates else None


def _lines_check(
    request: AuthorizationRequest, requested: list[ServiceLine], lines: list[ApprovedLine]
) -> list[_PlannedLine]:
    """Each approved line checked (field names `lines-<n>-<field>`, n from 0), with what its request
    line asked. An approval may differ from what was asked (fewer units, another window, a code
    not asked for: the payer decides), but a line needs a code, at least one unit, a known unit
    type and an end on or after its start, and a code appears once per window."""
    codes = None
    planned: list[_PlannedLine] = []
    for n, line in enumerate(lines):
        prefix = f"lines-{n}-"
        code = (line.code or "").strip().upper()
        if not code:
            refuse(
                f"Line {n + 1}: say which code was approved.",
                code=AuthorizationsErrorCode.REQUIRED,
                field=f"{prefix}code",
            )
        if line.units is None or int(line.units) < 1:
            refuse(
                f"Line {n + 1} ({code}): approved units must be at least 1.",
                code=AuthorizationsErrorCode.UNITS_NOT_POSITIVE,
                field=f"{prefix}units",
            )
        if line.start_date is None or line.end_date is None:
            refuse(
                f"Line {n + 1} ({code}): enter the first and last day it covers.",
                code=AuthorizationsErrorCode.REQUIRED,
                field=f"{prefix}start_date" if line.start_date is None else f"{prefix}end_date",
            )
        if line.end_date < line.start_date:
            refuse(
                f"Line {n + 1} ({code}): the end date is before the start date.",
                code=AuthorizationsErrorCode.END_BEFORE_START,
                field=f"{prefix}end_date",
            )
        if line.frequency_per_week is not None and Decimal(line.frequency_per_week) <= 0:
            refuse(
                f"Line {n + 1} ({code}): the frequency must be above zero.",
                code=AuthorizationsErrorCode.FREQUENCY_NOT_POSITIVE,
                field=f"{prefix}frequency_per_week",
            )
        if line.service_line_id is not None and not any(r.pk == line.service_line_id for r in requested):
            refuse(
                f"Line {n + 1} ({code}) answers a line that is not on this request.",
                code=AuthorizationsErrorCode.UNKNOWN_REQUEST_LINE,
                field=f"{prefix}service_line_id",
            )
        asked = _asked_for(requested, line, code)
        # A code put in place of the one asked (A6) brings its own unit type and code system.
        same_code = asked is not None and asked.code == code
        unit_type = line.unit_type or (asked.unit_type if asked is not None and same_code else "")
        code_system = asked.code_system if asked is not None and same_code else ""
        if not unit_type or not code_system:
            codes = codes if codes is not None else codes_by_value(request.organization)
            known = codes.get(code)
            unit_type = unit_type or (known.unit_type if known is not None else "")
            code_system = code_system or (known.code_system if known is not None else CodeSystem.HCPCS)
        if unit_type not in UnitType.values:
            refuse(
                f"Line {n + 1} ({code}): choose the unit type the payer approved"
                f" ({', '.join(str(label).lower() for label in UnitType.labels)}).",
                code=AuthorizationsErrorCode.UNKNOWN_UNIT_TYPE,
                field=f"{prefix}unit_type",
            )
        for other in planned:
            if other.code == code and other.start_date <= line.end_date and other.end_date >= line.start_date:
                refuse(
                    f"Line {n + 1}: {code} is already approved on another line for these dates.",
                    code=AuthorizationsErrorCode.DUPLICATE_LINE,
                    field=f"{prefix}code",
                )
        planned.append(
            _PlannedLine(
                code=code,
                code_system=code_system,
                unit_type=unit_type,
                units=int(line.units),
                start_date=line.start_date,
                end_date=line.end_date,
                frequency_per_week=(
                    Decimal(line.frequency_per_week)
                    if line.frequency_per_week is not None
                    else (asked.frequency_per_week if asked is not None else None)
                ),
                asked=asked,
            )
        )
    if not planned:
        refuse("Approve at least one line.", code=AuthorizationsErrorCode.REQUIRED, field="lines")
    return planned


def _overlap_check(prior: Authorization, planned: list[_PlannedLine]) -> None:
    """An extension adds new windows: a code it approves again must not overlap that code's
    existing line (that would count the same days twice)."""
    for existing in prior.lines.all():
        for n, line in enumerate(planned):
            if (
                existing.code == line.code
                and existing.start_date <= line.end_date
                and existing.end_date >= line.start_date
            ):
                refuse(
                    f"Line {n + 1}: {line.code} is already authorized for"
                    f" {date_range(existing.start_date, existing.end_date)}; an extension starts after that.",
                    code=AuthorizationsErrorCode.DUPLICATE_LINE,
                    field=f"lines-{n}-start_date",
                )


def _authorization_approve(
    request: AuthorizationRequest,
    determination: Determination,
    planned: list[_PlannedLine],
    *,
    prior: Authorization | None,
) -> Authorization:
    """The new authorization (continuing `request.prior_authorization` when there is one), or
    `prior` extended when the renewal kept its number; then its lines and its window."""
    primary = planned[primary_index(planned, code_tracks(organization=request.organization))]
    if prior is not None:
        authorization = prior
        authorization.status = AuthorizationStatus.ACTIVE
        if determination.next_review_date:
            authorization.next_review_date = determination.next_review_date
    else:
        authorization = Authorization.objects.create(
            organization_id=request.organization_id,
            episode=request.episode,
            coverage=request.coverage,
            determination=determination,
            number=determination.authorization_number,
            prior_id=request.prior_authorization_id,
            # The summary columns, kept equal to the lines by authorization_summary_sync below.
            code=primary.code,
            unit_type=primary.unit_type,
            units_authorized=primary.units,
            start_date=min(p.start_date for p in planned),
            end_date=max(p.end_date for p in planned),
            next_review_date=determination.next_review_date,
        )
    AuthorizationLine.objects.bulk_create(
        [
            AuthorizationLine(
                id=uuid.uuid4(),
                organization_id=request.organization_id,
                authorization=authorization,
                determination=determination,
                service_line=p.asked,
                status=_line_status(p, determination.action),
                code_system=p.code_system,
                code=p.code,
                unit_type=p.unit_type,
                units_authorized=p.units,
                frequency_per_week=p.frequency_per_week,
                start_date=p.start_date,
                end_date=p.end_date,
                units_requested=p.units_requested,
                requested_end_date=p.requested_end_date,
            )
            for p in planned
        ]
    )
    return authorization_summary_sync(authorization=authorization)


def _line_status(line: _PlannedLine, action: str) -> str:
    """A2 when the line gives less than its request line asked (or the payer called a line it
    cannot compare partial); A6 for a code the payer put in place of what was asked; else A1."""
    if line.is_partial or (action == DeterminationAction.PARTIAL and line.asked is None):
        return AuthorizationLineStatus.PARTIAL
    if action == DeterminationAction.MODIFIED and (line.asked is None or line.asked.code != line.code):
        return AuthorizationLineStatus.MODIFIED
    return AuthorizationLineStatus.CERTIFIED
