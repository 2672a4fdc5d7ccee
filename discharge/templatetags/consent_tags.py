"""Consent templates' helpers: `{% load consent_tags %}`.

- `information_labels`: a consent's or disclosure's kinds as words.
- `consent_panel_for plan as panel`: the discharge page's consent panel (contract 1: the page
  includes `discharge/consent/_panel.html` with `plan`, `episode`, `client`, `organization`, `can`).
"""

from __future__ import annotations

from django import template

from discharge.consent.forms import SendForm
from discharge.consent.selectors import plan_consent_panel
from discharge.consent.views import SEND_PREFIX, send_form_initial

register = template.Library()


@register.filter
def information_labels(kinds) -> str:
    from discharge.consent.scope import kind_label

    return "; ".join(kind_label(k) for k in kinds or ())


@register.simple_tag
def consent_panel_for(plan) -> dict:
    """Whether a valid consent covers the receiving provider (and what it covers), the records
    sent to it for this episode, and the send form with its defaults."""
    panel = plan_consent_panel(plan=plan)
    episode = plan.episode
    return {
        **panel,
        "send_form": SendForm(
            organization=plan.organization,
            client=episode.client,
            prefix=SEND_PREFIX,
            initial=send_form_initial(organization=plan.organization, episode=episode, plan=plan),
        ),
    }
