"""Materialisation: each active weekly slot becomes dated sessions up to the organization's horizon,
each with its group's facilitators booked and its placed clients seated. Idempotent."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q

from iop.common.crash import pause_point
from iop.common.exceptions import ApplicationError
from iop.tenancy.models import Organization

from ..models import (
    FacilitatorRole,
    Group,
    Placement,
    Session,
    WeeklySlot,
)
from ..selectors import scheduling_settings
from .common import PLACEABLE_STATUSES, facilitator_absent, facilitator_book
from .rosters import roster_book


def _dates(start: dt.date, end: dt.date, weekday: int) -> Iterable[dt.date]:
    day = start + dt.timedelta(days=(weekday - start.weekday()) % 7)
    while day <= end:
        yield day
        day += dt.timedelta(days=7)


@transaction.atomic
def sessions_materialise(
    *, organization: Organization, group: Group | None = None, today: dt.date | None = None
) -> list[Session]:
    """Create the sessions of every active weekly slot from today to the horizon, book each new
    session's facilitators, and seat the clients whose placements cover it. Idempotent: the
    unique (slot, local date) makes a re-run create nothing. Returns the new sessions."""
    today = today or organization.local_today()
    horizon_end = today + dt.timedelta(weeks=scheduling_settings(organization).horizon_weeks)
    slot_rows = (
        WeeklySlot.objects.filter(group__is_active=True, effective_from__lte=horizon_end)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=today))
        .select_related("group")
    )
    if group is not None:
        slot_rows = slot_rows.filter(group=group)
    slots = list(slot_rows)
    existing = set(
        Session.objects.filter(slot__in=slots, occurrence_date__gte=today).values_list("slot_id", "occurrence_date")
    )
    new = []
    for slot in slots:
        last = min(horizon_end, slot.effective_to) if slot.effective_to else horizon_end
        for day in _dates(max(today, slot.effective_from), last, slot.weekday):
            if (slot.pk, day) in existing:
                continue
            starts_at = organization.local_datetime(day, slot.start_time)
            new.append(
                Session(
                    organization=organization,
                    group=slot.group,
                    slot=slot,
                    local_date=day,
                    occurrence_date=day,
                    starts_at=starts_at,
                    ends_at=starts_at + dt.timedelta(minutes=slot.duration_minutes),
                    capacity=slot.group.capacity,
                )
            )
    Session.objects.bulk_create(new, ignore_conflicts=True)
    pause_point("materialise")  # fault tests: sessions written, nobody seated, nothing committed
    created = list(
        Session.objects.filter(pk__in=[s.pk for s in new]).select_related("group", "organization").order_by("starts_at")
    )
    for session in created:
        _book_group_facilitators(session)
        _seat_placed_clients(session)
    return created


def _book_group_facilitators(session: Session) -> None:
    for role, staff_profile in (
        (FacilitatorRole.LEAD, session.group.lead_facilitator),
        (FacilitatorRole.CO, session.group.co_facilitator),
    ):
        if staff_profile is not None and not facilitator_absent(staff_profile, session.local_date):
            facilitator_book(session, staff_profile, role)


def _seat_placed_clients(session: Session) -> None:
    placements = (
        Placement.objects.filter(group=session.group_id, is_active=True, start_date__lte=session.local_date)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=session.local_date))
        .select_related("episode")
        .order_by("created_at")
    )
    for placement in placements:
        if placement.episode.status not in PLACEABLE_STATUSES:
            continue
        try:
            roster_book(session=session, episode=placement.episode, placement=placement, waitlist_if_full=True)
        except ApplicationError:
            # A clash with another of the client's sessions: the gaps worklist shows it.
            continue
