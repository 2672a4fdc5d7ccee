"""A VA adds, removes and puts back clients on a session's roster (htmx swaps the roster in place)
with no Content-Security-Policy violation in the console — also when an element of the roster
carries a style attribute written by script (as browser extensions and autofill do), which htmx
used to copy onto its replacement with setAttribute, refused by the CSP's `style-src 'self'`."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from iop.tenancy.context import tenant_context
from scheduling.models import Session
from scheduling.services import groups as group_services
from scheduling.services import rosters as roster_services
from tests.conftest import make_member
from tests.factories import ClientFactory, EpisodeFactory, OrganizationFactory, ProgramFactory, enable_totp
from tests.scheduling.conftest import make_facilitator

from .test_login_search import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Installed before any page script (not subject to the page's CSP): every violation the browser
# reports, kept on the page for the test to read.
COLLECT_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.cspViolations.push(event.violatedDirective + " " + event.sourceFile + ":" + event.lineNumber);
});
"""


class Console:
    """Console messages and CSP violation reports of a page, from the first load on."""

    def __init__(self, page: Page):
        self.page = page
        self.messages: list[str] = []
        page.on("console", lambda message: self.messages.append(f"{message.type}: {message.text}"))
        page.add_init_script(COLLECT_VIOLATIONS)

    def csp_problems(self) -> list[str]:
        said = [m for m in self.messages if "Content Security Policy" in m or "Content-Security-Policy" in m]
        return said + self.page.evaluate("window.cspViolations")


@pytest.fixture
def roster_world():
    """Committed data: a session in two days with two of its three seats taken, a client to add."""
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
            capacity=3,
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
        for first, last in (("Ben", "Okafor"), ("Ana", "Varga")):
            client = ClientFactory(organization=harbor, first_name=first, last_name=last, preferred_name="")
            roster_services.roster_book(
                session=session, episode=EpisodeFactory(organization=harbor, client=client, program=program)
            )
        newcomer = ClientFactory(organization=harbor, first_name="Soledad", last_name="Lindqvist", preferred_name="")
        EpisodeFactory(organization=harbor, client=newcomer, program=program)
    return {"secret": secret, "url": f"/o/harbor/schedule/sessions/{session.pk}/"}


def _rows(page: Page) -> list[str]:
    return page.locator("#roster table").first.locator("tbody th").all_inner_texts()


def test_adding_removing_and_undoing_shows_no_csp_violation(page: Page, live_server, roster_world):
    console = Console(page)
    sign_in(page, live_server.url, "va@harbor.test", roster_world["secret"])
    page.goto(live_server.url + roster_world["url"])
    fill = page.locator("#session-fill")
    expect(fill).to_have_text("2/3")
    assert _rows(page) == ["Okafor, Ben", "Varga, Ana"]
    # What an extension or autofill does to a form field and a heading in the region htmx swaps.
    page.evaluate(
        """() => {
          document.getElementById("id_roster-episode").style.backgroundColor = "rgb(232, 240, 254)";
          document.getElementById("session-fill").style.outline = "1px solid transparent";
        }"""
    )

    page.get_by_label("Client", exact=True).select_option(label="Lindqvist, Soledad — Adult MH IOP")
    page.get_by_role("button", name="Add to the session").click()
    expect(fill).to_have_text("3/3")
    assert _rows(page) == ["Lindqvist, Soledad", "Okafor, Ben", "Varga, Ana"]  # by name, not by booking

    page.locator("#roster").get_by_role("row", name="Okafor, Ben").get_by_role("button", name="Remove").click()
    expect(fill).to_have_text("2/3")
    undo = page.get_by_test_id("roster-undo")
    expect(undo).to_contain_text("Okafor, Ben was removed from the roster.")
    page.evaluate('document.getElementById("session-fill").style.outline = "1px solid transparent"')

    undo.get_by_role("button", name="Undo").click()
    expect(fill).to_have_text("3/3")
    expect(page.get_by_role("status")).to_contain_text("The client is back on the roster. 3 of 3 seats booked.")
    expect(page.get_by_test_id("roster-undo")).to_have_count(0)
    assert _rows(page) == ["Lindqvist, Soledad", "Okafor, Ben", "Varga, Ana"]

    assert console.csp_problems() == []


def test_the_console_check_sees_an_inline_style(page: Page, live_server, roster_world):
    """The check above can fail: an inline style put into the page is reported."""
    console = Console(page)
    sign_in(page, live_server.url, "va@harbor.test", roster_world["secret"])
    page.goto(live_server.url + roster_world["url"])

    page.evaluate("""window.htmx.swap("#roster", '<p style="color: red">inline</p>', {swapStyle: "beforeend"})""")

    expect(page.locator("#roster").get_by_text("inline")).to_be_visible()
    page.wait_for_function("window.cspViolations.length > 0")
    assert any("style-src" in problem for problem in console.csp_problems())
