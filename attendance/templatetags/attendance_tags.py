"""Attendance pieces that other apps' pages show (the client page's weekly hours and timeline,
the session page's roll-call link), without those apps' views having to know about attendance."""

from __future__ import annotations

from django import template

from attendance import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def episode_hours(context, episode) -> list:
    """This week and past weeks since admission, newest first: two queries."""
    if episode is None:
        return []
    organization = context["organization"]
    loaded = selectors.episode_for_attendance(organization=organization, episode_id=episode.pk)
    return selectors.episode_weeks(organization=organization, episode=loaded)


@register.simple_tag
def episode_timeline(episode) -> list:
    """Absences with reasons, absence alerts and hours flags, newest first (three queries)."""
    if episode is None:
        return []
    return selectors.episode_timeline(episode=episode)
