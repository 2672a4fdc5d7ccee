"""Facilitator absences, and the sessions they leave without a lead (the VAs are told ahead)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from iop.common.exceptions import refuse
from iop.tenancy.models import Organization, StaffProfile
from iop.tenancy.selectors import vas_and_admins

from ..errors import SchedulingErrorCode
from ..inbox import SESSION_UNCOVERED, booked_names, booked_text
from ..models import (
    FacilitatorAbsence,
    FacilitatorRole,
    Session,
    SessionFacilitator,
)
from ..selectors import scheduling_settings, uncovered_sessions
from .common import session_label

if TYPE_CHECKING:
    from iop.accounts.models import User


@dataclass
class AbsenceResult:
    absence: FacilitatorAbsence
    uncovered: list[Session]


@transaction.atomic
def facilitator_absence_record(
    *, staff_profile: StaffProfile, start_date: dt.date, end_date: dt.date, reason: str = "", actor: User | None = None
) -> AbsenceResult:
    """Record that a facilitator is away; the sessions they were booked into in those days lose
    them. Returns the sessions left without a lead, to cover."""
    if end_date < start_date:
        refuse(
            "The absence ends before it starts.",
            code=SchedulingErrorCode.END_BEFORE_START,
            extra={"end_date": ["Before the start."]},
        )
    absence = FacilitatorAbsence.objects.create(
        organization_id=staff_profile.organization_id,
        staff_profile=staff_profile,
        start_date=start_date,
        end_date=end_date,
        reason=reason[:200],
        created_by=actor,
    )
    bookings = SessionFacilitator.objects.filter(
        staff_profile=staff_profile,
        session__local_date__gte=start_date,
        session__local_date__lte=end_date,
        session__starts_at__gt=timezone.now(),
    ).select_related("session__group", "session__organization")
    affected = []
    now = timezone.now()
    for booking in bookings:
        # Only losing the lead leaves a session uncovered; a co-facilitator's absence does not.
        if booking.role == FacilitatorRole.LEAD:
            affected.append(booking.session)
        Session.objects.filter(pk=booking.session_id).update(facilitator_changed_at=now, is_modified=True)
    SessionFacilitator.objects.filter(pk__in=[b.pk for b in bookings]).delete()
    affected.sort(key=lambda s: s.starts_at)
    return AbsenceResult(absence=absence, uncovered=affected)


def uncovered_sessions_notify(*, organization: Organization, now: dt.datetime | None = None) -> int:
    """Tell the VAs (once per session) about sessions in the next N hours without a lead, naming
    who is booked; the line leaves their unread list once the session is covered (scheduling.inbox)."""
    from iop.notifications.services import notice_send

    now = now or timezone.now()
    hours = scheduling_settings(organization).uncovered_alert_hours
    sessions = list(uncovered_sessions(organization=organization, start=now, end=now + dt.timedelta(hours=hours)))
    booked = booked_names(session_ids=[s.pk for s in sessions])
    notified = 0
    for session in sessions:
        notified += notice_send(
            organization=organization,
            recipients=vas_and_admins(organization=organization),
            kind=SESSION_UNCOVERED,
            title=f"Assign a facilitator to {session_label(session)}",
            body=booked_text(booked[session.pk]),
            link=reverse("scheduling:session_detail", kwargs={"org_slug": organization.slug, "session_id": session.pk}),
            dedupe_key=f"uncovered:{session.pk}",
            subject_ids=[session.pk],
        )
    return notified
