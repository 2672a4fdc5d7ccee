"""Scheduling pieces that other apps' pages show (the client page's upcoming sessions), without
those apps' views having to know about scheduling."""

from __future__ import annotations

from django import template

from scheduling.selectors import upcoming_roster_for_episode

register = template.Library()

UPCOMING_SHOWN = 10


@register.simple_tag
def upcoming_sessions(episode, limit: int = UPCOMING_SHOWN) -> list:
    """The episode's next booked or waitlisted sessions: one query, whatever the roster size."""
    if episode is None:
        return []
    return list(upcoming_roster_for_episode(episode=episode)[:limit])


@register.simple_tag
def placement_conflicts(episode) -> list:
    """Placements that no longer fit the client's availability (three queries, however many)."""
    if episode is None:
        return []
    from scheduling.selectors import placement_conflicts as conflicts

    return conflicts(episode=episode)
