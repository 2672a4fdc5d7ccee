"""A VA signs in through the real login and MFA pages (landing on Today), finds a client by search
and opens them."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from iop.tenancy.context import tenant_context
from tests.conftest import make_member
from tests.factories import (
    TEST_PASSWORD,
    ClientFactory,
    EpisodeFactory,
    OrganizationFactory,
    ProgramFactory,
    enable_totp,
    totp_code,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def harbor_world():
    """Committed data (the live server runs in another thread, with its own connection)."""
    harbor = OrganizationFactory(slug="harbor", name="Harbor Virtual IOP", timezone="America/New_York")
    va = make_member(harbor, "va", "va@harbor.test")
    secret = enable_totp(va)
    with tenant_context(harbor.id):
        program = ProgramFactory(organization=harbor, name="Adult MH IOP")
        target = ClientFactory(organization=harbor, first_name="Soledad", last_name="Varga-Lindqvist")
        EpisodeFactory(organization=harbor, client=target, program=program)
        for _ in range(6):
            EpisodeFactory(organization=harbor, client=ClientFactory(organization=harbor), program=program)
    return {"organization": harbor, "user": va, "secret": secret, "client": target}


def sign_in(page: Page, base_url: str, email: str, secret: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Two-Factor Authentication")).to_be_visible()
    page.get_by_label("Code").fill(totp_code(secret))
    page.get_by_role("button", name="Sign in").click()


def test_va_logs_in_finds_a_client_by_search_and_opens_the_client_page(page: Page, live_server, harbor_world):
    target = harbor_world["client"]
    visited: list[str] = []
    page.on("request", lambda request: visited.append(request.url))

    sign_in(page, live_server.url, "va@harbor.test", harbor_world["secret"])

    # Sign-in lands on Today; the clients list is one click away.
    expect(page).to_have_url(re.compile(r"/o/harbor/today/$"))
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Clients").click()
    expect(page).to_have_url(re.compile(r"/o/harbor/clients/$"))
    expect(page.get_by_role("heading", name="Clients", exact=True)).to_be_visible()

    page.get_by_label("Name, phone or email").fill("lindqvist")
    page.get_by_role("button", name="Search").click()

    results = page.locator("#client-results")
    expect(results.get_by_role("row")).to_have_count(2)  # header + the one match
    expect(page.get_by_role("status")).to_contain_text("1 client found.")
    # The search went by htmx into the results region: still the list page, same URL.
    expect(page).to_have_url(re.compile(r"/o/harbor/clients/$"))

    results.get_by_role("link", name="Varga-Lindqvist, Soledad").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(target.display_name)
    expect(page.get_by_role("heading", name="Episode history")).to_be_visible()
    assert all("lindqvist" not in url.lower() for url in visited), "the search text never goes into a URL"
