"""A VA's inbox of 30 unread lines over five kinds fits on about two screens (not a 6,000 px
scroll), has no serious accessibility problems, and is worked in place: ticking lines and *Mark
selected read*, then a kind's *Mark all read*, swap the list and the header count with htmx."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from iop.notifications.services import Notice, notices_send
from iop.tenancy.context import tenant_context
from iop.tenancy.models import Membership
from tests.conftest import make_member
from tests.factories import ClientFactory, OrganizationFactory, enable_totp

from .test_login_search import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

KINDS = {
    "session_uncovered": ("Assign a facilitator to Process group {i} on Tue Mar 3 at 09:00", 8),
    "attendance_missing": ("Take roll call for Skills group {i}, Mon 2 Mar 09:00", 6),
    "chase_ends_7": ("Renew {name}'s authorization: it ends within 7 days", 6),
    "hours_at_risk": ("Make sure {name} attends every remaining session this week", 5),
    "absence_alert": ("Follow up with {name}: consecutive unexcused absences", 5),
}
BODY = "Booked: Ana Varga, Ben Ode, Cy Dee and 5 more. " * 3  # long bodies stay on the row's one line


@pytest.fixture
def inbox_world():
    harbor = OrganizationFactory(slug="harbor", name="Harbor Virtual IOP", timezone="America/New_York")
    va = make_member(harbor, "va", "va@harbor.test")
    secret = enable_totp(va)
    with tenant_context(harbor.id):
        membership = Membership.objects.get(user=va)
        clients = [ClientFactory(organization=harbor) for _ in range(8)]
        notices = []
        for kind, (title, count) in KINDS.items():
            for i in range(count):
                client = clients[i % len(clients)]
                notices.append(
                    Notice(
                        recipient=membership,
                        kind=kind,
                        title=title.format(i=i, name=client.display_name),
                        body=BODY,
                        link="/o/harbor/schedule/",
                        dedupe_key=f"{kind}:{i}",
                        client_id=client.pk,
                    )
                )
        notices_send(organization=harbor, notices=notices)
    return {"secret": secret, "clients": clients}


def test_thirty_unread_lines_fit_and_are_marked_read_in_place(page: Page, live_server, inbox_world):
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    htmx_posts: list[str] = []
    page.on(
        "request",
        lambda request: (
            htmx_posts.append(request.url) if request.method == "POST" and request.headers.get("hx-request") else None
        ),
    )
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, live_server.url, "va@harbor.test", inbox_world["secret"])
    page.goto(f"{live_server.url}/o/harbor/notifications/")

    expect(page.get_by_role("heading", name="Sessions without a facilitator 8 unread")).to_be_visible()
    assert page.locator(".inbox-line").count() == 30
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 2400, f"{height} px"
    violations = Axe().run(page).response["violations"]
    assert [v["id"] for v in violations if v["impact"] in ("serious", "critical")] == []

    badge = page.locator("#nav-notifications .badge")
    expect(badge).to_contain_text("30")
    first, second = KINDS["session_uncovered"][0].format(i=0), KINDS["session_uncovered"][0].format(i=1)
    page.get_by_label(f"Select: {first}").check()
    page.get_by_label(f"Select: {second}").check()
    page.get_by_role("button", name="Mark selected read").click()
    expect(page.get_by_text("Marked 2 as read.")).to_be_visible()
    expect(page.get_by_role("link", name=first)).to_have_count(0)
    expect(badge).to_contain_text("28")

    page.get_by_role("button", name="Mark all read under Sessions without a facilitator").click()
    expect(page.get_by_role("heading", name="Sessions without a facilitator")).to_have_count(0)
    expect(badge).to_contain_text("22")
    assert page.locator(".inbox-line").count() == 22
    assert len(htmx_posts) == 2 and page.url.endswith("/o/harbor/notifications/")
    assert problems == []
