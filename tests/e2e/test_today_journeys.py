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

from authorizations.models import FeeScheduleEntry, Payer
from authorizations.reviews.calls.services import call_local_start, review_call_schedule
from iop.clients.models import EpisodeStatus
from iop.tenancy.context import tenant_context
from scheduling.models import Session
from scheduling.services import groups as group_services
from scheduling.services import rosters as roster_services
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
        "link", name=f"{date_short(uncovered.local_date)}, 18:00 Evening Skills"
    )
    missing_line = missing_panel.get_by_role("link", name=f"{date_short(met)}, 10:00 Morning Process")
    gap_line = gaps_panel.get_by_role("link", name="Varga, Ana")
    expect(uncovered_line).to_be_visible()
    expect(uncovered_panel).to_contain_text("No lead facilitator")
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


@pytest.fixture
def intake_world():
    """Committed data for the intake specialist: Ana Varga, referred three days ago to the adult
    program (a treatment plan of 9 group hours on 3 days), with a Blue Harbor coverage, the
    payer's IOP rule and its fee for group therapy — all a request needs to be drafted."""
    harbor = OrganizationFactory(slug="harbor", name="Harbor Virtual IOP", timezone="America/New_York")
    today = harbor.local_today()
    intake = make_member(harbor, "intake", "intake@harbor.test")
    secret = enable_totp(intake)
    with tenant_context(harbor.id):
        program = ProgramFactory(organization=harbor, name="Adult MH IOP")
        payer = Payer.objects.create(name="Blue Harbor PPO", payer_id="BHP01")
        make_rule(payer, hours="9", days=3)
        FeeScheduleEntry.objects.create(
            payer=payer, code="90853", rate=Decimal("75.00"), effective_from=dt.date(2020, 1, 1)
        )
        ana = ClientFactory(organization=harbor, first_name="Ana", last_name="Varga", preferred_name="")
        episode = EpisodeFactory(
            organization=harbor,
            client=ana,
            program=program,
            status=EpisodeStatus.REFERRED,
            referral_date=today - dt.timedelta(days=3),
            admission_date=None,
        )
        TreatmentPlanFactory(organization=harbor, episode=episode, goals="Fewer panic attacks; back at work.")
        make_coverage(ana, payer, member_id="BHP-2001")
    return {"secret": secret, "today": today, "harbor": harbor, "ana": ana}


def test_intake_admits_a_referral_and_builds_its_request_from_today(page: Page, live_server, intake_world):
    today, ana = intake_world["today"], intake_world["ana"]
    today_url = f"{live_server.url}/o/harbor/today/"
    page.set_viewport_size(DESKTOP)
    sign_in(page, live_server.url, "intake@harbor.test", intake_world["secret"])

    # Sign-in lands on Today, with the referral to admit and no request to finish.
    expect(page).to_have_url(today_url)
    referrals = page.locator("#today-referrals_to_admit")
    to_finish = page.locator("#today-requests_to_finish")
    referral_line = referrals.get_by_role("link", name="Varga, Ana")
    expect(referral_line).to_be_visible()
    expect(referrals.locator(".today-line")).to_contain_text("Referred")
    expect(referrals.locator(".today-line")).to_contain_text(f"Referred {date_short(today - dt.timedelta(days=3))}")
    expect(to_finish).to_contain_text("No request in draft.")
    screenshot(page, "intake", "1-today")

    # 1. The line opens the client page at the status form: referred → intake → active.
    referral_line.click()
    expect(page).to_have_url(f"{live_server.url}/o/harbor/clients/{ana.pk}/#status")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"Ana Varga"))
    status_form = page.locator("#status")
    expect(status_form.get_by_label("New status")).to_be_visible()
    # Admission is only reached through intake: the form offers the next moves, not "Active".
    expect(status_form.get_by_label("New status").locator("option", has_text="Active")).to_have_count(0)
    status_form.get_by_label("New status").select_option(label="Intake")
    status_form.get_by_role("button", name="Change status").click()
    expect(page.get_by_role("status")).to_contain_text("The episode is now intake.")
    screenshot(page, "intake", "2-client-in-intake")
    page.locator("#status").get_by_label("New status").select_option(label="Active")
    page.locator("#status").get_by_role("button", name="Change status").click()

    # An admission leads straight to placement; the intake specialist goes back to the client.
    expect(page.get_by_role("status")).to_contain_text("The episode is now active.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Place Ana Varga into groups")
    screenshot(page, "intake", "3-admitted-placement")
    page.locator(".back-link").filter(has_text="Ana Varga").click()
    episode_summary = page.locator("#episode")
    expect(episode_summary.get_by_role("definition").first).to_have_text("Adult MH IOP")
    expect(episode_summary).to_contain_text("Active")

    # 2. Start the request from the client page: drafted from the treatment plan.
    requests_panel = page.locator("#requests")
    expect(requests_panel).to_contain_text("No authorization requests yet.")
    requests_panel.get_by_role("link", name="Start a request").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Start a pre-authorization request for Ana Varga")
    page.get_by_label("Coverage").select_option(label="Blue Harbor PPO · member BHP-2001 · primary, from 1 Jan 2020")
    page.get_by_role("button", name="Draft the request").click()
    expect(page.get_by_role("status")).to_contain_text("The request was drafted from the treatment plan")
    expect(page.get_by_role("heading", name="Pre-authorization request: Ana Varga", level=1)).to_be_visible()
    request_url = page.url
    expect(page.locator("#lines").get_by_role("row", name=re.compile("90853"))).to_be_visible()
    screenshot(page, "intake", "4-request-drafted")

    # Back on Today: the referral has left, the draft is a request to finish, linking to its details.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Today").click()
    expect(page).to_have_url(today_url)
    draft_line = to_finish.get_by_role("link", name="Varga, Ana")
    expect(referral_line).to_have_count(0)
    expect(referrals).to_contain_text("No referral waiting to be admitted.")
    expect(draft_line).to_be_visible()
    expect(to_finish.locator(".today-line .tag")).to_have_text("Draft")
    screenshot(page, "intake", "5-today-request-to-finish")

    # 3. Finish it: it is not ready until the diagnosis and the justification are in.
    draft_line.click()
    expect(page).to_have_url(f"{request_url}#details")
    page.get_by_role("button", name="Mark ready to submit").click()
    expect(page.locator("#status")).to_contain_text("Add the primary ICD-10-CM diagnosis.")
    expect(page.get_by_role("button", name="Mark ready to submit")).to_be_visible()
    page.get_by_label("ICD-10-CM code").fill("F41.0")
    page.get_by_role("button", name="Add the diagnosis").click()
    expect(page.get_by_role("status")).to_contain_text("The diagnosis was added.")
    page.get_by_label("Why a lower level of care is not enough").fill(
        "Weekly outpatient therapy did not stop daily panic attacks; she has been off work for a month."
    )
    page.get_by_label("Why a higher level of care is not needed").fill("No risk to self; safe at home.")
    page.get_by_label("Clinical summary and treatment goals").fill(
        "Panic disorder with daily attacks; goals: fewer attacks, back at work."
    )
    page.get_by_role("button", name="Save the details").click()
    expect(page.get_by_role("status")).to_contain_text("The request's details were saved.")
    page.get_by_role("button", name="Mark ready to submit").click()
    expect(page.get_by_role("status")).to_contain_text("The request is ready to submit.")

    # Ready, not yet submitted: still on Today, now as ready to submit.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Today").click()
    expect(to_finish.locator(".today-line .tag")).to_have_text("Ready to submit")
    screenshot(page, "intake", "6-today-ready-to-submit")

    draft_line.click()
    page.get_by_label("Submitted by").select_option(label="Payer portal")
    page.get_by_label("Payer reference number").fill("BH-778")
    page.get_by_role("button", name="Record as submitted").click()
    expect(page.get_by_role("status")).to_contain_text("The request was recorded as submitted")
    screenshot(page, "intake", "7-request-submitted")

    # Submitted: nothing is left to finish.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Today").click()
    expect(draft_line).to_have_count(0)
    expect(to_finish).to_contain_text("No request in draft.")
    expect(referrals).to_contain_text("No referral waiting to be admitted.")
    screenshot(page, "intake", "8-today-cleared")


@pytest.fixture
def admin_world():
    """Committed data for the organization admin: the adult program, a process group type and
    Priya Raman, a facilitator qualified to lead it; no group yet. The week starts today, so
    tomorrow is always in the week the Schedule page opens on."""
    harbor = OrganizationFactory(slug="harbor", name="Harbor Virtual IOP", timezone="America/New_York")
    today = harbor.local_today()
    harbor.week_start = today.weekday()
    harbor.save(update_fields=["week_start"])
    admin = make_member(harbor, "org_admin", "admin@harbor.test")
    secret = enable_totp(admin)
    with tenant_context(harbor.id):
        ProgramFactory(organization=harbor, name="Adult MH IOP")
        process = group_services.group_type_create(organization=harbor, name="Process group")
    priya = make_facilitator(harbor, "priya@harbor.test", [process])
    priya.membership.user.full_name = "Priya Raman"
    priya.membership.user.save(update_fields=["full_name"])
    # The admin's facilitator picker writes each one as the user and their credentials.
    priya_label = " ".join(filter(None, [str(priya.membership.user), priya.credentials]))
    return {"secret": secret, "today": today, "harbor": harbor, "priya_label": priya_label}


def test_admin_sets_up_a_group_in_administration_and_sees_its_sessions_on_the_schedule(
    page: Page, live_server, admin_world
):
    today, harbor = admin_world["today"], admin_world["harbor"]
    tomorrow = today + dt.timedelta(days=1)
    page.set_viewport_size(DESKTOP)
    sign_in(page, live_server.url, "admin@harbor.test", admin_world["secret"])

    # Today, as counts: every panel a number that opens its page, no lines.
    expect(page).to_have_url(f"{live_server.url}/o/harbor/today/")
    counts = page.get_by_role("navigation", name="Today at a glance")
    expect(counts.get_by_role("link", name=re.compile(r"Sessions without a facilitator"))).to_be_visible()
    expect(counts.get_by_role("link", name=re.compile(r"Referrals to admit"))).to_be_visible()
    expect(page.locator(".today-line")).to_have_count(0)
    screenshot(page, "admin", "1-today-counts")

    # 1. Administration: the admin of one organization acts for it at once.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Administration").click()
    expect(page.get_by_role("heading", name="Configuration")).to_be_visible()
    screenshot(page, "admin", "2-administration")
    # Django admin's index lists each app's models (the sidebar repeats them): the scheduling groups.
    page.locator("#content .app-scheduling").get_by_role("link", name="Groups", exact=True).click()
    page.get_by_role("link", name=re.compile(r"^Add group")).click()

    # 2. A group with a weekly time: tomorrow's weekday, 17:30 for 90 minutes, from today.
    page.locator("#id_program").select_option(label="Adult MH IOP")
    page.locator("#id_group_type").select_option(label="Process group")
    page.locator("#id_name").fill("Evening DBT Skills")
    page.locator("#id_capacity").fill("8")
    page.locator("#id_lead_facilitator").select_option(label=admin_world["priya_label"])
    page.locator("#id_telehealth_url").fill("https://video.example.test/dbt")
    # Django admin's inline script adds the row (its "add another" is a link with the button role).
    page.get_by_role("button", name="Add another Weekly slot").click()
    page.locator("[name=slots-0-weekday]").select_option(value=str(tomorrow.weekday()))
    page.locator("[name=slots-0-start_time]").fill("17:30")
    page.locator("[name=slots-0-duration_minutes]").fill("90")
    page.locator("[name=slots-0-effective_from]").fill(today.isoformat())
    screenshot(page, "admin", "3-group-form")
    page.locator("[name=_save]").click()
    expect(page.locator(".messagelist")).to_contain_text("Evening DBT Skills")
    expect(page.locator(".errornote")).to_have_count(0)
    screenshot(page, "admin", "4-group-saved")
    with tenant_context(harbor.id):
        made = Session.objects.filter(group__name="Evening DBT Skills")
        assert made.filter(local_date=tomorrow).exists()
        assert {s.local_date.weekday() for s in made} == {tomorrow.weekday()}

    # 3. The Schedule page shows the new group's session tomorrow, led by Priya.
    page.goto(f"{live_server.url}/o/harbor/today/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Schedule").click()
    expect(page.get_by_role("heading", name="Schedule", level=1)).to_be_visible()
    grid = page.get_by_role("table")
    session_link = grid.get_by_role("link", name="Evening DBT Skills")
    expect(session_link).to_have_count(1)
    expect(grid).to_contain_text("17:30")
    screenshot(page, "admin", "5-schedule-week")
    session_link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Evening DBT Skills")
    expect(page.get_by_role("term").filter(has_text="Lead facilitator").locator("xpath=..")).to_contain_text(
        "Priya Raman"
    )
    screenshot(page, "admin", "6-session")
