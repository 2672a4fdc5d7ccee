"""The discharge page's billing panel: `{% load billing_tags %}{% billing_panel_for episode as panel %}`
(contract 1: the plan page includes `discharge/billing/_panel.html` with `episode`, `organization`, `can`)."""

from __future__ import annotations

from django import template

from discharge.billing.selectors import episode_reconciliation_state
from discharge.models import BillingLine, ReconciliationStatus

register = template.Library()


@register.simple_tag
def billing_panel_for(episode) -> dict:
    """The reconciliation's status, its discrepancy count and the number of billing lines."""
    status, count = episode_reconciliation_state(episode)
    return {
        "status": status,
        "status_label": ReconciliationStatus(status).label,
        "discrepancies": count,
        "lines": BillingLine.objects.filter(organization_id=episode.organization_id, episode=episode).count(),
        "closed": status != ReconciliationStatus.OPEN,
    }
