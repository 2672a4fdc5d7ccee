"""Today's journeys from sign-in: a VA lands on Today, fixes what it lists — covers a session,
takes a roll call, places a client who has no group — and sees each line leave the board; a
clinician goes from Today's review call line to the review and its packet. Full-page screenshots
of each step go to the artifacts folder (tests/e2e/artifacts.py)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from authorizations.reviews.calls.services import call_local_start, review_call_schedule
from iop.clients.models import EpisodeStatus
from iop.tenancy.context import tenant_context
from scheduling.models import Session
from scheduling.services import groups as group_services
from scheduling.services import rosters as roster_services
from tests.conftest import make_member
from tests.factories import (
    ClientFactory,
    EpisodeFactory,
    OrganizationFactory,
    ProgramFactory,
    TreatmentPlanFactory,
    enable_totp,
)
from tests.scheduling.conftest import make_facilitator

from .artifacts import screenshot
from .test_accessibility import VIEWPORTS, _serious
from .test_login_search import sign_in
from .test_review_outcome import review_world  # noqa: F401  (a fixture, used by name)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DESKTOP, PHONE = VIEWPORTS


def date_short(day: dt.date) -> str:
    """A date as Today writes it: "Tue 8 Dec"."""
    return f"{day:%a} {day.day} {day:%b}"


@pytest.fixture
def morning_world():
    """Committed data for the VA's morning, at any hour and weekday:

    - the organization's week starts today, so "this week" always has six days still ahead
      (an organization may start its week on any day; Today counts weeks the same way);
    - Morning Process (lead: Priya Raman) met two days ago with Ana seated, roll call not taken,
      and meets again on that weekday, 10:00–13:00;
    - Evening Skills has no facilitator: its session tomorrow at 18:00 is uncovered;
    - Ana (3 h on 1 day a week) is in no group: a scheduling gap the assistant fills with
      Morning Process (its one meeting gives her 3 h this week and next).
    """
    harbor = OrganizationFactory(slug="harbor", name="Harbor Virtual IOP", timezone="America/New_York")
    today = harbor.local_today()
    harbor.week_start = today.weekday()
    harbor.save(update_fields=["week_start"])
    va = make_member(harbor, "va", "va@harbor.test")
    secret = enable_totp(va)
    with tenant_context(harbor.id):
        program = ProgramFactory(organization=harbor, name="Adult MH IOP")
        process = group_services.group_type_create(organization=harbor, name="Process group")
    priya = make_facilitator(harbor, "priya@harbor.test", [process])
    priya.membership.user.full_name = "Priya Raman"
    priya.membership.user.save(update_fields=["full_name"])
    with tenant_context(harbor.id):
        morning = group_services.group_create(
            organization=harbor,
            program=program,
            group_type=process,
            name="Morning Process",
            capacity=8,
            lead_facilitator=priya,
        )
        met = today - dt.timedelta(days=2)
        group_services.slot_create(
            group=morning,
            weekday=met.weekday(),
            start_time=dt.time(10),
            duration_minutes=180,
            effective_from=met,
            today=met,
        )
        evening = group_services.group_create(
            organization=harbor, program=program, group_type=process, name="Evening Skills", capacity=8
        )
        tomorrow = today + dt.timedelta(days=1)
        group_services.slot_create(
            group=evening,
            weekday=tomorrow.weekday(),
            start_time=dt.time(18),
            duration_minutes=90,
            effective_from=today,
            today=today,
        )
        ana = ClientFactory(organization=harbor, first_name="Ana", last_name="Varga", preferred_name="")
        episode = EpisodeFactory(
            organization=harbor,
            client=ana,
            program=program,
            status=EpisodeStatus.ACTIVE,
            referral_date=today - dt.timedelta(weeks=4),
            admission_date=today - dt.timedelta(weeks=3),
        )
        TreatmentPlanFactory(
            organization=harbor, episode=episode, required_hours_per_week=Decimal(3), required_days_per_week=1
        )
        # A one-off seat (no placement): she came to this session, the roll call was never taken.
        roster_services.roster_book(session=Session.objects.get(group=morning, local_date=met), episode=episode)
        uncovered = Session.objects.get(group=evening, local_date=tomorrow)
    return {"secret": secret, "today": today, "met": met, "uncovered": uncovered}


def test_va_morning_fixes_what_today_lists_and_the_lines_leave(page: Page, live_server, morning_world):
    today, met, uncovered = morning_world["today"], morning_world["met"], morning_world["uncovered"]
    today_url = f"{live_server.url}/o/harbor/today/"

    page.set_viewport_size(DESKTOP)
    sign_in(page, live_server.url, "va@harbor.test", morning_world["secret"])

    # Sign-in lands on Today.
    expect(page).to_have_url(today_url)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Today, {date_short(today)}")
    uncovered_panel = page.locator("#today-uncovered")
    missing_panel = page.locator("#today-missing_attendance")
    gaps_panel = page.locator("#today-scheduling_gaps")
    uncovered_line = uncovered_panel.get_by_role(
        "link", name=f"{date_short(uncovered.local_date)} 18:00 Evening Skills"
    )
    missing_line = missing_panel.get_by_role("link", name=f"{date_short(met)} 10:00 Morning Process")
    gap_line = gaps_panel.get_by_role("link", name="Varga, Ana")
    expect(uncovered_line).to_be_visible()
    expect(uncovered_panel).to_contain_text("No facilitator")
    expect(missing_line).to_be_visible()
    expect(missing_panel).to_contain_text("1 of 1 not recorded")
    expect(gap_line).to_be_visible()
    expect(gaps_panel).to_contain_text("No group placement")
    screenshot(page, "va", "1-today")
    # The board with its lines (an admin's Today, in test_accessibility, shows only counts).
    assert _serious(Axe().run(page)) == []
    page.set_viewport_size(PHONE)
    screenshot(page, "va", "1-today-phone")
    assert _serious(Axe().run(page)) == []
    page.set_viewport_size(DESKTOP)

    # 1. Cover the session: the line opens the session page at its facilitator section.
    uncovered_line.click()
    expect(page).to_have_url(f"{live_server.url}/o/harbor/schedule/sessions/{uncovered.pk}/#facilitators")
    expect(page.get_by_role("heading", level=1)).to_have_text("Evening Skills")
    facilitators = page.locator("#facilitators")
    expect(facilitators.get_by_role("heading", name="Facilitator")).to_be_visible()
    facilitators.get_by_role("button", name=re.compile(r"^Assign as lead Priya Raman")).click()
    expect(page.get_by_role("status")).to_contain_text("Priya Raman now leads Evening Skills")
    expect(page.get_by_role("term").filter(has_text="Lead facilitator").locator("xpath=..")).to_contain_text(
        "Priya Raman"
    )
    screenshot(page, "va", "2-session-covered")

    # 2. Take the roll call the missing-attendance line links to.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Today").click()
    expect(page).to_have_url(today_url)
    missing_line.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Roll call: Morning Process")
    page.get_by_role("group", name="Attendance of Varga, Ana").get_by_label("Present").check()
    page.get_by_role("button", name="Save roll call").click()
    expect(page.get_by_role("status")).to_contain_text("Attendance saved: 1 client recorded.")
    expect(page.locator("#roll-call-progress")).to_have_text("1 of 1")
    screenshot(page, "va", "3-roll-call-taken")

    # 3. Place Ana with the placement assistant: it proposes Morning Process, ticked.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Today").click()
    gap_line.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Place Ana Varga into groups")
    expect(page.get_by_label("Morning Process")).to_be_checked()
    expect(page.get_by_label("Evening Skills")).not_to_be_checked()
    screenshot(page, "va", "4-placement-proposal")
    page.get_by_role("button", name="Place into the ticked groups").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"Ana Varga"))
    expect(page.get_by_role("status")).to_contain_text("Placed into 1 group")

    # Back on Today (a fresh load): the three lines are gone, their panels say all is well.
    page.goto(today_url)
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Today, {date_short(today)}")
    expect(uncovered_line).to_have_count(0)
    expect(missing_line).to_have_count(0)
    expect(gap_line).to_have_count(0)
    expect(uncovered_panel).to_contain_text("Every session this week has a facilitator.")
    expect(missing_panel).to_contain_text("Every ended session has its roll call.")
    expect(gaps_panel).to_contain_text("Every active client is scheduled for their hours this week and next.")
    screenshot(page, "va", "5-today-cleared")


@pytest.fixture
def review_prep_world(review_world):  # noqa: F811  (the imported fixture, asked for by name)
    """Ana's review is tomorrow, its packet prepared (test_review_outcome); its call with the
    payer's reviewer is booked for tomorrow at 11:00."""
    harbor, review = review_world["harbor"], review_world["review"]
    tomorrow = harbor.local_today() + dt.timedelta(days=1)
    with tenant_context(harbor.id):
        review_call_schedule(
            review=review,
            starts_at=call_local_start(organization=harbor, day=tomorrow, time=dt.time(11)),
            dial_in="+1 617 555 0142 access 8812",
            reviewer_name="Dr. Imani Cole",
            actor=None,
        )
    return review_world


def test_clinician_goes_from_todays_review_call_to_the_review_and_its_packet(
    page: Page, live_server, review_prep_world
):
    review = review_prep_world["review"]
    page.set_viewport_size(DESKTOP)
    sign_in(page, live_server.url, "clinician@harbor.test", review_prep_world["secret"])

    expect(page).to_have_url(f"{live_server.url}/o/harbor/today/")
    calls = page.locator("#today-my_review_calls")
    expect(calls.get_by_role("heading", name=re.compile(r"^My review calls today and tomorrow"))).to_be_visible()
    line = calls.get_by_role("link", name="Varga, Ana — call tomorrow 11:00")
    expect(line).to_be_visible()
    expect(calls.locator(".today-line .tag")).to_have_text(re.compile(r"^Packet (ready|missing \d+ items?)$"))
    screenshot(page, "clinician", "1-today")

    line.click()
    expect(page).to_have_url(f"{live_server.url}/o/harbor/authorizations/reviews/{review.pk}/#calls")
    expect(page.get_by_role("heading", name="Concurrent review: Ana Varga", level=1)).to_be_visible()
    expect(page.locator("#calls")).to_contain_text("Dr. Imani Cole")
    packet = page.locator("#packet")
    expect(packet.get_by_role("heading", name="Review packet")).to_be_visible()
    expect(packet.get_by_test_id("packet-readiness")).to_be_visible()
    assert _serious(Axe().run(page)) == []
    screenshot(page, "clinician", "2-review-packet")
