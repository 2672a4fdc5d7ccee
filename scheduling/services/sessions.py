"""One-off changes to a single session (not its weekly slot): cancel, move, topic, covering
facilitator. A session that has ended is a record (its roster carries attendance), not a plan."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone

from iop.common.exceptions import refuse
from iop.tenancy.models import StaffProfile

from ..errors import SchedulingErrorCode
from ..models import (
    FacilitatorRole,
    RosterEntry,
    RosterStatus,
    Session,
    SessionFacilitator,
    SessionStatus,
)
from .common import facilitator_absent, facilitator_book, facilitator_check, session_label, session_lock, session_range

if TYPE_CHECKING:
    from iop.accounts.models import User


def _refuse_if_over(session: Session, change: str) -> None:
    """A session that has ended is a record (its roster carries attendance), not a plan."""
    if session.ends_at <= timezone.now():
        refuse(
            f"{session_label(session)} is over; it can no longer be {change}.", code=SchedulingErrorCode.SESSION_OVER
        )


@transaction.atomic
def session_cancel(*, session: Session, reason: str = "", actor: User | None = None) -> Session:
    session = session_lock(session)
    if session.status == SessionStatus.CANCELLED:
        return session
    _refuse_if_over(session, "cancelled")
    session.status = SessionStatus.CANCELLED
    session.cancelled_reason = reason[:200]
    session.cancelled_at = timezone.now()
    session.is_modified = True
    session.save(update_fields=["status", "cancelled_reason", "cancelled_at", "is_modified"])
    SessionFacilitator.objects.filter(session=session).delete()
    # Seats of a cancelled session free the clients' time (the overlap rule counts booked only).
    RosterEntry.objects.filter(session=session, status__in=[RosterStatus.BOOKED, RosterStatus.WAITLISTED]).update(
        status=RosterStatus.CANCELLED, removed_at=timezone.now(), removed_by=actor
    )
    return session


@transaction.atomic
def session_move(
    *, session: Session, local_date: dt.date, start_time: dt.time, duration_minutes: int, actor: User | None = None
) -> Session:
    """Move one session (not the recurrence). Its clients and facilitators move with it, unless
    one of them is busy at the new time — then nothing moves and the message says who."""
    session = session_lock(session)
    if session.status != SessionStatus.SCHEDULED:
        refuse("A cancelled session cannot be moved.", code=SchedulingErrorCode.SESSION_CANCELLED)
    _refuse_if_over(session, "moved")
    if duration_minutes < 15 or duration_minutes > 480:
        refuse(
            "Choose a duration between 15 and 480 minutes.",
            code=SchedulingErrorCode.DURATION_OUT_OF_RANGE,
            extra={"duration_minutes": ["15–480."]},
        )
    starts_at = session.organization.local_datetime(local_date, start_time)
    if starts_at <= timezone.now():
        refuse(
            "A session can only be moved to a future time.",
            code=SchedulingErrorCode.MOVE_TO_PAST,
            extra={"local_date": ["In the past."]},
        )
    session.local_date = local_date
    session.starts_at = starts_at
    session.ends_at = starts_at + dt.timedelta(minutes=duration_minutes)
    session.moved_at = timezone.now()
    session.is_modified = True
    new_range = session_range(session)
    try:
        with transaction.atomic():
            session.save(update_fields=["local_date", "starts_at", "ends_at", "moved_at", "is_modified"])
            SessionFacilitator.objects.filter(session=session).update(during=new_range)
            RosterEntry.objects.filter(
                session=session, status__in=[RosterStatus.BOOKED, RosterStatus.WAITLISTED]
            ).update(during=new_range)
    except IntegrityError:
        refuse(
            "A facilitator or a client of this session is already booked at the new time; nothing was moved.",
            code=SchedulingErrorCode.MOVE_CONFLICT,
        )
    return session


@transaction.atomic
def session_update_topic(*, session: Session, topic: str) -> Session:
    session.topic = topic.strip()[:200]
    session.is_modified = True
    session.save(update_fields=["topic", "is_modified"])
    return session


@transaction.atomic
def session_facilitator_assign(
    *, session: Session, staff_profile: StaffProfile, role: str = FacilitatorRole.LEAD, actor: User | None = None
) -> SessionFacilitator:
    """Cover a session: `staff_profile` becomes its lead (or co-) facilitator for this session only."""
    session = session_lock(session)
    if session.status != SessionStatus.SCHEDULED:
        refuse("A cancelled session needs no facilitator.", code=SchedulingErrorCode.SESSION_CANCELLED)
    _refuse_if_over(session, "given another facilitator")
    facilitator_check(group_type=session.group.group_type, staff_profile=staff_profile, label="staff_profile")
    if facilitator_absent(staff_profile, session.local_date):
        refuse(
            f"{staff_profile.membership.user} is absent that day.",
            code=SchedulingErrorCode.FACILITATOR_ABSENT,
            extra={"staff_profile": ["Absent."]},
        )
    other_role = (
        SessionFacilitator.objects.filter(session=session).exclude(role=role).filter(staff_profile=staff_profile)
    )
    if other_role.exists():
        refuse(
            f"{staff_profile.membership.user} already facilitates this session.",
            code=SchedulingErrorCode.FACILITATOR_ALREADY_ON_SESSION,
        )
    SessionFacilitator.objects.filter(session=session, role=role).delete()
    if not facilitator_book(session, staff_profile, role):
        refuse(
            f"{staff_profile.membership.user} is already facilitating another session at that time.",
            code=SchedulingErrorCode.FACILITATOR_OVERLAP,
            extra={"staff_profile": ["Busy at that time."]},
        )
    session.facilitator_changed_at = timezone.now()
    session.is_modified = True
    session.save(update_fields=["facilitator_changed_at", "is_modified"])
    return SessionFacilitator.objects.get(session=session, role=role)
