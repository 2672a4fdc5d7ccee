"""A VA completes a discharge in Chromium: from the Discharges worklist to the client's discharge
page, books the aftercare appointment with the receiving provider, sends the records packet under
the client's consent, books the termination session, ticks the remaining items and completes the
discharge (axe-clean pages)."""

from __future__ import annotations

import datetime as dt

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import Page, expect

from discharge.models import AftercareLevel, AftercareProvider, Consent, PlanOrigin, PlanStatus, TransitionPlan
from discharge.plans import services
from iop.clients.models import Episode
from iop.tenancy.context import tenant_context
from scheduling.models import RosterEntry, Session
from scheduling.services import groups as group_services
from scheduling.services.rosters import roster_book
from tests.conftest import make_member
from tests.e2e.conftest import browser_type_launch_args  # noqa: F401 - Debian's Chromium, as every browser test
from tests.e2e.test_accessibility import _serious
from tests.e2e.test_login_search import sign_in
from tests.factories import (
    ClientFactory,
    EpisodeFactory,
    OrganizationFactory,
    ProgramFactory,
    TreatmentPlanFactory,
    enable_totp,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def discharge_world():
    """Committed data: Ana in active care, her discharge planned for four days from now (a step-down
    to Lakeside Counseling), seated in a group meeting every weekday, with her consent to disclose
    to Lakeside on file."""
    harbor = OrganizationFactory(slug="harbor", name="Harbor Virtual IOP", timezone="America/New_York")
    va = make_member(harbor, "va", "va@harbor.test")
    secret = enable_totp(va)
    with tenant_context(harbor.id):
        today = harbor.local_today()
        program = ProgramFactory(organization=harbor, name="Adult MH IOP")
        client = ClientFactory(organization=harbor, first_name="Ana", last_name="Varga", preferred_name="")
        episode = EpisodeFactory(organization=harbor, client=client, program=program, status="active")
        TreatmentPlanFactory(organization=harbor, episode=episode, tracks=["group"], goals="Return to work.")
        group_type = group_services.group_type_create(organization=harbor, name="Process group")
        group = group_services.group_create(
            organization=harbor, program=program, group_type=group_type, name="Process A", capacity=10
        )
        for weekday in range(7):
            group_services.slot_create(
                group=group,
                weekday=weekday,
                start_time=dt.time(18, 0),
                duration_minutes=90,
                effective_from=today,
                today=today,
            )
        target = today + dt.timedelta(days=4)
        for session in Session.objects.filter(
            group=group, local_date__gt=today, local_date__lte=target + dt.timedelta(days=7)
        ):
            roster_book(session=session, episode=episode)
        provider = AftercareProvider.objects.create(
            organization=harbor, name="Lakeside Counseling", levels_of_care=[AftercareLevel.OP], phone="+1 617 555 0140"
        )
        plan = services.plan_start(episode=episode, origin=PlanOrigin.STAFF, actor=va)
        services.plan_update(
            plan=plan,
            data={
                "transition_type": "step_down",
                "target_date": target,
                "receiving_provider": provider,
                "receiving_level_of_care": "op",
                "reason": "Goals met: weekly outpatient therapy.",
            },
            actor=va,
        )
        Consent.objects.create(
            organization=harbor,
            client=client,
            disclosing_party="Harbor Virtual IOP",
            information=["demographics", "treatment_plan", "attendance", "discharge_summary"],
            recipient_provider=provider,
            recipient_name=provider.name,
            purpose="continuity",
            expires_on=today + dt.timedelta(days=365),
            right_to_revoke_explained=True,
            signed_name="Ana Varga",
            signed_at=timezone.now() - dt.timedelta(days=2),
            signature_method="electronic",
            recorded_by=va,
        )
    return {"secret": secret, "harbor": harbor, "episode": episode, "plan": plan, "target": target}


def test_a_va_completes_a_discharge(page: Page, live_server, discharge_world):
    episode, target = discharge_world["episode"], discharge_world["target"]
    sign_in(page, live_server.url, "va@harbor.test", discharge_world["secret"])
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Discharges").click()

    expect(page.get_by_role("heading", name="Discharges", level=1)).to_be_visible()
    row = page.get_by_test_id("transition-row")
    expect(row).to_contain_text("Aftercare appointment booked")
    assert _serious(Axe().run(page)) == []
    row.get_by_role("link", name="Ana Varga").click()

    expect(page.get_by_role("heading", name="Discharge and step-down: Ana Varga", level=1)).to_be_visible()
    expect(page.get_by_test_id("item-aftercare_booked")).to_have_attribute("data-done", "no")
    assert _serious(Axe().run(page)) == []

    # Aftercare: the receiving provider and the day after the last day come filled in.
    aftercare = page.locator("#aftercare")
    aftercare.get_by_label("Date").fill((target + dt.timedelta(days=3)).isoformat())
    aftercare.get_by_label("Confirmation number").fill("AC-5521")
    aftercare.get_by_role("button", name="Book the appointment").click()
    expect(page.get_by_test_id("aftercare-booked")).to_be_visible()
    expect(page.get_by_test_id("item-aftercare_booked")).to_have_attribute("data-done", "yes")

    # Records, under the consent on file.
    consent = page.locator("#consent")
    expect(consent.get_by_test_id("consent-covers")).to_be_visible()
    consent.get_by_label("Sent by").select_option(label="Secure email")
    consent.get_by_test_id("send-records").click()
    expect(page.get_by_test_id("item-records_sent")).to_have_attribute("data-done", "yes")

    # The termination session: a real seat on the last day's session.
    page.get_by_test_id("book-termination").click()
    expect(page.get_by_test_id("item-termination_session")).to_have_attribute("data-done", "yes")

    for key in ("medication_continuity", "crisis_resources", "final_authorization", "client_notified"):
        page.get_by_test_id(f"tick-{key}").click()
        expect(page.get_by_test_id(f"item-{key}")).to_have_attribute("data-done", "yes")
    expect(page.get_by_test_id("open-count")).to_have_text("Every required item is done.")
    assert _serious(Axe().run(page)) == []

    page.get_by_test_id("complete").click()
    expect(page.get_by_role("status")).to_contain_text("The discharge is complete.")
    expect(page.get_by_test_id("plan-status")).to_have_text("Discharge completed")
    with tenant_context(discharge_world["harbor"].id):
        plan = TransitionPlan.objects.get(pk=discharge_world["plan"].pk)
        assert plan.status == PlanStatus.COMPLETED and plan.override_reason == ""
        assert Episode.objects.get(pk=episode.pk).status == "step_down"
        later = RosterEntry.objects.filter(episode=episode, session__local_date__gt=target)
        assert later.exists() and not later.filter(status="booked").exists()
