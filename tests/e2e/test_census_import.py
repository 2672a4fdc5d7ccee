"""In the browser: an intake specialist previews a census file with a bad row, is asked to choose
what to import, imports the good row only, and the page (preview included) has no serious
accessibility violation. The file never shows in a URL."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from authorizations.models import Payer
from iop.clients.models import Client
from iop.tenancy.context import tenant_context
from tests.conftest import make_member
from tests.factories import OrganizationFactory, ProgramFactory, enable_totp

from .test_accessibility import _serious
from .test_login_search import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_intake_previews_a_census_and_imports_the_good_rows(page: Page, live_server, tmp_path):
    harbor = OrganizationFactory(slug="harbor", name="Harbor Virtual IOP", timezone="America/New_York")
    intake = make_member(harbor, "intake", "intake@harbor.test")
    secret = enable_totp(intake)
    today = harbor.local_today()
    with tenant_context(harbor.id):
        ProgramFactory(organization=harbor, name="Adult MH IOP")
        Payer.objects.create(name="Blue Harbor PPO", payer_id="BHP01")
    referred = (today - dt.timedelta(days=7)).isoformat()
    census = tmp_path / "census.csv"
    census.write_text(
        "first_name,last_name,date_of_birth,program,referral_date,payer,member_id,coverage_start\n"
        f"Ana,Lindqvist,1987-03-14,Adult MH IOP,{referred},Blue Harbor PPO,M100,{referred}\n"
        f"Ben,Okafor,1990-01-02,Adult MH IOP,{referred},Blue Harbor PPO,,{referred}\n"
    )
    visited: list[str] = []
    page.on("request", lambda request: visited.append(request.url))

    sign_in(page, live_server.url, "intake@harbor.test", secret)
    page.goto(f"{live_server.url}/o/harbor/clients/")
    page.get_by_role("link", name="Import a census").click()
    page.get_by_label("Census file (CSV)").set_input_files(census)
    page.get_by_role("button", name="Preview").click()

    preview = page.get_by_test_id("census-preview")
    expect(preview).to_contain_text("Line 3 (Okafor, Ben): Member id is missing.")
    expect(preview).to_contain_text("Line 2: Lindqvist, Ana")
    assert _serious(Axe().run(page)) == []

    page.get_by_role("button", name="Import").click()
    expect(page.get_by_text("Choose what to import: every row, or only the good rows.").first).to_be_visible()
    page.get_by_label("Only the good rows; leave the rows with problems out").check()
    page.get_by_role("button", name="Import").click()

    expect(page.get_by_text("Imported 1 client(s)")).to_be_visible()
    expect(page.get_by_test_id("bad-rows")).to_contain_text("Line 3")
    with tenant_context(harbor.id):
        assert list(Client.objects.values_list("last_name", flat=True)) == ["Lindqvist"]
    assert not any(re.search(r"Lindqvist|Okafor|M100", url) for url in visited)
