"""The review page's packet panel (templates/authorizations/reviews/_packet.html): its state read
once, and the submission form."""

from __future__ import annotations

from django import template

from authorizations.requests.forms import SubmitForm
from authorizations.reviews.packets.selectors import PacketPanel, review_packet_panel
from authorizations.reviews.packets.views import SUBMIT_PREFIX

register = template.Library()


@register.simple_tag
def review_packet_state(review) -> PacketPanel:
    return review_packet_panel(review=review)


@register.simple_tag
def review_packet_submit_form() -> SubmitForm:
    return SubmitForm(prefix=SUBMIT_PREFIX)
