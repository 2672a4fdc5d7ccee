"""Today on the seeded demo: each role's first screen shows its day, within the page's query
budget (≤ 15), with the same number of queries as on an organization with no data at all."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from iop.accounts.models import User
from tests.conftest import login, make_member
from tests.factories import OrganizationFactory, enable_totp

pytestmark = pytest.mark.django_db

ROLES = {
    "va@harbor.test": "va",
    "clinician@harbor.test": "clinician",
    "intake@harbor.test": "intake",
    "admin@harbor.test": "org_admin",
}
BUDGET = 15


def _sign_in(client, email: str):
    """A demo login with its second factor set up (the test settings enforce MFA)."""
    user = User.objects.get(email=email)
    enable_totp(user)
    return login(client, user)


def _queries(client, org_slug: str):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("today:today", kwargs={"org_slug": org_slug}))
    assert response.status_code == 200
    return len(captured), response


@pytest.mark.parametrize("email", list(ROLES))
def test_each_role_lands_on_its_day_within_the_query_budget(demo, client, email):
    _sign_in(client, email)
    on_demo, response = _queries(client, "harbor")

    empty = OrganizationFactory(slug="empty-org", name="Empty IOP", timezone="America/New_York")
    other = login(type(client)(), make_member(empty, ROLES[email], f"someone@{ROLES[email]}.test"))
    on_empty, _ = _queries(other, "empty-org")

    assert on_demo <= BUDGET, f"{email}: {on_demo} queries on the demo"
    board = response.context["board"]
    # The one access-log row is written only when the board names clients.
    assert on_demo - bool(board.client_ids) == on_empty, f"{email}: {on_demo} on the demo, {on_empty} with no data"
    assert board.panels, f"{email} sees no panel"
    if ROLES[email] != "org_admin":
        assert any(loaded.items.lines for loaded in board.panels), f"{email}'s day is empty on the demo"


def test_the_vas_day_on_the_demo_names_the_work(demo, client):
    _sign_in(client, "va@harbor.test")
    _, response = _queries(client, "harbor")
    panels = {loaded.key: loaded for loaded in response.context["board"].panels}
    # Elena Park is away next Tuesday to Thursday: three sessions need cover (not always this week).
    assert panels["sessions_today"].lines_shown
    gaps = panels["scheduling_gaps"].items
    # Two clients are deliberately short of their hours in the demo.
    assert gaps.count >= 2
    assert all(line.url.startswith("/o/harbor/") for loaded in panels.values() for line in loaded.items.lines)
