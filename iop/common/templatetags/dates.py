"""Template filters for dates and times: the functions of iop.common.dates, so a page, a PDF and a
message write a date the same way. Built into every template (settings TEMPLATES "builtins"):

    {{ session.starts_at|datetime_short }}   Tue 8 Dec, 14:30
    {{ line.start_date|date_range:line.end_date }}   8 Dec – 12 Dec 2026

Aware datetimes are converted to the zone the template renders in (the page's organization, see
base.html's `{% timezone %}`), as Django's own `date` filter does; an empty value renders as "",
so `|default:"—"` still works.
"""

from __future__ import annotations

from django import template

from iop.common import dates

register = template.Library()


def _filter(function):
    def apply(value):
        if value in (None, ""):
            return ""
        try:
            return function(value)
        except (AttributeError, TypeError, ValueError):
            return ""

    apply.__name__ = function.__name__
    apply.__doc__ = function.__doc__
    return register.filter(function.__name__, apply, expects_localtime=True)


for _function in (dates.date_short, dates.date_full, dates.time_hm, dates.datetime_short, dates.datetime_full):
    _filter(_function)


@register.filter(expects_localtime=True)
def date_range(start, end):
    """`start|date_range:end`: 8 Dec – 12 Dec 2026 (empty when either day is missing)."""
    if not start or not end:
        return ""
    return dates.date_range(start, end)
