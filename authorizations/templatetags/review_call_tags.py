"""The review page's calls panel: `{% load review_call_tags %}{% review_calls_panel review as panel %}`
(the review page includes `authorizations/reviews/_calls.html` with `review`, `organization`, `can`)."""

from __future__ import annotations

from django import template

from authorizations.reviews.calls.forms import CallCancelForm, CallForm
from authorizations.reviews.calls.selectors import calls_panel

register = template.Library()


@register.simple_tag
def review_calls_panel(review) -> dict:
    """The panel's calls and its fresh forms (a refused form is shown on a page of its own)."""
    panel = calls_panel(review=review)
    current = panel.current.call if panel.current else None
    organization = review.organization
    return {
        "current": panel.current,
        "history": panel.history,
        "is_open": panel.is_open,
        "schedule_form": CallForm(
            initial=CallForm.initial_for(None, organization=organization, review_date=review.review_date), prefix="call"
        ),
        "move_form": CallForm(
            initial=CallForm.initial_for(current, organization=organization, review_date=review.review_date),
            prefix="move",
        )
        if current
        else None,
        "cancel_form": CallCancelForm(prefix="cancel") if current else None,
    }
