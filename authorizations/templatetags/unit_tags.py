"""Unit burn-down pieces for pages of other apps (the client page's authorizations panel) and the
worklist's clocks: `{% load unit_tags %}`."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone

from authorizations import units

register = template.Library()


@register.simple_tag(takes_context=True)
def client_units(context, client) -> dict:
    """The client's authorizations (every episode, latest first) with their unit figures, and
    their open unauthorized days: a constant number of queries."""
    organization = context.get("organization")
    if client is None or organization is None:
        return {"authorizations": [], "unauthorized_days": []}
    from iop.clients.models import Episode

    episode_ids = list(Episode.objects.filter(organization=organization, client=client).values_list("pk", flat=True))
    return {
        "authorizations": units.episode_authorizations(organization=organization, episode_ids=episode_ids),
        "unauthorized_days": list(
            units.unauthorized_day_list(organization=organization, open_only=True)
            .filter(episode_id__in=episode_ids)
            .order_by("local_date")
        ),
    }


@register.filter
def unit_noun(count, unit_type) -> str:
    """`{{ n }} {{ n|unit_noun:authorization.unit_type }}` → "3 days", "1 session"."""
    try:
        count = int(count)
    except (TypeError, ValueError):
        count = 0
    return units.unit_noun(unit_type, abs(count))


def _span(delta: dt.timedelta) -> str:
    seconds = abs(delta.total_seconds())
    if seconds >= 86400:
        days = int(seconds // 86400)
        return f"{days} day{'s' if days != 1 else ''}"
    hours = max(int(seconds // 3600), 1)
    return f"{hours} hour{'s' if hours != 1 else ''}"


@register.simple_tag
def decision_clock(due_at: dt.datetime | None, now: dt.datetime | None = None) -> str:
    """ "Due in 2 days" / "Overdue by 5 hours" / "No decision date"."""
    if due_at is None:
        return "No decision date"
    delta = due_at - (now or timezone.now())
    if delta.total_seconds() < 0:
        return f"Overdue by {_span(delta)}"
    return f"Due in {_span(delta)}"


@register.simple_tag
def days_until(day: dt.date | None, today: dt.date) -> str:
    """ "today" / "in 3 days" / "2 days ago"."""
    if day is None:
        return ""
    days = (day - today).days
    if days == 0:
        return "today"
    if days > 0:
        return f"in {days} day{'s' if days != 1 else ''}"
    return f"{-days} day{'s' if days != -1 else ''} ago"
