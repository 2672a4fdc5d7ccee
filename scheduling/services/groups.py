"""Group types, groups and their weekly slots. A change to a group reaches its coming sessions: a
new capacity, new facilitators, or the group ending (its coming sessions are cancelled)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from iop.common.exceptions import refuse
from iop.common.services import model_update, validated_save
from iop.tenancy.models import Organization, StaffProfile

from ..errors import SchedulingErrorCode
from ..models import (
    FacilitatorQualification,
    FacilitatorRole,
    Group,
    GroupType,
    RosterStatus,
    Session,
    SessionFacilitator,
    SessionStatus,
    WeeklySlot,
)
from .common import facilitator_absent, facilitator_book, facilitator_check, sessions_for_dates
from .materialisation import sessions_materialise
from .rosters import waitlist_promote
from .sessions import session_cancel

if TYPE_CHECKING:
    from iop.accounts.models import User


@transaction.atomic
def group_type_create(
    *,
    organization: Organization,
    name: str,
    counts_toward_hours: bool = True,
    track: str = "group",
    description: str = "",
    qualified: Iterable[StaffProfile] = (),
) -> GroupType:
    group_type = GroupType(
        organization=organization,
        name=name.strip(),
        counts_toward_hours=counts_toward_hours,
        track=track,
        description=description,
    )
    validated_save(
        group_type,
        invalid="Check the group type.",
        code=SchedulingErrorCode.GROUP_TYPE_FIELDS_REJECTED,
        conflict="A group type with this name already exists.",
        conflict_code=SchedulingErrorCode.GROUP_TYPE_NAME_TAKEN,
        conflict_field="name",
    )
    FacilitatorQualification.objects.bulk_create(
        FacilitatorQualification(organization=organization, staff_profile=p, group_type=group_type) for p in qualified
    )
    return group_type


@transaction.atomic
def group_create(
    *,
    organization: Organization,
    program,
    group_type: GroupType,
    name: str,
    capacity: int,
    lead_facilitator: StaffProfile | None = None,
    co_facilitator: StaffProfile | None = None,
    delivery: str = "telehealth",
    telehealth_url: str = "",
    room: str = "",
) -> Group:
    facilitator_check(group_type=group_type, staff_profile=lead_facilitator, label="lead_facilitator")
    facilitator_check(group_type=group_type, staff_profile=co_facilitator, label="co_facilitator")
    if lead_facilitator is not None and co_facilitator is not None and lead_facilitator.pk == co_facilitator.pk:
        refuse(
            "The co-facilitator must be someone else.",
            code=SchedulingErrorCode.CO_FACILITATOR_SAME_AS_LEAD,
            extra={"co_facilitator": ["Same as the lead."]},
        )
    group = Group(
        organization=organization,
        program=program,
        group_type=group_type,
        name=name.strip(),
        capacity=capacity,
        lead_facilitator=lead_facilitator,
        co_facilitator=co_facilitator,
        delivery=delivery,
        telehealth_url=telehealth_url,
        room=room,
    )
    return validated_save(
        group,
        invalid="Check the group.",
        code=SchedulingErrorCode.GROUP_FIELDS_REJECTED,
        conflict="A group with this name already exists.",
        conflict_code=SchedulingErrorCode.GROUP_NAME_TAKEN,
        conflict_field="name",
    )


GROUP_EDITABLE_FIELDS = [
    "name",
    "capacity",
    "lead_facilitator",
    "co_facilitator",
    "delivery",
    "telehealth_url",
    "room",
    "is_active",
]


def group_capacity_check(*, group: Group, capacity: int) -> None:
    """Refuse a capacity below the seats already booked in a coming session, naming the dates."""
    crowded = [
        s
        for s in Session.objects.filter(group=group, status=SessionStatus.SCHEDULED, starts_at__gt=timezone.now())
        .annotate(booked=Count("roster_entries", filter=Q(roster_entries__status=RosterStatus.BOOKED)))
        .filter(booked__gt=capacity)
        .select_related("group", "organization")
        .order_by("starts_at")
    ]
    if crowded:
        refuse(
            f"{len(crowded)} coming session(s) already have more than {capacity} clients: "
            f"{sessions_for_dates(crowded[:5])}. Move clients first.",
            code=SchedulingErrorCode.CAPACITY_BELOW_BOOKED,
            extra={"capacity": [f"Up to {max(s.booked for s in crowded)} clients are already booked."]},
        )


@transaction.atomic
def group_update(*, group: Group, data: dict, actor: User | None = None) -> list[Session]:
    """Change a group; its coming sessions follow. A new capacity applies to every coming session
    (a larger one seats waitlisted clients at once); a new lead or co-facilitator takes over every
    coming session the previous one had (or that had none), where they are free — sessions covered
    by someone else by hand keep their cover, and the ones left without a lead are returned;
    deactivating a group cancels its coming sessions.
    """
    group = Group.objects.select_for_update(of=("self",)).get(pk=group.pk)
    before = {f: getattr(group, f) for f in ("capacity", "lead_facilitator_id", "co_facilitator_id", "is_active")}
    if "capacity" in data and data["capacity"] != group.capacity:
        # Lock the coming sessions (in id order, as placements do) before counting, so no seat is
        # taken between the check and the change.
        list(
            Session.objects.filter(group=group, status=SessionStatus.SCHEDULED, starts_at__gt=timezone.now())
            .select_for_update(of=("self",))
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        group_capacity_check(group=group, capacity=data["capacity"])
    for label in ("lead_facilitator", "co_facilitator"):
        if data.get(label) is not None:
            facilitator_check(group_type=group.group_type, staff_profile=data[label], label=label)
    try:
        group, _ = model_update(instance=group, fields=GROUP_EDITABLE_FIELDS, data=data)
    except ValidationError as exc:
        refuse("Check the group.", code=SchedulingErrorCode.GROUP_FIELDS_REJECTED, extra=exc.message_dict)
    coming = Session.objects.filter(group=group, status=SessionStatus.SCHEDULED, starts_at__gt=timezone.now())
    if before["is_active"] and not group.is_active:
        for session in coming.select_related("group", "organization"):
            session_cancel(session=session, reason="Group ended", actor=actor)
        return []
    if group.capacity != before["capacity"]:
        coming.update(capacity=group.capacity)
        if group.capacity > before["capacity"]:
            for session in coming:
                waitlist_promote(session=session)
    uncovered = []
    now = timezone.now()
    for role, field_name in ((FacilitatorRole.LEAD, "lead_facilitator"), (FacilitatorRole.CO, "co_facilitator")):
        previous_id = before[f"{field_name}_id"]
        staff_profile = getattr(group, field_name)
        if getattr(group, f"{field_name}_id") == previous_id:
            continue
        current = dict(
            SessionFacilitator.objects.filter(session__in=coming, role=role).values_list(
                "session_id", "staff_profile_id"
            )
        )
        for session in coming.select_related("group", "organization"):
            if current.get(session.pk) not in (previous_id, None):
                continue  # covered by someone else by hand: that stays
            SessionFacilitator.objects.filter(session=session, role=role).delete()
            booked = (
                staff_profile is not None
                and not facilitator_absent(staff_profile, session.local_date)
                and facilitator_book(session, staff_profile, role)
            )
            if not booked and role == FacilitatorRole.LEAD:
                uncovered.append(session)
            Session.objects.filter(pk=session.pk).update(facilitator_changed_at=now)
    return uncovered


@transaction.atomic
def slot_create(
    *,
    group: Group,
    weekday: int,
    start_time: dt.time,
    duration_minutes: int,
    effective_from: dt.date,
    effective_to: dt.date | None = None,
    today: dt.date | None = None,
) -> WeeklySlot:
    """Add a weekly meeting time to a group and create its sessions for the horizon."""
    slot = WeeklySlot(
        organization_id=group.organization_id,
        group=group,
        weekday=weekday,
        start_time=start_time,
        duration_minutes=duration_minutes,
        effective_from=effective_from,
        effective_to=effective_to,
    )
    validated_save(slot, invalid="Check the weekly time.", code=SchedulingErrorCode.SLOT_FIELDS_REJECTED)
    sessions_materialise(organization=group.organization, group=group, today=today)
    return slot


@transaction.atomic
def slot_end(*, slot: WeeklySlot, effective_to: dt.date, actor: User | None = None) -> int:
    """Stop a weekly time after `effective_to`: its later sessions are cancelled (clients see it
    flagged in their next reminder). Returns how many sessions were cancelled."""
    if effective_to < slot.effective_from:
        refuse(
            "The end date is before the slot starts.",
            code=SchedulingErrorCode.END_BEFORE_START,
            extra={"effective_to": ["Too early."]},
        )
    slot.effective_to = effective_to
    slot.save(update_fields=["effective_to"])
    later = Session.objects.filter(slot=slot, occurrence_date__gt=effective_to, status=SessionStatus.SCHEDULED)
    cancelled = 0
    for session in later.select_related("group", "organization"):
        session_cancel(session=session, reason="Weekly time ended", actor=actor)
        cancelled += 1
    return cancelled
