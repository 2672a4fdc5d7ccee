"""Pieces every scheduling write shares: how a session is named in a message, its time range and
row lock, and booking a facilitator (active, qualified for the group type, not absent, free then).

Booking facilitators relies on the exclusion constraint on `SessionFacilitator.during`: a
facilitator already booked at that time makes the insert fail, which `facilitator_book` reports.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange

from iop.clients.models import EpisodeStatus
from iop.common.dates import date_short, time_hm
from iop.common.exceptions import refuse
from iop.tenancy.models import StaffProfile

from ..errors import SchedulingErrorCode
from ..models import (
    FacilitatorAbsence,
    FacilitatorQualification,
    GroupType,
    Session,
    SessionFacilitator,
)

PLACEABLE_STATUSES = (EpisodeStatus.INTAKE, EpisodeStatus.ACTIVE)


def session_label(session: Session) -> str:
    local = session.starts_at.astimezone(session.organization.tzinfo)
    return f"{session.group.name} on {date_short(local)} at {time_hm(local)}"


def sessions_for_dates(sessions: Sequence[Session]) -> str:
    return ", ".join(session_label(s) for s in sessions)


def session_range(session: Session) -> DateTimeTZRange:
    return DateTimeTZRange(session.starts_at, session.ends_at, "[)")


def session_lock(session: Session) -> Session:
    # of=("self",): lock the session row only, not the group and organization rows joined in
    # (that would serialise every booking of the tenant and deadlock against group changes).
    return Session.objects.select_for_update(of=("self",)).select_related("group", "organization").get(pk=session.pk)


def facilitator_check(*, group_type: GroupType, staff_profile: StaffProfile | None, label: str) -> None:
    if staff_profile is None:
        return
    if not staff_profile.can_facilitate or not staff_profile.membership.is_active:
        refuse(
            f"{staff_profile.membership.user} is not an active facilitator.",
            code=SchedulingErrorCode.FACILITATOR_NOT_ACTIVE,
            extra={label: ["Not a facilitator."]},
        )
    if not FacilitatorQualification.objects.filter(staff_profile=staff_profile, group_type=group_type).exists():
        refuse(
            f"{staff_profile.membership.user} is not qualified for {group_type.name} groups.",
            code=SchedulingErrorCode.FACILITATOR_NOT_QUALIFIED,
            extra={label: ["Not qualified for this group type."]},
        )


def facilitator_absent(staff_profile: StaffProfile, day: dt.date) -> bool:
    return FacilitatorAbsence.objects.filter(
        staff_profile=staff_profile, start_date__lte=day, end_date__gte=day
    ).exists()


def facilitator_book(session: Session, staff_profile: StaffProfile, role: str) -> bool:
    """Book a facilitator if free; False when already booked elsewhere at that time."""
    try:
        with transaction.atomic():
            SessionFacilitator.objects.create(
                organization_id=session.organization_id,
                session=session,
                staff_profile=staff_profile,
                role=role,
                during=session_range(session),
            )
    except IntegrityError:
        return False
    return True
