"""A clinician opens tomorrow's review from the Reviews page, reads the packet section, and
records the payer's outcome: continued stay approved through a date, under the same number."""

from __future__ import annotations

import datetime as dt

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from authorizations.models import Authorization, ConcurrentReview
from authorizations.requests.services.determinations import determination_record
from authorizations.requests.services.drafting import request_create
from authorizations.requests.services.workflow import request_mark_ready, request_submit
from authorizations.reviews.packets.services import review_packet_prepare
from authorizations.reviews.services.calendar import review_date_move
from authorizations.reviews.services.clinical import review_clinical_update
from iop.tenancy.context import tenant_context
from iop.tenancy.models import Membership
from tests.authorizations.conftest import make_coverage, make_rule
from tests.authorizations.requests.conftest import add_fees, complete
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
def review_world():
    """Committed data: Ana in active care with Dr. Raman, approved for two weeks from a week ago;
    her review is tomorrow with its notes written and its packet prepared."""
    harbor = OrganizationFactory(slug="harbor", name="Harbor Virtual IOP", timezone="America/New_York")
    clinician = make_member(harbor, "clinician", "clinician@harbor.test")
    intake = make_member(harbor, "intake", "intake@harbor.test")
    secret = enable_totp(clinician)
    with tenant_context(harbor.id):
        program = ProgramFactory(organization=harbor, name="Adult MH IOP")
        from authorizations.models import Payer

        payer = Payer.objects.create(name="Blue Harbor PPO", payer_id="BHP01")
        make_rule(payer, hours="9", days=3, review_cadence_days=7)
        add_fees(payer)
        client = ClientFactory(organization=harbor, first_name="Ana", last_name="Varga", preferred_name="")
        episode = EpisodeFactory(
            organization=harbor,
            client=client,
            program=program,
            status="active",
            primary_clinician=Membership.objects.get(user=clinician),
        )
        TreatmentPlanFactory(organization=harbor, episode=episode, tracks=["group"], goals="Return to work.")
        coverage = make_coverage(client, payer, member_id="BHP-2001")
        today = harbor.local_today()
        request = request_create(
            episode=episode, coverage=coverage, actor=intake, start_date=today - dt.timedelta(days=7)
        )
        complete(request)
        request_mark_ready(request=request, actor=intake)
        request_submit(request=request, channel="portal", actor=intake)
        group = request.lines.get(track="group")
        determination_record(
            request=request,
            action="A1",
            authorization_number="PA-778",
            approved_code=group.code,
            approved_units=6,
            start_date=request.start_date,
            end_date=request.end_date,
            actor=intake,
        )
        authorization = Authorization.objects.get(number="PA-778")
        review = ConcurrentReview.objects.get(authorization=authorization)
        review = review_date_move(review=review, review_date=today + dt.timedelta(days=1))
        review_clinical_update(
            review=review,
            data={
                "progress_since_last_review": "PHQ-9 down from 19 to 12; back at work two mornings.",
                "risk_note": "Denies SI/HI.",
                "medications_note": "Sertraline 100 mg daily.",
                "standardized_scores": [{"instrument": "PHQ-9", "score": 12, "date": today.isoformat()}],
                "discharge_plan": "Step down to weekly outpatient therapy in two weeks.",
                "criteria_cited": "LOCUS level 3",
            },
            actor=clinician,
        )
        review_packet_prepare(review=review, actor=clinician)
    return {"secret": secret, "harbor": harbor, "review": review, "authorization": authorization}


def test_a_clinician_opens_tomorrows_review_reads_the_packet_and_records_the_outcome(
    page: Page, live_server, review_world
):
    authorization = review_world["authorization"]
    sign_in(page, live_server.url, "clinician@harbor.test", review_world["secret"])
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reviews").click()

    expect(page.get_by_role("heading", name="Reviews", level=1)).to_be_visible()
    tomorrow = page.locator("#group-tomorrow")
    expect(tomorrow.get_by_role("heading", name="Tomorrow (1)")).to_be_visible()
    assert _serious(Axe().run(page)) == []
    tomorrow.get_by_role("link", name="Varga, Ana").click()

    expect(page.get_by_role("heading", name="Concurrent review: Ana Varga", level=1)).to_be_visible()
    packet = page.locator("#packet")
    expect(packet.get_by_role("heading", name="Review packet")).to_be_visible()
    expect(packet.get_by_test_id("packet-readiness")).to_be_visible()
    expect(page.get_by_label("Current risk")).to_have_value("Denies SI/HI.")
    assert _serious(Axe().run(page)) == []

    end = authorization.end_date + dt.timedelta(days=14)
    page.get_by_role("combobox", name="Outcome").select_option(label="Continued stay approved")
    # Each code's units and window come filled in with what the renewal asks; the payer approved through `end`.
    page.locator("#outcome").get_by_label("through").first.fill(end.isoformat())
    page.get_by_role("button", name="Record the outcome").click()

    expect(page.get_by_role("status")).to_contain_text("The outcome of the review was recorded.")
    expect(page.get_by_test_id("review-status")).to_have_text("Decided")
    expect(page.get_by_test_id("determination")).to_contain_text("Certified in total")
    with tenant_context(review_world["harbor"].id):
        authorization.refresh_from_db()
        assert authorization.end_date == end
        assert ConcurrentReview.objects.filter(authorization=authorization, status="upcoming").exists()
