"""axe-core on the main pages: no serious or critical accessibility violations."""

from __future__ import annotations

import datetime as dt

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, ViewportSize

from authorizations.models import Payer
from authorizations.requests.services import drafting
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

from .test_login_search import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PAGES = [
    "/o/harbor/today/",
    "/o/harbor/today/census/",
    "/o/harbor/clients/",
    "/o/harbor/clients/new/",
    "/o/harbor/clients/{client}/",
    "/o/harbor/clients/{client}/edit/",
    "/o/harbor/team/",
    "/o/harbor/api-tokens/",
    "/o/harbor/audit/",
    "/o/harbor/attendance/missing/",
    "/o/harbor/attendance/hours-at-risk/",
    "/o/harbor/attendance/alerts/",
    "/o/harbor/schedule/",
    "/o/harbor/schedule/sessions/{session}/",
    "/o/harbor/attendance/sessions/{session}/",
    "/o/harbor/schedule/gaps/",
    "/o/harbor/schedule/reminders/",
    "/o/harbor/authorizations/",
    "/o/harbor/authorizations/requests/{request}/",
    "/o/harbor/authorizations/reviews/",
    "/o/harbor/authorizations/denials/",
    "/o/harbor/authorizations/census/import/",
    "/o/harbor/authorizations/census/exports/",
    "/o/harbor/discharge/",
    "/o/harbor/notifications/",
]

# Desktop, and a phone's width (390 px: the pages must work on the VA's phone too).
VIEWPORTS: list[ViewportSize] = [{"width": 1280, "height": 800}, {"width": 390, "height": 844}]


def _serious(results) -> list[str]:
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_main_pages_have_no_serious_accessibility_violations(page: Page, live_server):
    harbor = OrganizationFactory(slug="harbor", name="Harbor Virtual IOP", timezone="America/New_York")
    admin = make_member(harbor, "org_admin", "admin@harbor.test")
    secret = enable_totp(admin)
    today = harbor.local_today()
    with tenant_context(harbor.id):
        program = ProgramFactory(organization=harbor, name="Adult MH IOP")
        process = group_services.group_type_create(organization=harbor, name="Process group")
    lead = make_facilitator(harbor, "priya@harbor.test", [process])
    with tenant_context(harbor.id):
        client = ClientFactory(organization=harbor)
        episode = EpisodeFactory(organization=harbor, client=client, program=program, status=EpisodeStatus.ACTIVE)
        TreatmentPlanFactory(organization=harbor, episode=episode)
        # A group that met yesterday (with the client seated): the week, the session and its roll call have rows.
        group = group_services.group_create(
            organization=harbor,
            program=program,
            group_type=process,
            name="Morning Process",
            capacity=8,
            lead_facilitator=lead,
        )
        met = today - dt.timedelta(days=1)
        group_services.slot_create(
            group=group,
            weekday=met.weekday(),
            start_time=dt.time(10),
            duration_minutes=180,
            effective_from=met,
            today=met,
        )
        session = Session.objects.get(group=group, local_date=met)
        roster_services.roster_book(session=session, episode=episode)
        # A draft request, on a coverage with the payer's rule: the request page with its lines.
        payer = Payer.objects.create(name="Blue Harbor PPO", payer_id="BHP01")
        make_rule(payer)
        draft = drafting.request_create(episode=episode, coverage=make_coverage(client, payer), actor=None)

    axe = Axe()
    problems: dict[str, list[str]] = {}
    page.set_viewport_size(VIEWPORTS[0])
    page.goto(f"{live_server.url}/accounts/login/")
    problems["/accounts/login/"] = _serious(axe.run(page))
    sign_in(page, live_server.url, "admin@harbor.test", secret)
    for viewport in VIEWPORTS:
        # The narrow layout is a different page to a screen reader (menus fold, tables scroll).
        page.set_viewport_size(viewport)
        for path in PAGES:
            url = path.format(client=client.pk, session=session.pk, request=draft.pk)
            response = page.goto(f"{live_server.url}{url}")
            # An error page has few violations: check the page itself was served.
            assert response is not None and response.ok, f"{url}: {response and response.status}"
            problems[f"{url} at {viewport['width']} px"] = _serious(axe.run(page))
    assert {url: found for url, found in problems.items() if found} == {}
