"""Writes for group scheduling: groups and their weekly slots, materialised sessions, one-off
session changes, facilitator coverage, placements and rosters, and census changes.

Capacity is the invariant that matters most: every booking locks the session row
(`SELECT … FOR UPDATE`) before counting its booked seats, so two VAs placing clients at the same
moment are serialised by Postgres and a session never goes over capacity. Overlaps (a client or a
facilitator in two sessions at once) are refused by exclusion constraints; the services turn those
refusals into messages that name the conflicting session.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.db.models import Count, Q
from django.utils import timezone

from iop.clients.models import Episode, EpisodeStatus
from iop.common.exceptions import ApplicationError
from iop.common.services import model_update, validated_save
from iop.tenancy.models import Organization, Role, StaffProfile
from iop.tenancy.selectors import members_with_roles

from .models import (
    FacilitatorAbsence,
    FacilitatorQualification,
    FacilitatorRole,
    Group,
    GroupType,
    Placement,
    RosterEntry,
    RosterSource,
    RosterStatus,
    SchedulingSettings,
    Session,
    SessionFacilitator,
    SessionStatus,
    WeeklySlot,
)

PLACEABLE_STATUSES = (EpisodeStatus.INTAKE, EpisodeStatus.ACTIVE)


def scheduling_settings(organization: Organization) -> SchedulingSettings:
    """The organization's settings, or the defaults (unsaved) until an admin saves them."""
    return SchedulingSettings.objects.filter(organization=organization).first() or SchedulingSettings(
        organization=organization
    )


def _fmt(session: Session) -> str:
    local = session.starts_at.astimezone(session.organization.tzinfo)
    return f"{session.group.name} on {local:%a %b} {local.day} at {local:%H:%M}"


def _range(session: Session) -> DateTimeTZRange:
    return DateTimeTZRange(session.starts_at, session.ends_at, "[)")


# --- Group types, groups and weekly slots -------------------------------------------------------


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
        conflict="A group type with this name already exists.",
        conflict_field="name",
    )
    FacilitatorQualification.objects.bulk_create(
        FacilitatorQualification(organization=organization, staff_profile=p, group_type=group_type) for p in qualified
    )
    return group_type


def _check_facilitator(*, group_type: GroupType, staff_profile: StaffProfile | None, label: str) -> None:
    if staff_profile is None:
        return
    if not staff_profile.can_facilitate or not staff_profile.membership.is_active:
        raise ApplicationError(
            f"{staff_profile.membership.user} is not an active facilitator.", extra={label: ["Not a facilitator."]}
        )
    if not FacilitatorQualification.objects.filter(staff_profile=staff_profile, group_type=group_type).exists():
        raise ApplicationError(
            f"{staff_profile.membership.user} is not qualified for {group_type.name} groups.",
            extra={label: ["Not qualified for this group type."]},
        )


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
    _check_facilitator(group_type=group_type, staff_profile=lead_facilitator, label="lead_facilitator")
    _check_facilitator(group_type=group_type, staff_profile=co_facilitator, label="co_facilitator")
    if lead_facilitator is not None and co_facilitator is not None and lead_facilitator.pk == co_facilitator.pk:
        raise ApplicationError(
            "The co-facilitator must be someone else.", extra={"co_facilitator": ["Same as the lead."]}
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
        group, invalid="Check the group.", conflict="A group with this name already exists.", conflict_field="name"
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
        raise ApplicationError(
            f"{len(crowded)} coming session(s) already have more than {capacity} clients: "
            f"{sessions_for_dates(crowded[:5])}. Move clients first.",
            extra={"capacity": [f"Up to {max(s.booked for s in crowded)} clients are already booked."]},
        )


@transaction.atomic
def group_update(*, group: Group, data: dict, actor=None) -> list[Session]:
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
            _check_facilitator(group_type=group.group_type, staff_profile=data[label], label=label)
    try:
        group, _ = model_update(instance=group, fields=GROUP_EDITABLE_FIELDS, data=data)
    except ValidationError as exc:
        raise ApplicationError("Check the group.", extra=exc.message_dict) from exc
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
                and not _absent(staff_profile, session.local_date)
                and _try_book_facilitator(session, staff_profile, role)
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
    validated_save(slot, invalid="Check the weekly time.")
    sessions_materialise(organization=group.organization, group=group, today=today)
    return slot


@transaction.atomic
def slot_end(*, slot: WeeklySlot, effective_to: dt.date, actor=None) -> int:
    """Stop a weekly time after `effective_to`: its later sessions are cancelled (clients see it
    flagged in their next reminder). Returns how many sessions were cancelled."""
    if effective_to < slot.effective_from:
        raise ApplicationError("The end date is before the slot starts.", extra={"effective_to": ["Too early."]})
    slot.effective_to = effective_to
    slot.save(update_fields=["effective_to"])
    later = Session.objects.filter(slot=slot, occurrence_date__gt=effective_to, status=SessionStatus.SCHEDULED)
    cancelled = 0
    for session in later.select_related("group", "organization"):
        session_cancel(session=session, reason="Weekly time ended", actor=actor)
        cancelled += 1
    return cancelled


# --- Materialisation ---------------------------------------------------------------------------


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
    slots = (
        WeeklySlot.objects.filter(group__is_active=True, effective_from__lte=horizon_end)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=today))
        .select_related("group")
    )
    if group is not None:
        slots = slots.filter(group=group)
    slots = list(slots)
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
    created = list(
        Session.objects.filter(pk__in=[s.pk for s in new]).select_related("group", "organization").order_by("starts_at")
    )
    for session in created:
        _book_group_facilitators(session)
        _seat_placed_clients(session)
    return created


def _absent(staff_profile: StaffProfile, day: dt.date) -> bool:
    return FacilitatorAbsence.objects.filter(
        staff_profile=staff_profile, start_date__lte=day, end_date__gte=day
    ).exists()


def _try_book_facilitator(session: Session, staff_profile: StaffProfile, role: str) -> bool:
    """Book a facilitator if free; False when already booked elsewhere at that time."""
    try:
        with transaction.atomic():
            SessionFacilitator.objects.create(
                organization_id=session.organization_id,
                session=session,
                staff_profile=staff_profile,
                role=role,
                during=_range(session),
            )
    except IntegrityError:
        return False
    return True


def _book_group_facilitators(session: Session) -> None:
    for role, staff_profile in (
        (FacilitatorRole.LEAD, session.group.lead_facilitator),
        (FacilitatorRole.CO, session.group.co_facilitator),
    ):
        if staff_profile is not None and not _absent(staff_profile, session.local_date):
            _try_book_facilitator(session, staff_profile, role)


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


# --- Rosters -----------------------------------------------------------------------------------


class SessionFull(ApplicationError):
    pass


def _episode_lock_open(episode: Episode) -> None:
    """Lock the episode row and check it is open, read fresh: a discharge committing meanwhile
    waits for the booking or is seen by it. FOR NO KEY UPDATE, so inserts that merely reference
    the episode are not blocked. Episodes are always locked before sessions, in the same order as
    `episode_transition` → `roster_remove`, so the two cannot deadlock."""
    if (
        not Episode.objects.filter(pk=episode.pk, status__in=PLACEABLE_STATUSES)
        .select_for_update(of=("self",), no_key=True)
        .exists()
    ):
        raise ApplicationError("Only clients in intake or active care can be put on a roster.", code="episode_closed")


def _locked(session: Session) -> Session:
    # of=("self",): lock the session row only, not the group and organization rows joined in
    # (that would serialise every booking of the tenant and deadlock against group changes).
    return Session.objects.select_for_update(of=("self",)).select_related("group", "organization").get(pk=session.pk)


def _overlap_message(episode: Episode, session: Session) -> str:
    clash = (
        RosterEntry.objects.filter(episode=episode, status=RosterStatus.BOOKED, during__overlap=_range(session))
        .select_related("session__group", "session__organization")
        .first()
    )
    where = _fmt(clash.session) if clash else "another session"
    return f"The client is already booked into {where}, which overlaps {_fmt(session)}."


@transaction.atomic
def roster_book(
    *,
    session: Session,
    episode: Episode,
    placement: Placement | None = None,
    source: str = RosterSource.PLACEMENT,
    waitlist_if_full: bool = False,
    actor=None,
    reason: str = "",
) -> RosterEntry:
    """Seat a client in a session (or put them on its waitlist when full and `waitlist_if_full`).
    Idempotent for a client already seated or waitlisted there."""
    _episode_lock_open(episode)
    session = _locked(session)
    if session.status != SessionStatus.SCHEDULED:
        raise ApplicationError(f"{_fmt(session)} is cancelled.")
    live = RosterEntry.objects.filter(
        session=session, episode=episode, status__in=[RosterStatus.BOOKED, RosterStatus.WAITLISTED]
    ).first()
    if live is not None:
        return live
    booked = RosterEntry.objects.filter(session=session, status=RosterStatus.BOOKED).count()
    full = booked >= session.capacity and source != RosterSource.WALK_IN
    if full and not waitlist_if_full:
        raise SessionFull(f"{_fmt(session)} is full ({booked}/{session.capacity}).", code="session_full")
    entry = RosterEntry(
        organization_id=session.organization_id,
        session=session,
        episode=episode,
        placement=placement,
        status=RosterStatus.WAITLISTED if full else RosterStatus.BOOKED,
        source=source,
        reason=reason,
        during=_range(session),
        added_by=actor,
    )
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError as exc:
        raise ApplicationError(_overlap_message(episode, session), code="client_overlap") from exc
    return entry


@transaction.atomic
def roster_remove(
    *, entry: RosterEntry, actor=None, reason: str = "", status: str = RosterStatus.REMOVED
) -> RosterEntry:
    """Take a client off a session (or its waitlist); a freed seat goes to the waitlist at once."""
    session = _locked(entry.session)
    entry = RosterEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.status not in (RosterStatus.BOOKED, RosterStatus.WAITLISTED):
        return entry
    was_booked = entry.status == RosterStatus.BOOKED
    entry.status = status
    entry.removed_at = timezone.now()
    entry.removed_by = actor
    entry.reason = reason[:200] or entry.reason
    entry.save(update_fields=["status", "removed_at", "removed_by", "reason"])
    if was_booked and status == RosterStatus.REMOVED:
        waitlist_promote(session=session)
    return entry


@transaction.atomic
def waitlist_promote(*, session: Session) -> list[RosterEntry]:
    """Fill free seats from the session's waitlist, first come first served, skipping a client who
    has meanwhile been booked elsewhere at that time. The VAs are told of each promotion."""
    session = _locked(session)
    if session.status != SessionStatus.SCHEDULED or session.starts_at <= timezone.now():
        return []
    free = session.capacity - RosterEntry.objects.filter(session=session, status=RosterStatus.BOOKED).count()
    promoted = []
    for entry in RosterEntry.objects.filter(session=session, status=RosterStatus.WAITLISTED).order_by("added_at"):
        if free <= 0:
            break
        try:
            with transaction.atomic():
                entry.status = RosterStatus.BOOKED
                entry.source = RosterSource.WAITLIST
                # Seated now: the client's next reminder flags the session as new.
                entry.added_at = timezone.now()
                entry.save(update_fields=["status", "source", "added_at"])
        except IntegrityError:
            continue
        promoted.append(entry)
        free -= 1
    if promoted:
        from iop.notifications.services import notify_staff

        notify_staff(
            organization=session.organization,
            recipients=_vas(session.organization),
            kind="waitlist_promoted",
            title=f"{len(promoted)} waitlisted client(s) seated in {_fmt(session)}",
            link=f"/o/{session.organization.slug}/schedule/sessions/{session.pk}/",
            dedupe_key=f"waitlist:{session.pk}:{','.join(str(e.pk) for e in promoted)}"[:120],
        )
    return promoted


def _vas(organization: Organization):
    return members_with_roles(organization=organization, roles=[Role.VA, Role.ORG_ADMIN])


# --- Placements ----------------------------------------------------------------------------------


@dataclass
class PlacementResult:
    placement: Placement
    booked: list[Session] = field(default_factory=list)
    waitlisted: list[Session] = field(default_factory=list)


def _future_sessions(group: Group, start: dt.date, end: dt.date | None) -> list[Session]:
    qs = Session.objects.filter(
        group=group, status=SessionStatus.SCHEDULED, local_date__gte=start, starts_at__gt=timezone.now()
    )
    if end is not None:
        qs = qs.filter(local_date__lte=end)
    # Lock in a fixed order (by id) so two placements into the same group cannot deadlock.
    return list(qs.select_for_update(of=("self",)).order_by("pk").select_related("group", "organization"))


@transaction.atomic
def placement_create(
    *,
    episode: Episode,
    group: Group,
    start_date: dt.date,
    end_date: dt.date | None = None,
    actor=None,
    waitlist_if_full: bool = False,
) -> PlacementResult:
    """Place an episode into a group: a seat in every future session of the group in the range.

    Full sessions are refused with their dates, unless `waitlist_if_full`, in which case the
    client is waitlisted for those dates and seated when a seat frees. A clash with another of the
    client's sessions is refused, naming it. Either every seat is taken or none.
    """
    if episode.status not in PLACEABLE_STATUSES:
        raise ApplicationError("Only clients in intake or active care can be placed into groups.")
    _episode_lock_open(episode)
    if end_date is not None and end_date < start_date:
        raise ApplicationError("The end date is before the start date.", extra={"end_date": ["Before the start."]})
    if not group.is_active:
        raise ApplicationError("This group is no longer active.")
    if (
        Placement.objects.filter(episode=episode, group=group, is_active=True)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=start_date))
        .filter(Q(start_date__lte=end_date) if end_date else Q())
        .exists()
    ):
        raise ApplicationError(f"The client is already placed in {group.name} for these dates.")
    sessions = _future_sessions(group, start_date, end_date)
    counts = dict(
        RosterEntry.objects.filter(session__in=sessions, status=RosterStatus.BOOKED)
        .values_list("session")
        .annotate(n=Count("pk"))
    )
    already = set(
        RosterEntry.objects.filter(session__in=sessions, episode=episode, status=RosterStatus.BOOKED).values_list(
            "session_id", flat=True
        )
    )
    full = [s for s in sessions if counts.get(s.pk, 0) >= s.capacity and s.pk not in already]
    if full and not waitlist_if_full:
        dates = ", ".join(f"{s.starts_at.astimezone(s.organization.tzinfo):%a %b %d}" for s in full)
        raise SessionFull(
            f"{group.name} is full on {dates}. Choose other groups or add the client to the waitlist.",
            code="session_full",
            extra={"full_dates": [s.local_date.isoformat() for s in full]},
        )
    placement = Placement.objects.create(
        organization_id=episode.organization_id,
        episode=episode,
        group=group,
        start_date=start_date,
        end_date=end_date,
        created_by=actor,
    )
    result = PlacementResult(placement=placement)
    for session in sessions:
        entry = roster_book(session=session, episode=episode, placement=placement, actor=actor, waitlist_if_full=True)
        (result.waitlisted if entry.status == RosterStatus.WAITLISTED else result.booked).append(session)
    return result


@transaction.atomic
def placement_end(*, placement: Placement, end_date: dt.date, actor=None, reason: str = "Placement ended") -> int:
    """End a placement after `end_date`: the client leaves every later session of the group (and
    its waitlists). Returns how many roster entries were removed."""
    _placement_close(placement, cutoff=end_date)
    return _roster_leave(RosterEntry.objects.filter(placement=placement), after=end_date, actor=actor, reason=reason)


def _placement_close(placement: Placement, *, cutoff: dt.date) -> None:
    """Stop a placement after `cutoff`. One that had not started yet ends unused (its stored end
    cannot precede its start)."""
    placement.end_date = max(min(placement.end_date or cutoff, cutoff), placement.start_date)
    placement.is_active = cutoff >= placement.start_date and placement.is_active
    placement.ended_at = timezone.now()
    placement.save(update_fields=["end_date", "is_active", "ended_at"])


def _roster_leave(entries, *, after: dt.date, actor, reason: str) -> int:
    removed = 0
    live = entries.filter(
        session__local_date__gt=after, status__in=[RosterStatus.BOOKED, RosterStatus.WAITLISTED]
    ).select_related("session")
    for entry in live:
        roster_remove(entry=entry, actor=actor, reason=reason)
        removed += 1
    return removed


@transaction.atomic
def episode_rosters_clear(*, episode: Episode, effective_date: dt.date, actor=None, reason: str) -> int:
    """A step-down or discharge: the client leaves every roster after `effective_date` at once,
    and no more reminders go out for them. Past entries (which carry attendance) stay."""
    for placement in Placement.objects.filter(episode=episode, is_active=True):
        _placement_close(placement, cutoff=effective_date)
        placement.is_active = False
        placement.save(update_fields=["is_active"])
    return _roster_leave(RosterEntry.objects.filter(episode=episode), after=effective_date, actor=actor, reason=reason)


# --- One-off session changes ---------------------------------------------------------------------


def _refuse_if_over(session: Session, change: str) -> None:
    """A session that has ended is a record (its roster carries attendance), not a plan."""
    if session.ends_at <= timezone.now():
        raise ApplicationError(f"{_fmt(session)} is over; it can no longer be {change}.", code="session_over")


@transaction.atomic
def session_cancel(*, session: Session, reason: str = "", actor=None) -> Session:
    session = _locked(session)
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
    *, session: Session, local_date: dt.date, start_time: dt.time, duration_minutes: int, actor=None
) -> Session:
    """Move one session (not the recurrence). Its clients and facilitators move with it, unless
    one of them is busy at the new time — then nothing moves and the message says who."""
    session = _locked(session)
    if session.status != SessionStatus.SCHEDULED:
        raise ApplicationError("A cancelled session cannot be moved.")
    _refuse_if_over(session, "moved")
    if duration_minutes < 15 or duration_minutes > 480:
        raise ApplicationError("Choose a duration between 15 and 480 minutes.", extra={"duration_minutes": ["15–480."]})
    starts_at = session.organization.local_datetime(local_date, start_time)
    if starts_at <= timezone.now():
        raise ApplicationError("A session can only be moved to a future time.", extra={"local_date": ["In the past."]})
    session.local_date = local_date
    session.starts_at = starts_at
    session.ends_at = starts_at + dt.timedelta(minutes=duration_minutes)
    session.moved_at = timezone.now()
    session.is_modified = True
    new_range = _range(session)
    try:
        with transaction.atomic():
            session.save(update_fields=["local_date", "starts_at", "ends_at", "moved_at", "is_modified"])
            SessionFacilitator.objects.filter(session=session).update(during=new_range)
            RosterEntry.objects.filter(
                session=session, status__in=[RosterStatus.BOOKED, RosterStatus.WAITLISTED]
            ).update(during=new_range)
    except IntegrityError as exc:
        raise ApplicationError(
            "A facilitator or a client of this session is already booked at the new time; nothing was moved.",
            code="move_conflict",
        ) from exc
    return session


@transaction.atomic
def session_update_topic(*, session: Session, topic: str) -> Session:
    session.topic = topic.strip()[:200]
    session.is_modified = True
    session.save(update_fields=["topic", "is_modified"])
    return session


@transaction.atomic
def session_facilitator_assign(
    *, session: Session, staff_profile: StaffProfile, role: str = FacilitatorRole.LEAD, actor=None
) -> SessionFacilitator:
    """Cover a session: `staff_profile` becomes its lead (or co-) facilitator for this session only."""
    session = _locked(session)
    if session.status != SessionStatus.SCHEDULED:
        raise ApplicationError("A cancelled session needs no facilitator.")
    _refuse_if_over(session, "given another facilitator")
    _check_facilitator(group_type=session.group.group_type, staff_profile=staff_profile, label="staff_profile")
    if _absent(staff_profile, session.local_date):
        raise ApplicationError(
            f"{staff_profile.membership.user} is absent that day.", extra={"staff_profile": ["Absent."]}
        )
    other_role = (
        SessionFacilitator.objects.filter(session=session).exclude(role=role).filter(staff_profile=staff_profile)
    )
    if other_role.exists():
        raise ApplicationError(f"{staff_profile.membership.user} already facilitates this session.")
    SessionFacilitator.objects.filter(session=session, role=role).delete()
    if not _try_book_facilitator(session, staff_profile, role):
        raise ApplicationError(
            f"{staff_profile.membership.user} is already facilitating another session at that time.",
            code="facilitator_overlap",
            extra={"staff_profile": ["Busy at that time."]},
        )
    session.facilitator_changed_at = timezone.now()
    session.is_modified = True
    session.save(update_fields=["facilitator_changed_at", "is_modified"])
    return SessionFacilitator.objects.get(session=session, role=role)


@dataclass
class AbsenceResult:
    absence: FacilitatorAbsence
    uncovered: list[Session]


@transaction.atomic
def facilitator_absence_record(
    *, staff_profile: StaffProfile, start_date: dt.date, end_date: dt.date, reason: str = "", actor=None
) -> AbsenceResult:
    """Record that a facilitator is away; the sessions they were booked into in those days lose
    them. Returns the sessions left without a lead, to cover."""
    if end_date < start_date:
        raise ApplicationError("The absence ends before it starts.", extra={"end_date": ["Before the start."]})
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
    """Tell the VAs (once per session) about sessions in the next N hours without a lead."""
    from iop.notifications.services import notify_staff

    from .selectors import uncovered_sessions

    now = now or timezone.now()
    hours = scheduling_settings(organization).uncovered_alert_hours
    notified = 0
    for session in uncovered_sessions(organization=organization, start=now, end=now + dt.timedelta(hours=hours)):
        notified += notify_staff(
            organization=organization,
            recipients=_vas(organization),
            kind="session_uncovered",
            title=f"No facilitator for {_fmt(session)}",
            link=f"/o/{organization.slug}/schedule/sessions/{session.pk}/",
            dedupe_key=f"uncovered:{session.pk}",
        )
    return notified


def sessions_for_dates(sessions: Sequence[Session]) -> str:
    return ", ".join(_fmt(s) for s in sessions)


@transaction.atomic
def placements_accept(
    *,
    episode: Episode,
    groups: Sequence[Group],
    start_date: dt.date,
    end_date: dt.date | None = None,
    actor=None,
    waitlist_if_full: bool = False,
) -> list[PlacementResult]:
    """Accept a placement proposal (as proposed or as edited by the VA): every group or none.
    A full group refuses the whole acceptance (unless waitlisting), naming the group and dates."""
    if not groups:
        raise ApplicationError("Choose at least one group.", extra={"groups": ["Choose at least one group."]})
    return [
        placement_create(
            episode=episode,
            group=group,
            start_date=start_date,
            end_date=end_date,
            actor=actor,
            waitlist_if_full=waitlist_if_full,
        )
        for group in groups
    ]
