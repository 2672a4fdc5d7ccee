"""Unit burn-down pieces for the authorization pages and the worklist's clocks: `{% load unit_tags %}`."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone

from authorizations.units import selectors as units

register = template.Library()


@register.filter
def unit_noun(count, unit_type) -> str:
    """`{{ n }} {{ n|unit_noun:authorization.unit_type }}` → "3 days", "1 session"."""
    try:
        count = int(count)
    except (TypeError, ValueError):
        count = 0
    return units.unit_noun(unit_type, abs(count))


@register.filter
def line_difference(line) -> str:
    """`{{ line|line_difference }}` → "12 of 15 days approved; through 18 Dec instead of 24 Dec"
    for a partial approval, "" for a line approved as asked."""
    return units.line_difference(line)


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
