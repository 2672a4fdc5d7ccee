"""Rosters: seating a client in one session, taking them off, and seating the waitlist.

Capacity is the invariant that matters most: every booking locks the session row
(`SELECT … FOR UPDATE`) before counting its booked seats, so two VAs placing clients at the same
moment are serialised by Postgres and a session never goes over capacity. Overlaps (a client in two
sessions at once) are refused by an exclusion constraint; the refusal names the conflicting session.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from iop.clients.models import Episode
from iop.common.exceptions import ApplicationError, refuse
from iop.tenancy.selectors import vas_and_admins

from ..errors import SchedulingErrorCode
from ..inbox import WAITLIST_PROMOTED, promoted_title
from ..models import (
    Placement,
    RosterEntry,
    RosterSource,
    RosterStatus,
    Session,
    SessionStatus,
)
from .common import PLACEABLE_STATUSES, session_label, session_lock, session_range
from .seating import session_full

if TYPE_CHECKING:
    from iop.accounts.models import User


def episode_lock_open(episode: Episode) -> None:
    """Lock the episode row and check it is open, read fresh: a discharge committing meanwhile
    waits for the booking or is seen by it. FOR NO KEY UPDATE, so inserts that merely reference
    the episode are not blocked. Episodes are always locked before sessions, in the same order as
    `episode_transition` → `roster_remove`, so the two cannot deadlock."""
    if (
        not Episode.objects.filter(pk=episode.pk, status__in=PLACEABLE_STATUSES)
        .select_for_update(of=("self",), no_key=True)
        .exists()
    ):
        refuse("Only clients in intake or active care can be put on a roster.", code=SchedulingErrorCode.EPISODE_CLOSED)


def overlap_message(episode: Episode, session: Session) -> str:
    clash = (
        RosterEntry.objects.filter(episode=episode, status=RosterStatus.BOOKED, during__overlap=session_range(session))
        .select_related("session__group", "session__organization")
        .first()
    )
    where = session_label(clash.session) if clash else "another session"
    return f"The client is already booked into {where}, which overlaps {session_label(session)}."


@transaction.atomic
def roster_book(
    *,
    session: Session,
    episode: Episode,
    placement: Placement | None = None,
    source: str = RosterSource.PLACEMENT,
    waitlist_if_full: bool = False,
    actor: User | None = None,
    reason: str = "",
) -> RosterEntry:
    """Seat a client in a session (or put them on its waitlist when full and `waitlist_if_full`).
    Idempotent for a client already seated or waitlisted there."""
    episode_lock_open(episode)
    session = session_lock(session)
    if session.status != SessionStatus.SCHEDULED:
        refuse(f"{session_label(session)} is cancelled.", code=SchedulingErrorCode.SESSION_CANCELLED)
    live = RosterEntry.objects.filter(
        session=session, episode=episode, status__in=[RosterStatus.BOOKED, RosterStatus.WAITLISTED]
    ).first()
    if live is not None:
        return live
    booked = RosterEntry.objects.filter(session=session, status=RosterStatus.BOOKED).count()
    full = session_full(booked=booked, capacity=session.capacity, source=source)
    if full and not waitlist_if_full:
        refuse(
            f"{session_label(session)} is full ({booked}/{session.capacity}).", code=SchedulingErrorCode.SESSION_FULL
        )
    entry = RosterEntry(
        organization_id=session.organization_id,
        session=session,
        episode=episode,
        placement=placement,
        status=RosterStatus.WAITLISTED if full else RosterStatus.BOOKED,
        source=source,
        reason=reason,
        during=session_range(session),
        added_by=actor,
    )
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError:
        refuse(overlap_message(episode, session), code=SchedulingErrorCode.CLIENT_OVERLAP)
    return entry


@transaction.atomic
def roster_remove(
    *, entry: RosterEntry, actor: User | None = None, reason: str = "", status: str = RosterStatus.REMOVED
) -> RosterEntry:
    """Take a client off a session (or its waitlist); a freed seat goes to the waitlist at once."""
    session = session_lock(entry.session)
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


# The reason a roster entry put back by "Undo" carries (the one taken off keeps why it was removed).
UNDO_REASON = "Removal undone"


@transaction.atomic
def roster_removal_undo(*, entry: RosterEntry, waitlisted: bool = False, actor: User | None = None) -> RosterEntry:
    """Put back a client just taken off a session (the session page's "Undo"). It goes through
    `roster_book`, so capacity, overlapping sessions and a closed episode are checked as for any
    booking: the seat comes back only if it is still free — the freed seat may have gone to the
    waitlist at once — and a full session refuses. Taken off the waitlist (`waitlisted`), they
    return to their place in its queue, not its end. A client already back (Undo pressed twice, or
    added again meanwhile) is returned as they are: never two entries."""
    # Read afresh: the caller's copy may predate the removal.
    entry = RosterEntry.objects.select_related("session__group", "session__organization", "episode").get(pk=entry.pk)
    session = entry.session
    if entry.status != RosterStatus.REMOVED:
        refuse(
            "Only a client taken off the roster or its waitlist can be put back.",
            code=SchedulingErrorCode.REMOVAL_NOT_UNDOABLE,
        )
    if session.ends_at <= timezone.now():
        refuse(
            f"{session_label(session)} is over; its roster can no longer be changed.",
            code=SchedulingErrorCode.SESSION_OVER,
        )
    already_back = RosterEntry.objects.filter(
        session=session, episode_id=entry.episode_id, status__in=[RosterStatus.BOOKED, RosterStatus.WAITLISTED]
    ).exists()
    # A walk-in is seated regardless of capacity; put back before the session, it is an ordinary booking.
    source = RosterSource.MANUAL if entry.source == RosterSource.WALK_IN else entry.source
    try:
        restored = roster_book(
            session=session,
            episode=entry.episode,
            placement=entry.placement,
            source=source,
            waitlist_if_full=waitlisted,
            actor=actor,
            reason=UNDO_REASON,
        )
    except ApplicationError as exc:
        if exc.code != SchedulingErrorCode.SESSION_FULL:
            raise
        refuse(
            f"The seat is no longer free: {exc.message} Add the client to the waitlist if they should wait for one.",
            code=SchedulingErrorCode.SESSION_FULL,
        )
    if waitlisted and not already_back and restored.status == RosterStatus.WAITLISTED:
        # Seats go to the waitlist first come, first served (by `added_at`): their old place.
        RosterEntry.objects.filter(pk=restored.pk).update(added_at=entry.added_at)
        restored.added_at = entry.added_at
    return restored


@transaction.atomic
def waitlist_promote(*, session: Session) -> list[RosterEntry]:
    """Fill free seats from the session's waitlist, first come first served, skipping a client who
    has meanwhile been booked elsewhere at that time. The VAs are told of each promotion."""
    session = session_lock(session)
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
        from iop.notifications.services import notice_send

        clients = [
            e.episode.client
            for e in RosterEntry.objects.filter(pk__in=[e.pk for e in promoted])
            .select_related("episode__client")
            .order_by("added_at", "pk")
        ]
        notice_send(
            organization=session.organization,
            recipients=vas_and_admins(organization=session.organization),
            kind=WAITLIST_PROMOTED,
            title=promoted_title([c.display_name for c in clients], session_label(session)),
            link=reverse(
                "scheduling:session_detail",
                kwargs={"org_slug": session.organization.slug, "session_id": session.pk},
            ),
            dedupe_key=f"waitlist:{session.pk}:{','.join(str(e.pk) for e in promoted)}"[:120],
            client_id=clients[0].pk if len(clients) == 1 else None,
            subject_ids=[e.pk for e in promoted],
        )
    return promoted
