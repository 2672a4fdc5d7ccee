"""Template pieces for authorization requests: money and "no fee on file", status tags and the other
components' labels."""

from __future__ import annotations

from decimal import Decimal

from django import template

from authorizations.models import RequestStatus
from authorizations.requests.services.drafting import OTHER_COMPONENTS

register = template.Library()

NO_FEE = "no fee on file"

# Keyed by plain str: templates pass the status as the database gives it.
_STATUS_TAGS: dict[str, str] = {
    RequestStatus.DRAFT: "tag--muted",
    RequestStatus.READY: "",
    RequestStatus.SUBMITTED: "",
    RequestStatus.PENDED: "tag--warning",
    RequestStatus.DETERMINED: "tag--success",
}


@register.filter
def money(value) -> str:
    """`$1,234.50`; "no fee on file" for a line the payer has no fee for."""
    if value is None or value == "":
        return NO_FEE
    return f"${Decimal(value):,.2f}"


@register.filter
def status_class(status: str) -> str:
    return _STATUS_TAGS.get(status, "")


@register.filter
def component_label(key: str) -> str:
    return OTHER_COMPONENTS.get(key, key)


@register.filter
def frequency(value) -> str:
    """Sessions a week without a trailing `.0` (3, 0.5, 2.5)."""
    if value is None:
        return ""
    return f"{Decimal(value).normalize():f}"
