"""A facilitator takes roll call on compact rows: the status is one line of segments chosen with the
keyboard (native radios, no script needed), times read and typed on the 24-hour clock, and a status
the times contradict is questioned on its row with nothing saved until it is put right."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from attendance.models import AttendanceRecord
from iop.tenancy.context import tenant_context

from . import test_roll_call
from .test_accessibility import _serious
from .test_login_search import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# The committed session (10:00–13:00, two days ago) with Ana Varga and Ben Okafor seated.
roll_call_world = test_roll_call.roll_call_world


def test_status_in_one_line_by_keyboard_24_hour_times_and_a_contradiction_questioned(
    page: Page, live_server, roll_call_world
):
    sign_in(page, live_server.url, "lead@harbor.test", roll_call_world["secret"])
    session = roll_call_world["session"]
    page.goto(f"{live_server.url}/o/harbor/attendance/sessions/{session.pk}/")
    expect(page.get_by_role("heading", name="Roll call: Morning Process", level=1)).to_be_visible()

    ana = page.get_by_role("group", name="Attendance of Varga, Ana")
    ben = page.get_by_role("group", name="Attendance of Okafor, Ben")
    # Six segments side by side on one line.
    tops = {round(box["y"]) for box in (o.bounding_box() for o in ana.locator(".segmented__option").all()) if box}
    assert len(tops) == 1
    # The session runs 10:00–13:00: the times say so on the 24-hour clock, not "01:00 PM".
    arrival, departure = page.get_by_label("Arrival of Varga, Ana"), page.get_by_label("Departure of Varga, Ana")
    expect(arrival).to_have_value("10:00")
    expect(departure).to_have_value("13:00")
    expect(arrival).to_have_attribute("type", "text")

    # Keyboard: into the group, then the arrow keys choose (as for any radio group).
    ana.get_by_label("Present").focus()
    page.keyboard.press("Space")
    page.keyboard.press("ArrowRight")
    expect(ana.get_by_label("Late")).to_be_checked()
    arrival.fill("10:25")
    ben.get_by_label("Left early").check()  # but the departure still says the session's end

    page.get_by_role("button", name="Save roll call").click()

    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    said = "Marked as left early, but the departure (13:00) is not before the end (13:00)"
    expect(summary).to_contain_text(f"Ben Okafor — Left: {said}")
    expect(page.locator("tr.roll-call__errors")).to_contain_text(f"Left: {said}")
    expect(page.locator("#roll-call-progress")).to_have_text("0 of 2")
    expect(page.get_by_label("Arrival of Varga, Ana")).to_have_value("10:25")  # kept as typed
    with tenant_context(session.organization_id):
        assert not AttendanceRecord.objects.exists()
    assert _serious(Axe().run(page)) == []

    page.get_by_label("Departure of Okafor, Ben").fill("12:15")
    page.get_by_role("button", name="Save roll call").click()

    expect(page.get_by_role("status")).to_contain_text("Attendance saved: 2 clients recorded.")
    expect(page.locator("#roll-call-progress")).to_have_text("2 of 2")
    with tenant_context(session.organization_id):
        minutes = dict(AttendanceRecord.objects.values_list("status", "attended_minutes"))
    assert minutes == {"late": 155, "left_early": 135}
