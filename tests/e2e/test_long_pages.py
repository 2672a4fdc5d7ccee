"""Long pages in the browser: the client page's "On this page" navigation stays in view and takes
the member to a section; a change made far down the page comes back there with its message in
view (the live region floats at the bottom of the window) until it is put away; the worklist's
bar of sections does the same for a chase task."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from authorizations.models import ChaseKind, ChaseTask, Coverage, Payer
from iop.tenancy.context import tenant_context
from tests.authorizations.units.conftest import make_authorization
from tests.conftest import make_member
from tests.factories import ClientFactory, EpisodeFactory, OrganizationFactory, ProgramFactory, enable_totp

from .test_login_search import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

VIEWPORT = {"width": 1280, "height": 720}


@pytest.fixture
def world():
    """Committed data (the live server runs in another thread): an active client with insurance
    and an authorization ending soon, with its chase task."""
    harbor = OrganizationFactory(slug="harbor", name="Harbor Virtual IOP", timezone="America/New_York")
    va = make_member(harbor, "va", "va@harbor.test")
    secret = enable_totp(va)
    with tenant_context(harbor.id):
        today = harbor.local_today()
        program = ProgramFactory(organization=harbor, name="Adult MH IOP")
        client = ClientFactory(organization=harbor, first_name="Soledad", last_name="Varga")
        episode = EpisodeFactory(organization=harbor, client=client, program=program)
        payer = Payer.objects.create(name="Blue Harbor PPO", payer_id="BHP01")
        coverage = Coverage.objects.create(
            client=client, payer=payer, member_id="M1", effective_from=dt.date(2020, 1, 1)
        )
        authorization = make_authorization(episode, coverage, start=today, end=today + dt.timedelta(days=9))
        ChaseTask.objects.create(
            kind=ChaseKind.ENDS_IN_14, authorization=authorization, due_date=today, created_at=timezone.now()
        )
    return {"secret": secret, "client": client}


def _in_viewport(page: Page, selector: str) -> bool:
    box = page.locator(selector).first.bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= VIEWPORT["height"]


def test_the_client_page_navigation_stays_in_view_and_a_change_comes_back_with_its_message(
    page: Page, live_server, world
):
    page.set_viewport_size(VIEWPORT)
    sign_in(page, live_server.url, "va@harbor.test", world["secret"])
    page.goto(f"{live_server.url}/o/harbor/clients/{world['client'].pk}/")
    toc = page.get_by_role("navigation", name="On this page")

    toc.get_by_role("link", name="Episode history").click()

    expect(page).to_have_url(f"{live_server.url}/o/harbor/clients/{world['client'].pk}/#history")
    assert _in_viewport(page, "#history-title")
    assert page.evaluate("window.scrollY") > 0
    expect(toc).to_be_in_viewport()  # sticky: still there far down the page
    expect(toc.get_by_role("link", name="Episode history")).to_have_attribute("aria-current", "location")

    toc.get_by_role("link", name="Episode of care").click()
    page.get_by_label("New status").select_option("step_down")
    page.get_by_role("button", name="Change status").click()

    expect(page).to_have_url(f"{live_server.url}/o/harbor/clients/{world['client'].pk}/#episode")
    message = page.get_by_role("status")
    expect(message).to_have_text("The episode is now stepped down.")
    assert _in_viewport(page, "#live-region .message")
    assert _in_viewport(page, "#episode-title")
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    assert _in_viewport(page, "#live-region .message"), "fixed: still in view at the end of the page"
    page.get_by_role("button", name="Dismiss the message").click()
    expect(page.locator("#live-region .message")).to_have_count(0)
    expect(page.get_by_role("button", name="Dismiss the message")).to_be_hidden()


def test_the_worklist_bar_and_a_closed_chase_task_with_its_message_in_view(page: Page, live_server, world):
    page.set_viewport_size(VIEWPORT)
    sign_in(page, live_server.url, "va@harbor.test", world["secret"])
    page.goto(f"{live_server.url}/o/harbor/authorizations/")
    bar = page.get_by_role("navigation", name="On this page")
    expect(bar.get_by_role("link", name="Chase tasks (1)")).to_be_visible()

    bar.get_by_role("link", name="Drafts (0)").click()
    expect(bar).to_be_in_viewport()

    page.get_by_label("What was done: ends within 14 days, Varga, Soledad").fill("Renewal submitted")
    page.get_by_role("button", name=re.compile(r"^Mark done\s*: ends within 14 days, Varga, Soledad$")).click()

    expect(page).to_have_url(f"{live_server.url}/o/harbor/authorizations/#tasks")
    expect(page.get_by_role("status")).to_have_text("Done: ends within 14 days.")
    assert _in_viewport(page, "#live-region .message")
    expect(page.get_by_role("heading", name="Chase tasks (0)")).to_be_in_viewport()
