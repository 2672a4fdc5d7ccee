"""Django admin for payers (plans, rules and fees inline), the service-code list (the defaults
apply until one is saved; "Copy the defaults" starts the list), and read-only, audited views of
what the app records."""

from __future__ import annotations

import pytest
from django.urls import reverse

from authorizations.codes import DEFAULT_SERVICE_CODES
from authorizations.models import FeeScheduleEntry, Payer, PayerPlan, PayerRule, ServiceCode
from iop.audit.models import AccessEvent
from iop.tenancy.context import tenant_context

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, harbor, harbor_admin):
    client.force_login(harbor_admin)
    client.post(reverse("admin:select_organization"), {"organization": harbor.pk})
    return client


def _inline(prefix: str, rows: list[dict]) -> dict:
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": "0"}
    for i, row in enumerate(rows):
        data.update({f"{prefix}-{i}-{k}": v for k, v in row.items()})
    return data


def test_an_org_admin_adds_a_payer_with_a_plan_and_a_fee(admin_client, harbor):
    data = {
        "name": "Harbor Mutual",
        "payer_id": "HM01",
        "phone": "",
        "fax": "",
        "portal_url": "",
        "is_active": "on",
        **_inline("plans", [{"name": "Silver HMO", "plan_type": "hmo", "is_active": "on"}]),
        **_inline("rules", []),
        **_inline("fees", [{"code": " s9480 ", "rate": "250.00", "effective_from": "2026-01-01"}]),
    }
    response = admin_client.post(reverse("admin:authorizations_payer_add"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    with tenant_context(harbor.id):
        payer = Payer.objects.get(name="Harbor Mutual")
        assert payer.organization == harbor
        assert PayerPlan.objects.get(payer=payer).name == "Silver HMO"
        assert FeeScheduleEntry.objects.get(payer=payer).code == "S9480"


def test_a_rule_offers_only_the_payers_own_plans(admin_client, in_harbor, payer):
    other = Payer.objects.create(name="Other Mutual")
    PayerPlan.objects.create(payer=other, name="Other plan", plan_type="ppo")
    page = admin_client.get(reverse("admin:authorizations_payer_change", args=[payer.pk])).content.decode()
    assert "Gold PPO" in page and "Other plan" not in page
    assert "IOP rules (effective-dated" in page and "Fee schedule (rate per unit" in page


def test_the_default_codes_apply_until_copied_or_saved(admin_client, in_harbor):
    changelist = admin_client.get(reverse("admin:authorizations_servicecode_changelist")).content.decode()
    assert "the default list applies: S9480, H0015" in changelist
    assert "Copy the defaults into your list" in changelist
    copy = reverse("admin:authorizations_servicecode_copy_defaults")
    assert admin_client.get(copy).status_code == 405
    assert admin_client.post(copy).status_code == 302
    assert ServiceCode.objects.count() == len(DEFAULT_SERVICE_CODES)
    admin_client.post(copy)
    assert ServiceCode.objects.count() == len(DEFAULT_SERVICE_CODES)
    assert (
        "the default list applies"
        not in admin_client.get(reverse("admin:authorizations_servicecode_changelist")).content.decode()
    )


def test_coverages_are_read_only_and_audited_in_admin(admin_client, in_harbor, harbor_coverage):
    changelist = admin_client.get(reverse("admin:authorizations_coverage_changelist"))
    assert changelist.status_code == 200
    assert reverse("admin:authorizations_coverage_add") not in changelist.content.decode()
    listed = AccessEvent.objects.get(action="list", channel="admin")
    assert listed.object_ids == [str(harbor_coverage.client_id)]
    assert (
        admin_client.get(reverse("admin:authorizations_coverage_change", args=[harbor_coverage.pk])).status_code == 200
    )
    viewed = AccessEvent.objects.get(action="view", channel="admin")
    assert viewed.client_id == harbor_coverage.client_id
    for name in (
        "benefitverification",
        "authorizationrequest",
        "determination",
        "authorization",
        "chasetask",
        "unauthorizedday",
    ):
        assert admin_client.get(reverse(f"admin:authorizations_{name}_changelist")).status_code == 200


def test_a_va_cannot_configure_payers(client, harbor, harbor_va):
    client.force_login(harbor_va)
    client.post(reverse("admin:select_organization"), {"organization": harbor.pk})
    assert client.get(reverse("admin:authorizations_payer_changelist")).status_code != 200
    assert not PayerRule.all_objects.exists()
