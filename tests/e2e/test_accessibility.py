"""axe-core on the main pages: no serious or critical accessibility violations."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, ViewportSize

from iop.tenancy.context import tenant_context
from tests.conftest import make_member
from tests.factories import ClientFactory, EpisodeFactory, OrganizationFactory, ProgramFactory, enable_totp

from .test_login_search import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PAGES = [
    "/o/harbor/today/",
    "/o/harbor/today/census/",
    "/o/harbor/clients/",
    "/o/harbor/clients/new/",
    "/o/harbor/clients/{client}/",
    "/o/harbor/clients/{client}/edit/",
    "/o/harbor/team/",
    "/o/harbor/api-tokens/",
    "/o/harbor/audit/",
    "/o/harbor/attendance/missing/",
    "/o/harbor/attendance/hours-at-risk/",
    "/o/harbor/attendance/alerts/",
]

# Desktop, and a phone's width (390 px: the pages must work on the VA's phone too).
VIEWPORTS: list[ViewportSize] = [{"width": 1280, "height": 800}, {"width": 390, "height": 844}]


def _serious(results) -> list[str]:
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_main_pages_have_no_serious_accessibility_violations(page: Page, live_server):
    harbor = OrganizationFactory(slug="harbor", name="Harbor Virtual IOP", timezone="America/New_York")
    admin = make_member(harbor, "org_admin", "admin@harbor.test")
    secret = enable_totp(admin)
    with tenant_context(harbor.id):
        program = ProgramFactory(organization=harbor, name="Adult MH IOP")
        client = ClientFactory(organization=harbor)
        EpisodeFactory(organization=harbor, client=client, program=program)

    axe = Axe()
    problems: dict[str, list[str]] = {}
    page.set_viewport_size(VIEWPORTS[0])
    page.goto(f"{live_server.url}/accounts/login/")
    problems["/accounts/login/"] = _serious(axe.run(page))
    sign_in(page, live_server.url, "admin@harbor.test", secret)
    for viewport in VIEWPORTS:
        # The narrow layout is a different page to a screen reader (menus fold, tables scroll).
        page.set_viewport_size(viewport)
        for path in PAGES:
            url = path.format(client=client.pk)
            response = page.goto(f"{live_server.url}{url}")
            # An error page has few violations: check the page itself was served.
            assert response is not None and response.ok, f"{url}: {response and response.status}"
            problems[f"{url} at {viewport['width']} px"] = _serious(axe.run(page))
    assert {url: found for url, found in problems.items() if found} == {}
