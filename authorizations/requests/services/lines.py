"""A request's itemized service lines and what they cost: sessions over the window, units and the
payer's fee in effect, the lines a new request starts with from the treatment plan."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction

from authorizations.errors import AuthorizationsErrorCode
from authorizations.models import (
    AuthorizationRequest,
    FeeScheduleEntry,
    ServiceCode,
    ServiceLine,
    ServiceTrack,
    UnitType,
)
from authorizations.requests.selectors import codes_by_value, default_code_for, fee_for, fees_of
from authorizations.requests.services.editing import (
    request_back_to_draft,
    request_ensure_editable,
    request_locked,
    window_check,
)
from iop.clients.models import TreatmentPlan
from iop.common.dates import date_full
from iop.common.exceptions import refuse

if TYPE_CHECKING:
    from iop.accounts.models import User

# Sessions a week a new request asks for, per track (group: the plan's days a week). Staff edit
# the lines afterwards; these only start the draft.
_DEFAULT_FREQUENCY: dict[str, Decimal] = {
    ServiceTrack.INDIVIDUAL: Decimal("1"),
    ServiceTrack.COUPLES: Decimal("1"),
    ServiceTrack.SUD_COUNSELING: Decimal("1"),
    ServiceTrack.MEDICATION_MANAGEMENT: Decimal("0.5"),  # every other week
}
# Units that count once per occurrence (an evaluation, an instrument) rather than per session.
ONCE_UNIT_TYPES = (UnitType.PER_EVALUATION, UnitType.PER_INSTRUMENT)


# --- Lines: sessions and cost ----------------------------------------------------------------------


def estimated_sessions_for(*, unit_type: str, frequency_per_week: Decimal, start: dt.date, end: dt.date) -> int:
    """How many times the service happens in the window: `ceil(frequency × days / 7)`, at least 1,
    for sessions, days and 15-minute services — and for evaluations and instruments (their units
    count per occurrence) when the line spans more than one week and a frequency is given (an
    instrument repeated weekly); otherwise an evaluation or instrument happens once (an intake
    assessment on its one day)."""
    days = (end - start).days + 1
    frequency = Decimal(frequency_per_week or 0)
    if unit_type in ONCE_UNIT_TYPES and (days <= 7 or frequency <= 0):
        return 1
    return max(1, math.ceil(frequency * days / 7))


def projected_cost_for(*, sessions: int, units: int, unit_rate: Decimal | None) -> Decimal | None:
    """`sessions × units × rate`; None when the payer has no fee on file for the code."""
    if unit_rate is None:
        return None
    return (Decimal(sessions) * units * unit_rate).quantize(Decimal("0.01"))


def line_compute(line: ServiceLine, *, payer_id, fees: list[FeeScheduleEntry]) -> ServiceLine:
    line.estimated_sessions = estimated_sessions_for(
        unit_type=line.unit_type, frequency_per_week=line.frequency_per_week, start=line.start_date, end=line.end_date
    )
    fee = fee_for(fees=fees, payer_id=payer_id, code=line.code, on=line.start_date)
    line.unit_rate = fee.rate if fee is not None else None
    line.projected_cost = projected_cost_for(
        sessions=line.estimated_sessions, units=line.units, unit_rate=line.unit_rate
    )
    return line


def track_lines_build(
    *,
    request: AuthorizationRequest,
    plan: TreatmentPlan,
    codes: dict[str, ServiceCode],
    include_couples: bool,
) -> list[ServiceLine]:
    tracks = [t for t in plan.tracks if t != ServiceTrack.COUPLES]
    if include_couples:
        tracks.append(ServiceTrack.COUPLES)
    lines = []
    for track in [*dict.fromkeys(tracks), ServiceTrack.ASSESSMENT]:
        code = default_code_for(track, codes)
        if code is None:
            continue
        if track == ServiceTrack.GROUP:
            frequency = Decimal(max(plan.required_days_per_week, 1))
        else:
            frequency = _DEFAULT_FREQUENCY.get(track, Decimal("1"))
        lines.append(
            ServiceLine(
                organization_id=request.organization_id,
                request=request,
                track=track,
                code_system=code.code_system,
                code=code.code,
                description=code.descriptor,
                unit_type=code.unit_type,
                units=1,
                frequency_per_week=frequency,
                start_date=request.start_date,
                end_date=request.start_date if track == ServiceTrack.ASSESSMENT else request.end_date,
            )
        )
    return lines


# --- Service lines --------------------------------------------------------------------------------


LINE_FIELDS = ("code", "track", "units", "frequency_per_week", "start_date", "end_date", "description")


def _line_values(request: AuthorizationRequest, values: dict, codes: dict[str, ServiceCode]) -> dict:
    """Check one line's values against the request and the code list; refusals name the field."""
    code_value = (values.get("code") or "").strip().upper()
    code = codes.get(code_value)
    if code is None:
        refuse(
            f"“{code_value}” is not in the organization's code list." if code_value else "Choose a code.",
            code=AuthorizationsErrorCode.UNKNOWN_CODE,
            field="code",
        )
    track = values.get("track") or code.track
    if track not in ServiceTrack.values:
        refuse("Choose a track.", code=AuthorizationsErrorCode.INVALID_TRACK, field="track")
    units = values.get("units")
    if units is None or int(units) < 1:
        refuse("Units must be at least 1.", code=AuthorizationsErrorCode.UNITS_NOT_POSITIVE, field="units")
    if int(units) > 999:
        refuse("Units must be at most 999 a session.", code=AuthorizationsErrorCode.UNITS_TOO_MANY, field="units")
    frequency = values.get("frequency_per_week")
    frequency = Decimal(str(frequency)) if frequency is not None else None
    if frequency is None or frequency <= 0:
        refuse(
            "How often a week must be more than 0.",
            code=AuthorizationsErrorCode.FREQUENCY_NOT_POSITIVE,
            field="frequency_per_week",
        )
    if frequency > 14:
        refuse(
            "How often a week can be at most 14.",
            code=AuthorizationsErrorCode.FREQUENCY_TOO_HIGH,
            field="frequency_per_week",
        )
    exponent = frequency.as_tuple().exponent  # a str only for NaN/infinity, refused above
    if not isinstance(exponent, int) or exponent < -1:
        refuse(
            "Give how often a week to one decimal place.",
            code=AuthorizationsErrorCode.FREQUENCY_PRECISION,
            field="frequency_per_week",
        )
    start = values.get("start_date") or request.start_date
    end = values.get("end_date") or (start if code.unit_type in ONCE_UNIT_TYPES else request.end_date)
    window_check(start, end)
    if start < request.start_date or end > request.end_date:
        refuse(
            f"The line's dates must fall within the request's ({date_full(request.start_date)} to "
            f"{date_full(request.end_date)}).",
            code=AuthorizationsErrorCode.LINE_OUTSIDE_WINDOW,
            field="start_date" if start < request.start_date else "end_date",
        )
    return {
        "track": track,
        "code_system": code.code_system,
        "code": code.code,
        "description": (values.get("description") or "").strip()[:200] or code.descriptor,
        "unit_type": code.unit_type,
        "units": int(units),
        "frequency_per_week": frequency,
        "start_date": start,
        "end_date": end,
    }


@transaction.atomic
def line_add(
    *,
    request: AuthorizationRequest,
    code: str,
    units: int,
    frequency_per_week: Decimal,
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
    track: str = "",
    description: str = "",
    actor: User | None = None,
) -> ServiceLine:
    """Add an itemized line (dates default to the request's); sessions and cost are computed."""
    request = request_locked(request)
    request_ensure_editable(request)
    values = _line_values(
        request,
        {
            "code": code,
            "units": units,
            "frequency_per_week": frequency_per_week,
            "start_date": start_date,
            "end_date": end_date,
            "track": track,
            "description": description,
        },
        codes_by_value(request.organization),
    )
    line = ServiceLine(organization_id=request.organization_id, request=request, **values)
    line_compute(line, payer_id=request.coverage.payer_id, fees=fees_of(request.coverage.payer_id, [line.code]))
    line.save()
    request_back_to_draft(request)
    return line


@transaction.atomic
def line_update(*, line: ServiceLine, data: dict, actor: User | None = None) -> ServiceLine:
    """Change a line's code, units, frequency, dates or description (the others are kept)."""
    request = request_locked(line.request)
    request_ensure_editable(request)
    current = {name: getattr(line, name) for name in LINE_FIELDS}
    if "code" in data and data["code"] != line.code and "track" not in data:
        current["track"] = ""  # a new code brings its own track
    values = _line_values(
        request,
        {**current, **{k: v for k, v in data.items() if k in LINE_FIELDS}},
        codes_by_value(request.organization),
    )
    for name, value in values.items():
        setattr(line, name, value)
    line_compute(line, payer_id=request.coverage.payer_id, fees=fees_of(request.coverage.payer_id, [line.code]))
    line.save()
    request_back_to_draft(request)
    return line


@transaction.atomic
def line_remove(*, line: ServiceLine, actor: User | None = None) -> None:
    request = request_locked(line.request)
    request_ensure_editable(request)
    line.delete()
    request_back_to_draft(request)
