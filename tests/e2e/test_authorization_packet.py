"""An intake specialist starts a couple's combined pre-authorization packet from the client page,
completes each partner's request (diagnosis, justification), marks both ready and submits them
together — one request per partner, each on their own coverage."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from authorizations.models import AuthorizationRequest, FeeScheduleEntry, Payer, PayerPlan, PlanType
from iop.clients.models import EpisodeStatus
from iop.clients.services import couple_create
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

from .test_accessibility import _serious
from .test_login_search import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def couple_world():
    """Committed data: Ana and Ben, a couple in active care (Ana the identified patient), each with
    their own Blue Harbor coverage; the payer's IOP rule and fees."""
    harbor = OrganizationFactory(slug="harbor", name="Harbor Virtual IOP", timezone="America/New_York")
    intake = make_member(harbor, "intake", "intake@harbor.test")
    secret = enable_totp(intake)
    with tenant_context(harbor.id):
        program = ProgramFactory(organization=harbor, name="Adult MH IOP")
        payer = Payer.objects.create(name="Blue Harbor PPO", payer_id="BHP01")
        PayerPlan.objects.create(payer=payer, name="Gold PPO", plan_type=PlanType.PPO)
        make_rule(payer, hours="9", days=3)
        for code, rate in (("90853", "75.00"), ("90847", "120.00"), ("90791", "180.00")):
            FeeScheduleEntry.objects.create(
                payer=payer, code=code, rate=Decimal(rate), effective_from=dt.date(2020, 1, 1)
            )
        clients = []
        for first, last, member_id in (("Ana", "Varga", "BHP-2001"), ("Ben", "Okafor", "BHP-2002")):
            client = ClientFactory(organization=harbor, first_name=first, last_name=last, preferred_name="")
            episode = EpisodeFactory(organization=harbor, client=client, program=program, status=EpisodeStatus.ACTIVE)
            TreatmentPlanFactory(
                organization=harbor,
                episode=episode,
                tracks=["group", "couples"],
                goals="Fewer conflicts at home; sobriety maintained.",
            )
            make_coverage(client, payer, member_id=member_id)
            clients.append(client)
        ana, ben = clients
        couple_create(
            organization=harbor,
            partner_one=ana,
            partner_two=ben,
            identified_patient=ana,
            started_on=dt.date(2026, 1, 5),
        )
    return {"secret": secret, "ana": ana, "ben": ben, "harbor": harbor}


def _complete_request(page: Page, name: str, diagnosis: str, *, check_accessibility: bool = False) -> None:
    page.get_by_role("link", name=f"Open {name}'s request").click()
    expect(page.get_by_role("heading", name=f"Pre-authorization request: {name}", level=1)).to_be_visible()
    if check_accessibility:
        assert _serious(Axe().run(page)) == []
    page.get_by_label("ICD-10-CM code").fill(diagnosis)
    page.get_by_role("button", name="Add the diagnosis").click()
    expect(page.get_by_role("status")).to_contain_text("The diagnosis was added.")
    page.get_by_label("Why a lower level of care is not enough").fill(
        "Weekly outpatient couples work did not stop two relapses in three months."
    )
    page.get_by_label("Why a higher level of care is not needed").fill("No withdrawal risk; safe at home.")
    page.get_by_role("button", name="Save the details").click()
    expect(page.get_by_role("status")).to_contain_text("The request's details were saved.")
    page.get_by_role("link", name="The couple's packet").click()


def test_an_intake_specialist_creates_a_couples_combined_request_and_submits_it(page: Page, live_server, couple_world):
    ana, ben = couple_world["ana"], couple_world["ben"]
    sign_in(page, live_server.url, "intake@harbor.test", couple_world["secret"])
    page.goto(f"{live_server.url}/o/harbor/clients/{ana.pk}/")

    requests_panel = page.locator("#requests")
    expect(requests_panel.get_by_role("heading", name="Pre-authorization requests")).to_be_visible()
    requests_panel.get_by_role("link", name="Start a couple's packet").click()
    expect(page.get_by_role("heading", name="Start a couple's packet", level=1)).to_be_visible()
    page.get_by_label("Ana Varga's coverage").select_option(
        label="Blue Harbor PPO · member BHP-2001 · primary, from 1 Jan 2020"
    )
    page.get_by_label("Ben Okafor's coverage").select_option(
        label="Blue Harbor PPO · member BHP-2002 · primary, from 1 Jan 2020"
    )
    page.get_by_label("Joint treatment goals").fill("Communication skills; relapse prevention; couples therapy.")
    page.get_by_role("button", name="Draft both requests").click()

    expect(page.get_by_role("status")).to_contain_text("The couple's packet was drafted: one request for each partner.")
    expect(page.get_by_role("heading", name="Couple's packet", level=1)).to_be_visible()
    ana_column, ben_column = page.get_by_test_id(f"partner-{ana.pk}"), page.get_by_test_id(f"partner-{ben.pk}")
    expect(ana_column.get_by_text("Identified patient")).to_be_visible()
    expect(ana_column.get_by_role("row", name="90847")).to_be_visible()  # couples therapy on Ana's request only
    expect(ben_column.get_by_role("row", name="90847")).to_have_count(0)
    expect(ana_column).to_contain_text("member BHP-2001")
    expect(ben_column).to_contain_text("member BHP-2002")
    assert _serious(Axe().run(page)) == []

    # Not ready yet: each partner's missing items are listed, and nothing changes.
    page.get_by_role("button", name="Mark both ready").click()
    expect(page.locator(".error-summary")).to_contain_text("Ben Okafor: Add the primary ICD-10-CM diagnosis.")

    _complete_request(page, "Ana Varga", "F10.20", check_accessibility=True)
    _complete_request(page, "Ben Okafor", "F33.1")
    page.get_by_role("button", name="Mark both ready").click()
    expect(page.get_by_role("status")).to_contain_text("Both requests are ready to submit.")

    page.get_by_label("Submitted by").select_option(label="Payer portal")
    page.get_by_label("Payer reference for Ana Varga").fill("BH-778")
    page.get_by_label("Payer reference for Ben Okafor").fill("BH-779")
    page.get_by_role("button", name="Submit both requests").click()

    expect(page.get_by_role("status")).to_contain_text("Both requests were recorded as submitted together.")
    expect(page.get_by_test_id(f"status-{ana.pk}")).to_have_text("Submitted")
    expect(page.get_by_test_id(f"status-{ben.pk}")).to_have_text("Submitted")
    with tenant_context(couple_world["harbor"].id):
        submitted = {r.episode.client_id: r for r in AuthorizationRequest.objects.select_related("episode", "coverage")}
    assert {r.status for r in submitted.values()} == {"submitted"}
    assert (submitted[ana.pk].coverage.member_id, submitted[ana.pk].payer_reference) == ("BHP-2001", "BH-778")
    assert (submitted[ben.pk].coverage.member_id, submitted[ben.pk].payer_reference) == ("BHP-2002", "BH-779")
    assert submitted[ana.pk].packet_id == submitted[ben.pk].packet_id is not None
