"""A VA opens the master schedule, opens a session, places a client and sees the fill change
(htmx swaps the roster in place; the page is not reloaded)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from iop.common.weeks import week_start_for
from iop.tenancy.context import tenant_context
from scheduling.models import Session
from scheduling.services import groups as group_services
from scheduling.services import rosters as roster_services
from tests.conftest import make_member
from tests.factories import ClientFactory, EpisodeFactory, OrganizationFactory, ProgramFactory, enable_totp
from tests.scheduling.conftest import make_facilitator

from .test_login_search import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def schedule_world():
    """Committed data: a group meeting in two days with three of ten seats taken, and a client to place."""
    harbor = OrganizationFactory(slug="harbor", name="Harbor Virtual IOP", timezone="America/New_York")
    va = make_member(harbor, "va", "va@harbor.test")
    secret = enable_totp(va)
    with tenant_context(harbor.id):
        program = ProgramFactory(organization=harbor, name="Adult MH IOP")
        group_type = group_services.group_type_create(organization=harbor, name="Process group")
    lead = make_facilitator(harbor, "lead@harbor.test", [group_type])
    with tenant_context(harbor.id):
        group = group_services.group_create(
            organization=harbor,
            program=program,
            group_type=group_type,
            name="Morning Process",
            capacity=10,
            lead_facilitator=lead,
        )
        today = harbor.local_today()
        day = today + dt.timedelta(days=2)
        group_services.slot_create(
            group=group,
            weekday=day.weekday(),
            start_time=dt.time(10),
            duration_minutes=90,
            effective_from=today,
            today=today,
        )
        session = Session.objects.get(group=group, local_date=day)
        for _ in range(3):
            episode = EpisodeFactory(organization=harbor, client=ClientFactory(organization=harbor), program=program)
            roster_services.roster_book(session=session, episode=episode)
        newcomer = ClientFactory(organization=harbor, first_name="Soledad", last_name="Varga-Lindqvist")
        EpisodeFactory(organization=harbor, client=newcomer, program=program)
    return {
        "secret": secret,
        "session": session,
        "in_next_week": week_start_for(harbor, day) != week_start_for(harbor, today),
    }


def test_va_places_a_client_from_the_session_page_and_sees_the_fill_change(page: Page, live_server, schedule_world):
    sign_in(page, live_server.url, "va@harbor.test", schedule_world["secret"])

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Schedule").click()
    expect(page.get_by_role("heading", name="Schedule", level=1)).to_be_visible()
    if schedule_world["in_next_week"]:
        page.get_by_role("link", name=re.compile(r"^Next week")).click()
    grid = page.get_by_role("table")
    expect(grid.get_by_text("3/10")).to_be_visible()

    grid.get_by_role("link", name="Morning Process").click()

    session_url = f"{live_server.url}/o/harbor/schedule/sessions/{schedule_world['session'].pk}/"
    expect(page).to_have_url(session_url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Morning Process")
    fill = page.locator("#session-fill")
    expect(fill).to_have_text("3/10")
    page.evaluate("window.notReloaded = true")

    page.get_by_label("Client", exact=True).select_option(label="Varga-Lindqvist, Soledad — Adult MH IOP")
    page.get_by_role("button", name="Add to the session").click()

    expect(fill).to_have_text("4/10")
    expect(page.get_by_role("status")).to_contain_text("The client was added to the roster. 4 of 10 seats booked.")
    roster = page.locator("#roster")
    expect(roster.get_by_role("link", name="Varga-Lindqvist, Soledad")).to_be_visible()
    # htmx swapped the roster in place: same URL, same page (no reload).
    expect(page).to_have_url(session_url)
    assert page.evaluate("window.notReloaded") is True
