"""The pace forecast of one episode's week, as a pure function of what was attended and what is
still booked — so it can be tested on constructed weeks without a database.

- on_track: the requirement is met, or reachable with room to miss a session;
- at_risk: reachable, but missing any one of the remaining sessions would put it out of reach;
- cannot_reach: even attending everything still booked falls short (the VA must add sessions);
- below_minimum: the week has closed short.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..models import PaceState


@dataclass(frozen=True)
class Remaining:
    """A booked session of the week that counts toward hours and has no attendance yet."""

    local_date: dt.date
    minutes: int


def pace_state(
    *,
    required_minutes: int,
    required_days: int,
    attended_minutes: int,
    attended_days: frozenset[dt.date],
    remaining: tuple[Remaining, ...],
    closed: bool,
) -> str:
    if attended_minutes >= required_minutes and len(attended_days) >= required_days:
        return PaceState.ON_TRACK
    if closed:
        return PaceState.BELOW_MINIMUM
    possible_minutes = attended_minutes + sum(r.minutes for r in remaining)
    possible_days = attended_days | {r.local_date for r in remaining}
    if possible_minutes < required_minutes or len(possible_days) < required_days:
        return PaceState.CANNOT_REACH
    for skipped in remaining:
        minutes = possible_minutes - skipped.minutes
        others_that_day = sum(1 for r in remaining if r.local_date == skipped.local_date) > 1
        days = len(possible_days) - (0 if others_that_day or skipped.local_date in attended_days else 1)
        if minutes < required_minutes or days < required_days:
            return PaceState.AT_RISK
    return PaceState.ON_TRACK
