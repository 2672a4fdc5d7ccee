"""Messages where the member is: the one live region (flash messages, what htmx answers announce)
floats at the bottom of the window (a fixed toast area, styled in app.css: no inline style), and
is still the page's one polite status region."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders

from iop.clients.models import Episode
from iop.tenancy.context import tenant_context
from tests.pages import org_today, org_url

pytestmark = pytest.mark.django_db


def _rule(css: str, selector: str) -> str:
    match = re.search(r"(?m)^" + re.escape(selector) + r"\s*\{([^}]*)\}", css)
    assert match, f"no rule for {selector}"
    return match.group(1)


def test_the_live_region_is_the_toast_area_and_still_one_polite_status(as_va, harbor):
    body = as_va.get(org_url("client_list", harbor)).content.decode()

    toasts = re.search(
        r'<div class="toasts">\s*<div id="live-region" class="messages" role="status" aria-live="polite">', body
    )
    assert toasts, "the live region sits in the toast area"
    assert body.count('role="status"') == 1
    # The button that puts a message away is app.js's to show: without scripts it is not there.
    assert re.search(r'<button type="button" class="toasts__dismiss" data-dismiss-messages hidden>', body)


def test_the_toast_area_is_fixed_at_the_bottom_of_the_window():
    css = open(finders.find("css/app.css")).read()

    toasts = _rule(css, ".toasts")
    assert "position: fixed" in toasts and "bottom:" in toasts and "z-index" in toasts
    assert "display: none" in _rule(css, ".toasts .messages:empty")
    js = open(finders.find("js/app.js")).read()
    assert "[data-dismiss-messages]" in js and "MutationObserver" in js


def test_a_flash_message_after_a_redirect_is_in_the_toast_area(as_va, harbor, harbor_client):
    with tenant_context(harbor.id):
        episode = Episode.objects.get(client=harbor_client)

    response = as_va.post(
        org_url("episode_transition", harbor, episode_id=episode.pk),
        {"transition-to_status": "step_down", "transition-effective_date": org_today(harbor).isoformat()},
        follow=True,
    )

    region = response.content.decode().split('<div class="toasts">')[1].split("</button>")[0]
    assert '<p class="message message--success">The episode is now stepped down.</p>' in region
