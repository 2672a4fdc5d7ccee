"""Placements: a client placed into a group gets a seat in each of its coming sessions (every seat
or none). Ending a placement, or a step-down or discharge, takes them off the later rosters."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.db.models import Count, Q
from django.utils import timezone

from iop.clients.models import Episode
from iop.common.dates import date_short
from iop.common.exceptions import refuse

from ..errors import SchedulingErrorCode
from ..models import (
    Group,
    Placement,
    RosterEntry,
    RosterStatus,
    Session,
    SessionStatus,
)
from .common import PLACEABLE_STATUSES
from .rosters import episode_lock_open, overlap_message, roster_book, roster_remove
from .seating import BusyTimes, PlannedSeat, rosters_insert, seat_status

if TYPE_CHECKING:
    from iop.accounts.models import User


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
    actor: User | None = None,
    waitlist_if_full: bool = False,
) -> PlacementResult:
    """Place an episode into a group: a seat in every future session of the group in the range.

    Full sessions are refused with their dates, unless `waitlist_if_full`, in which case the
    client is waitlisted for those dates and seated when a seat frees. A clash with another of the
    client's sessions is refused, naming it. Either every seat is taken or none.
    """
    if episode.status not in PLACEABLE_STATUSES:
        refuse(
            "Only clients in intake or active care can be placed into groups.", code=SchedulingErrorCode.EPISODE_CLOSED
        )
    episode_lock_open(episode)
    if end_date is not None and end_date < start_date:
        refuse(
            "The end date is before the start date.",
            code=SchedulingErrorCode.END_BEFORE_START,
            extra={"end_date": ["Before the start."]},
        )
    if not group.is_active:
        refuse("This group is no longer active.", code=SchedulingErrorCode.GROUP_NOT_ACTIVE)
    if (
        Placement.objects.filter(episode=episode, group=group, is_active=True)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=start_date))
        .filter(Q(start_date__lte=end_date) if end_date else Q())
        .exists()
    ):
        refuse(
            f"The client is already placed in {group.name} for these dates.", code=SchedulingErrorCode.ALREADY_PLACED
        )
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
        dates = ", ".join(date_short(s.starts_at, s.organization.tzinfo) for s in full)
        refuse(
            f"{group.name} is full on {dates}. Choose other groups or add the client to the waitlist.",
            code=SchedulingErrorCode.SESSION_FULL,
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
    try:
        with transaction.atomic():
            _seat_all(result, sessions, counts, actor)
    except IntegrityError:
        # A booking the plan could not see: one seat at a time, which names any clash.
        result = PlacementResult(placement=placement)
        for session in sessions:
            entry = roster_book(
                session=session, episode=episode, placement=placement, actor=actor, waitlist_if_full=True
            )
            (result.waitlisted if entry.status == RosterStatus.WAITLISTED else result.booked).append(session)
    return result


def _seat_all(result: PlacementResult, sessions: list[Session], counts: dict, actor: User | None) -> None:
    """A seat in each of the (locked) sessions for the placement's (locked) episode, as
    `roster_book` would give them one after the other (`services.seating`), in one INSERT: the
    client's live seats kept, full sessions waitlisted, a clash with their other sessions refused."""
    placement = result.placement
    episode = placement.episode
    live = dict(
        RosterEntry.objects.filter(
            session__in=sessions, episode=episode, status__in=[RosterStatus.BOOKED, RosterStatus.WAITLISTED]
        ).values_list("session_id", "status")
    )
    busy = BusyTimes()
    if sessions:
        window = DateTimeTZRange(min(s.starts_at for s in sessions), max(s.ends_at for s in sessions), "[)")
        busy = BusyTimes(
            RosterEntry.objects.filter(episode=episode, status=RosterStatus.BOOKED, during__overlap=window).values_list(
                "episode_id", "during"
            )
        )
    seats = []
    for session in sessions:
        status = live.get(session.pk)
        if status is None:
            status = seat_status(session, episode.pk, booked=counts.get(session.pk, 0), busy=busy)
            if status is None:
                refuse(overlap_message(episode, session), code=SchedulingErrorCode.CLIENT_OVERLAP)
            seats.append(PlannedSeat(session.pk, episode.pk, placement.pk, status))
        (result.waitlisted if status == RosterStatus.WAITLISTED else result.booked).append(session)
    rosters_insert(seats, added_by=actor)


@transaction.atomic
def placements_accept(
    *,
    episode: Episode,
    groups: Sequence[Group],
    start_date: dt.date,
    end_date: dt.date | None = None,
    actor: User | None = None,
    waitlist_if_full: bool = False,
) -> list[PlacementResult]:
    """Accept a placement proposal (as proposed or as edited by the VA): every group or none.
    A full group refuses the whole acceptance (unless waitlisting), naming the group and dates."""
    if not groups:
        refuse("Choose at least one group.", code=SchedulingErrorCode.NO_GROUPS_CHOSEN, field="groups")
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


@transaction.atomic
def placement_end(
    *, placement: Placement, end_date: dt.date, actor: User | None = None, reason: str = "Placement ended"
) -> int:
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


def _roster_leave(entries, *, after: dt.date, actor: User | None, reason: str) -> int:
    removed = 0
    live = entries.filter(
        session__local_date__gt=after, status__in=[RosterStatus.BOOKED, RosterStatus.WAITLISTED]
    ).select_related("session")
    for entry in live:
        roster_remove(entry=entry, actor=actor, reason=reason)
        removed += 1
    return removed


@transaction.atomic
def episode_rosters_clear(*, episode: Episode, effective_date: dt.date, actor: User | None = None, reason: str) -> int:
    """A step-down or discharge: the client leaves every roster after `effective_date` at once,
    and no more reminders go out for them. Past entries (which carry attendance) stay."""
    for placement in Placement.objects.filter(episode=episode, is_active=True):
        _placement_close(placement, cutoff=effective_date)
        placement.is_active = False
        placement.save(update_fields=["is_active"])
    return _roster_leave(RosterEntry.objects.filter(episode=episode), after=effective_date, actor=actor, reason=reason)
