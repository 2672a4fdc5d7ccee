"""The couple's packet page in a browser: each partner's service-line table shows every column (rate
and projected cost included) on a 1280 px screen and on a 390 px phone — fitting, or scrolling
inside its own box, never cut off — and "Back to …" returns to the page the packet was opened from."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from authorizations.models import Coverage
from authorizations.requests.services.packets import packet_create
from iop.clients.models import Couple
from iop.tenancy.context import tenant_context

from .test_authorization_packet import couple_world  # noqa: F401  (the fixture)
from .test_login_search import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# For every service-line table: its box, the table's own width, what its box shows, and whether the
# box scrolls; the last header cell's right edge (Projected cost) and the page's overflow.
MEASURE = """() => [...document.querySelectorAll('table[data-testid^="lines-"]')].map(table => {
    const box = table.closest('.table-scroll');
    const section = table.closest('section');
    const cells = [...table.querySelectorAll('thead th')];
    const style = getComputedStyle(box);
    return {
        headers: cells.map(c => c.textContent.trim()),
        boxRight: box.getBoundingClientRect().right,
        sectionRight: section.getBoundingClientRect().right - parseFloat(getComputedStyle(section).paddingRight),
        tableWidth: table.scrollWidth,
        boxWidth: box.clientWidth,
        scrolls: ['auto', 'scroll'].includes(style.overflowX) && box.scrollWidth > box.clientWidth,
        clipped: cells.some(c => c.getBoundingClientRect().width < 8),
        pageOverflow: document.documentElement.scrollWidth - window.innerWidth,
    };
})"""


@pytest.fixture
def packet(couple_world):  # noqa: F811
    ana, ben = couple_world["ana"], couple_world["ben"]
    with tenant_context(couple_world["harbor"].id):
        couple = Couple.objects.get()
        coverages = {c.client_id: c for c in Coverage.objects.filter(client__in=[ana, ben])}
        return packet_create(couple=couple, coverages=coverages, joint_goals="Communication.", actor=None)


@pytest.mark.parametrize("width", [1280, 390])
def test_the_service_line_tables_show_every_column(page: Page, live_server, couple_world, packet, width):  # noqa: F811
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, live_server.url, "intake@harbor.test", couple_world["secret"])
    page.goto(f"{live_server.url}/o/harbor/authorizations/packets/{packet.pk}/")
    expect(page.get_by_role("heading", name="Couple's packet", level=1)).to_be_visible()

    tables = page.evaluate(MEASURE)
    assert len(tables) == 2
    for table in tables:
        assert table["headers"][-2:] == ["Rate", "Projected cost"]
        assert table["pageOverflow"] <= 0, table  # nothing sticks out of the page
        assert table["boxRight"] <= table["sectionRight"] + 1, table  # the box stays inside its column
        assert not table["clipped"], table
        # Every column is on screen, or the box scrolls to it.
        assert table["tableWidth"] <= table["boxWidth"] or table["scrolls"], table
        if width == 1280:
            assert table["tableWidth"] <= table["boxWidth"], table  # side by side, and no scrolling


def test_back_returns_to_the_partner_page_the_packet_was_opened_from(page: Page, live_server, couple_world, packet):  # noqa: F811
    ben = couple_world["ben"]
    sign_in(page, live_server.url, "intake@harbor.test", couple_world["secret"])
    page.goto(f"{live_server.url}/o/harbor/clients/{ben.pk}/")
    page.locator("#requests").get_by_role("link", name="Couple's packet", exact=True).click()
    back = page.get_by_test_id("back-link")
    expect(back).to_have_text("Back to Ben Okafor")

    # A submission of the page keeps it: marking ready is refused (incomplete), and Back still goes to Ben.
    page.get_by_role("button", name="Mark both ready").click()
    expect(page.locator(".error-summary")).to_be_visible()
    expect(back).to_have_text("Back to Ben Okafor")
    back.click()
    expect(page).to_have_url(f"{live_server.url}/o/harbor/clients/{ben.pk}/#requests")
