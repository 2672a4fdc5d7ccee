"""`{% next_here %}`: `next=<this page's path>` for a link to a page whose "Back" link should
return here (iop/common/navigation.py). The path only: the query string (what was searched,
filters) never travels.

    <a href="{% url 'authorizations:packet_detail' … %}?{% next_here 'requests' %}">
"""

from __future__ import annotations

from django import template

from iop.common.navigation import next_query

register = template.Library()


@register.simple_tag(takes_context=True)
def next_here(context, fragment: str = "") -> str:
    """`next=…` with this page's path, and `#fragment` (the section to come back to) when given."""
    request = context.get("request")
    if request is None:
        return ""
    return next_query(request.path + (f"#{fragment}" if fragment else ""))[1:]
