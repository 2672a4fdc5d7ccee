"""The plans API: list and read (audited; the summary's text for clinical roles only), update,
tick, complete (refused naming the open items, with an org admin's override), sign the summary;
refusals with their codes and nothing changed; another organization's plan is a 404."""

from __future__ import annotations

import pytest

from discharge.models import PlanOrigin, PlanStatus, TransitionPlan
from discharge.plans import services
from iop.audit.models import AccessEvent
from iop.tenancy.context import tenant_context

from ...factories import EpisodeFactory
from .conftest import BASE

pytestmark = pytest.mark.django_db


def _url(plan=None, suffix=""):
    return f"{BASE}/discharge-plans/" + (f"{plan.pk}/{suffix}" if plan else "")


def test_list_and_read_are_audited_and_the_summary_is_clinical(api, plan, harbor_va, harbor_clinician):
    TransitionPlan.objects.filter(pk=plan.pk).update(summary="Goals met.")
    va = api(harbor_va)

    listed = va.get(_url())
    assert listed.status_code == 200
    [row] = listed.json()["results"]
    assert row["id"] == str(plan.pk) and "summary" not in row
    assert "termination_session" in row["open_required"]
    assert AccessEvent.objects.filter(object_type="discharge.TransitionPlan", channel="api").exists()

    read = api(harbor_clinician).get(_url(plan))
    assert read.status_code == 200 and read.json()["summary"] == "Goals met."


def test_update_tick_and_complete_with_an_admins_override(api, plan, harbor_va, harbor_admin, today):
    va = api(harbor_va)
    updated = va.patch(_url(plan), {"transition_type": "transfer", "reason": "Moving to Ohio"}, format="json")
    assert updated.status_code == 200 and updated.json()["transition_type"] == "transfer"

    item = plan.items.get(key="client_notified")
    ticked = va.post(_url(plan, "tick/"), {"item": str(item.pk), "note": "Told by phone"}, format="json")
    assert ticked.status_code == 200
    assert next(i for i in ticked.json()["checklist"] if i["key"] == "client_notified")["done"] is True

    refused = va.post(_url(plan, "complete/"), {"last_day": today.isoformat()}, format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "checklist_open"
    assert "termination_session" in refused.json()["extra"]["fields"]["open_items"]
    not_admin = va.post(_url(plan, "complete/"), {"override_reason": "moving"}, format="json")
    assert not_admin.json()["code"] == "override_not_allowed"
    assert TransitionPlan.objects.get(pk=plan.pk).status == PlanStatus.PLANNING

    done = api(harbor_admin).post(
        _url(plan, "complete/"), {"last_day": today.isoformat(), "override_reason": "Moved away"}, format="json"
    )
    assert done.status_code == 200, done.json()
    assert done.json()["status"] == "completed" and done.json()["override_reason"] == "Moved away"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"transition_type": "holiday"}, "invalid"),
        ({"target_date": "2001-01-01"}, "target_date_before_admission"),
        ({"receiving_provider": "00000000-0000-0000-0000-000000000000"}, "provider_unknown"),
    ],
)
def test_bad_input_is_refused_with_its_code_and_nothing_changes(api, plan, harbor_va, body, code):
    before = TransitionPlan.objects.values().get(pk=plan.pk)

    response = api(harbor_va).patch(_url(plan), {"reason": "changed", **body}, format="json")

    assert response.status_code == 400 and response.json()["code"] == code
    assert TransitionPlan.objects.values().get(pk=plan.pk) == before


def test_signing_is_for_clinicians(api, plan, harbor_va, harbor_clinician):
    assert api(harbor_va).post(_url(plan, "sign-summary/"), {"summary": "x"}, format="json").status_code == 403
    signed = api(harbor_clinician).post(_url(plan, "sign-summary/"), {"summary": "Goals met."}, format="json")
    assert signed.status_code == 200 and signed.json()["summary_signed_at"]


def test_another_organizations_plan_is_a_404(api, harbor_va, summit, summit_program):
    with tenant_context(summit.id):
        episode = EpisodeFactory(organization=summit, program=summit_program)
        foreign = services.plan_start(episode=episode, origin=PlanOrigin.STAFF, actor=None)

    va = api(harbor_va)
    assert va.get(_url(foreign)).status_code == 404
    assert va.patch(_url(foreign), {"reason": "x"}, format="json").status_code == 404
    assert va.post(_url(foreign, "complete/"), {"override_reason": "x"}, format="json").status_code == 404
    with tenant_context(summit.id):
        assert TransitionPlan.objects.get(pk=foreign.pk).reason == ""
