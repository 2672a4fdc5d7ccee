"""A facilitator finds a session missing attendance, takes its roll call, and sees the clients'
weekly hours change — on the roll call and on the client's page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from iop.clients.models import EpisodeStatus
from iop.tenancy.context import tenant_context
from scheduling.models import Session
from scheduling.services import groups as group_services
from scheduling.services import rosters as roster_services
from tests.factories import (
    ClientFactory,
    EpisodeFactory,
    OrganizationFactory,
    ProgramFactory,
    TreatmentPlanFactory,
    enable_totp,
)
from tests.scheduling.conftest import make_facilitator

from .test_accessibility import _serious
from .test_login_search import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def roll_call_world():
    """Committed data: a three-hour group that met two days ago with two clients seated."""
    harbor = OrganizationFactory(slug="harbor", name="Harbor Virtual IOP", timezone="America/New_York")
    with tenant_context(harbor.id):
        program = ProgramFactory(organization=harbor, name="Adult MH IOP")
        group_type = group_services.group_type_create(organization=harbor, name="Process group")
    lead = make_facilitator(harbor, "lead@harbor.test", [group_type])
    secret = enable_totp(lead.membership.user)
    with tenant_context(harbor.id):
        group = group_services.group_create(
            organization=harbor,
            program=program,
            group_type=group_type,
            name="Morning Process",
            capacity=10,
            lead_facilitator=lead,
        )
        day = harbor.local_today() - dt.timedelta(days=2)
        group_services.slot_create(
            group=group,
            weekday=day.weekday(),
            start_time=dt.time(10),
            duration_minutes=180,
            effective_from=day,
            today=day,
        )
        session = Session.objects.get(group=group, local_date=day)
        clients = []
        for first, last in (("Ana", "Varga"), ("Ben", "Okafor")):
            client = ClientFactory(organization=harbor, first_name=first, last_name=last, preferred_name="")
            episode = EpisodeFactory(
                organization=harbor,
                client=client,
                program=program,
                status=EpisodeStatus.ACTIVE,
                referral_date=day - dt.timedelta(weeks=4),
                admission_date=day - dt.timedelta(weeks=3),
            )
            TreatmentPlanFactory(
                organization=harbor, episode=episode, required_hours_per_week=Decimal(9), required_days_per_week=3
            )
            roster_services.roster_book(session=session, episode=episode)
            clients.append(client)
    return {"secret": secret, "session": session, "clients": clients}


def test_facilitator_takes_roll_call_and_sees_weekly_hours_change(page: Page, live_server, roll_call_world):
    sign_in(page, live_server.url, "lead@harbor.test", roll_call_world["secret"])

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Attendance").click()
    expect(page.get_by_role("heading", name="Missing attendance", level=1)).to_be_visible()
    page.get_by_role("row", name="Morning Process").get_by_role("link", name="Take roll call").click()
    expect(page.get_by_role("heading", name="Roll call: Morning Process", level=1)).to_be_visible()

    ana = page.get_by_role("row", name="Varga, Ana")
    ben = page.get_by_role("row", name="Okafor, Ben")
    expect(ana.get_by_test_id("week-hours")).to_contain_text("0.0 of 9.0 h")
    assert _serious(Axe().run(page)) == []

    page.get_by_role("group", name="Attendance of Varga, Ana").get_by_label("Late").check()
    page.get_by_label("Arrival of Varga, Ana").fill("10:30")
    page.get_by_role("group", name="Attendance of Okafor, Ben").get_by_label("Absent (excused)").check()
    page.get_by_label("Reason for Okafor, Ben").select_option(label="Illness")
    page.get_by_role("button", name="Save roll call").click()

    expect(page.get_by_role("status")).to_contain_text("Attendance saved: 2 clients recorded.")
    expect(page.locator("#roll-call-progress")).to_have_text("2 of 2")
    expect(ana.get_by_test_id("week-hours")).to_contain_text("2.5 of 9.0 h")
    expect(ben.get_by_test_id("week-hours")).to_contain_text("0.0 of 9.0 h")
    expect(page.get_by_role("group", name="Attendance of Varga, Ana").get_by_label("Late")).to_be_checked()

    ana.get_by_role("link", name="Varga, Ana").click()
    hours = page.locator("#hours")
    expect(hours.get_by_role("heading", name="Therapy hours")).to_be_visible()
    week = roll_call_world["session"].local_date
    week_start = week - dt.timedelta(days=week.weekday())
    expect(hours.get_by_test_id(f"attended-{week_start:%Y-%m-%d}")).to_have_text("2.5 h")
