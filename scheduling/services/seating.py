"""Booking many seats (and facilitators) at once by the rules `roster_book` and `facilitator_book`
apply to one: planned in memory, written in one INSERT.

A caller plans in memory only what nobody else can change meanwhile: sessions it created (invisible
until it commits) or locked, and clients whose episodes it locked. The database's constraints stay
the backstop: a booking the plan could not see makes the INSERT fail, and the caller falls back to
booking one at a time, which names the clash.

The rules, one seat at a time (`seat_status`): a full session waitlists the client (a place on a
waitlist takes no time, so no clash is checked); otherwise the client is seated when free at that
time. Walk-ins are seated past capacity.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.utils import timezone

from ..models import RosterSource, RosterStatus, Session


def session_full(*, booked: int, capacity: int, source: str = RosterSource.PLACEMENT) -> bool:
    """Whether a new seat in a session with `booked` seats taken would go to its waitlist."""
    return booked >= capacity and source != RosterSource.WALK_IN


class BusyTimes:
    """Booked time ranges by staff profile or episode, as the exclusion constraints see them
    (half-open ranges): who is free when, for a plan of many bookings."""

    def __init__(self, rows: Iterable[tuple[object, DateTimeTZRange]] = ()) -> None:
        self._taken: dict[object, list[tuple[dt.datetime, dt.datetime]]] = {}
        for key, during in rows:
            self._taken.setdefault(key, []).append((during.lower, during.upper))

    def take(self, key: object, session: Session) -> bool:
        """Book `key` into the session's time if free then (as the exclusion constraints would)."""
        taken = self._taken.setdefault(key, [])
        if any(start < session.ends_at and session.starts_at < end for start, end in taken):
            return False
        taken.append((session.starts_at, session.ends_at))
        return True


def seat_status(session: Session, episode_id: object, *, booked: int, busy: BusyTimes) -> str | None:
    """The seat `roster_book` gives a client in `session` with `booked` seats taken: waitlisted
    when full, booked when the client is free then (their time is taken in `busy`), None when
    they are booked elsewhere at that time."""
    if session_full(booked=booked, capacity=session.capacity):
        return RosterStatus.WAITLISTED
    return RosterStatus.BOOKED if busy.take(episode_id, session) else None


@dataclass(frozen=True)
class PlannedSeat:
    session_id: object
    episode_id: object
    placement_id: object
    status: str


def rosters_insert(seats: list[PlannedSeat], *, source: str = RosterSource.PLACEMENT, added_by=None) -> list:
    """One INSERT … SELECT of the seats, their tenant and time range taken from their session:
    building and compiling ten thousand model instances cost more than Postgres writing them.
    Each row gets its own, strictly increasing `added_at` in the list's order, as one-at-a-time
    bookings did (the waitlist is served by it). Returns the new entries' ids, in order."""
    if not seats:
        return []
    now = timezone.now()
    ids = [uuid.uuid4() for _ in seats]
    added = [now + dt.timedelta(microseconds=n) for n in range(len(seats))]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO scheduling_rosterentry
                (id, organization_id, session_id, episode_id, placement_id, status, source, reason, during,
                 added_at, added_by_id)
            SELECT r.id, s.organization_id, s.id, r.episode_id, r.placement_id, r.status, %s, '',
                   tstzrange(s.starts_at, s.ends_at, '[)'), r.added_at, %s::bigint
            FROM unnest(%s::uuid[], %s::uuid[], %s::uuid[], %s::uuid[], %s::text[], %s::timestamptz[])
                AS r(id, session_id, episode_id, placement_id, status, added_at)
            JOIN scheduling_session s ON s.id = r.session_id
            ORDER BY r.added_at
            """,
            [
                source,
                added_by.pk if added_by is not None else None,
                ids,
                [s.session_id for s in seats],
                [s.episode_id for s in seats],
                [s.placement_id for s in seats],
                [s.status for s in seats],
                added,
            ],
        )
    return ids
