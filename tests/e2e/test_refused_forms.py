"""An intake specialist works a request page in the browser: a refused action keeps the address
bar on the page (a reload shows the page, never an empty 405), and a justification typed in one
form survives adding a diagnosis in another — with htmx, and without JavaScript."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from playwright.sync_api import Browser, Page, expect

from authorizations.models import FeeScheduleEntry, Payer, PayerPlan, PlanType
from authorizations.requests.services.drafting import request_create
from iop.clients.models import EpisodeStatus
from iop.tenancy.context import tenant_context
from tests.authorizations.conftest import make_coverage, make_rule
from tests.conftest import make_member
from tests.factories import (
    ClientFactory,
    EpisodeFactory,
    OrganizationFactory,
    ProgramFactory,
    TreatmentPlanFactory,
    enable_totp,
)

from .test_login_search import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

HIGHER = "Safe at home with her sister; no withdrawal risk, no imminent risk."


@pytest.fixture
def request_world():
    """Committed data: Rosa in active care with a coverage, and a draft request for her."""
    harbor = OrganizationFactory(slug="harbor", name="Harbor Virtual IOP", timezone="America/New_York")
    intake = make_member(harbor, "intake", "intake@harbor.test")
    secret = enable_totp(intake)
    with tenant_context(harbor.id):
        program = ProgramFactory(organization=harbor, name="Adult MH IOP")
        payer = Payer.objects.create(name="Blue Harbor PPO", payer_id="BHP01")
        PayerPlan.objects.create(payer=payer, name="Gold PPO", plan_type=PlanType.PPO)
        make_rule(payer, hours="9", days=3)
        FeeScheduleEntry.objects.create(
            payer=payer, code="90853", rate=Decimal("75.00"), effective_from=dt.date(2020, 1, 1)
        )
        client = ClientFactory(organization=harbor, first_name="Rosa", last_name="Mendel", preferred_name="")
        episode = EpisodeFactory(organization=harbor, client=client, program=program, status=EpisodeStatus.ACTIVE)
        TreatmentPlanFactory(organization=harbor, episode=episode, tracks=["group"], goals="Return to work.")
        coverage = make_coverage(client, payer, member_id="BHP-3001")
        draft = request_create(episode=episode, coverage=coverage, actor=intake)
    return {"secret": secret, "request": draft}


def _justification(page: Page):
    return page.get_by_label("Why a higher level of care is not needed")


def test_a_refused_action_stays_on_the_request_page_and_keeps_the_justification(
    page: Page, browser: Browser, live_server, request_world
):
    draft = request_world["request"]
    request_page = f"{live_server.url}/o/harbor/authorizations/requests/{draft.pk}/"
    sign_in(page, live_server.url, "intake@harbor.test", request_world["secret"])
    page.goto(request_page)

    # A justification typed but not saved, then a diagnosis with a typo: refused, next to the code.
    _justification(page).fill(HIGHER)
    page.get_by_label("ICD-10-CM code").fill("Z9")
    page.get_by_role("button", name="Add the diagnosis").click()
    expect(page.locator(".error-summary")).to_contain_text("“Z9” is not an ICD-10-CM code")
    expect(page).to_have_url(request_page)
    expect(page.get_by_label("ICD-10-CM code")).to_have_value("Z9")
    expect(_justification(page)).to_have_value(HIGHER)

    # Corrected: added, and the justification is still there, still to be saved.
    page.get_by_label("ICD-10-CM code").fill("F33.1")
    page.get_by_role("button", name="Add the diagnosis").click()
    expect(page.get_by_role("status")).to_contain_text("The diagnosis was added.")
    expect(page.get_by_role("row", name="F33.1")).to_be_visible()
    expect(_justification(page)).to_have_value(HIGHER)

    # Marking ready would send the payer the saved text: refused until the details are saved.
    page.get_by_role("button", name="Mark ready to submit").click()
    expect(page.locator(".error-summary")).to_contain_text("The clinical justification has changes that are not saved")
    expect(_justification(page)).to_have_value(HIGHER)
    page.get_by_role("button", name="Save the details").click()
    expect(page.get_by_role("status")).to_contain_text("The request's details were saved.")

    # Still incomplete: refused with what is missing, on the page's own URL; a reload is the page.
    page.get_by_role("button", name="Mark ready to submit").click()
    expect(page.locator(".error-summary")).to_contain_text("The request is not ready")
    expect(page).to_have_url(request_page)
    reloaded = page.reload()
    assert reloaded is not None and reloaded.status == 200
    expect(page.get_by_role("heading", name="Pre-authorization request: Rosa Mendel", level=1)).to_be_visible()
    expect(_justification(page)).to_have_value(HIGHER)
    expect(page.locator(".error-summary")).to_have_count(0)
    # The endpoint itself, reloaded or bookmarked, is the page too.
    page.goto(f"{request_page}ready/")
    expect(page).to_have_url(request_page)
    expect(page.get_by_test_id("request-status")).to_have_text("Draft")

    # Without JavaScript the same forms post and come back with a redirect: never left on …/ready/.
    plain = browser.new_context(java_script_enabled=False, storage_state=page.context.storage_state())
    try:
        no_js = plain.new_page()
        no_js.goto(request_page)
        no_js.get_by_label("ICD-10-CM code").fill("F9")
        no_js.get_by_role("button", name="Add the diagnosis").click()
        expect(no_js.locator(".error-summary")).to_contain_text("“F9” is not an ICD-10-CM code")
        expect(no_js).to_have_url(request_page)
        expect(no_js.get_by_label("ICD-10-CM code")).to_have_value("F9")
        no_js.get_by_role("button", name="Mark ready to submit").click()
        expect(no_js.locator(".error-summary")).to_contain_text("The request is not ready")
        expect(no_js).to_have_url(request_page)
        reloaded = no_js.reload()
        assert reloaded is not None and reloaded.status == 200
        expect(_justification(no_js)).to_have_value(HIGHER)
    finally:
        plain.close()
