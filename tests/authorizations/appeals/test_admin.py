"""The admin: regimes with every clock field (and the federal ones added with one button), the
payer and plan naming their regime, the rule's peer-to-peer and appeal windows, and denial cases
and appeals read-only without their clinical text."""

from __future__ import annotations

import pytest
from django.urls import reverse

from authorizations.models import ReviewRegime
from iop.tenancy.context import tenant_context

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, harbor, harbor_admin):
    client.force_login(harbor_admin)
    client.post(reverse("admin:select_organization"), {"organization": harbor.pk})
    return client


def test_regimes_in_the_admin(admin_client, harbor):
    page = admin_client.get(reverse("admin:authorizations_reviewregime_changelist")).content.decode()
    assert "Add the federal regimes" in page
    assert admin_client.get(reverse("admin:authorizations_reviewregime_ensure_federal")).status_code == 405
    admin_client.post(reverse("admin:authorizations_reviewregime_ensure_federal"))
    admin_client.post(reverse("admin:authorizations_reviewregime_ensure_federal"))
    with tenant_context(harbor.id):
        assert ReviewRegime.objects.count() == 3
    add = admin_client.get(reverse("admin:authorizations_reviewregime_add")).content.decode()
    for field in (
        "day_count",
        "internal_appeal_levels",
        "internal_appeal_standard_days",
        "internal_appeal_expedited_hours",
        "external_review_filing_days",
        "external_review_standard_days",
        "external_review_expedited_hours",
        "notes",
    ):
        assert f'name="{field}"' in add
    response = admin_client.post(
        reverse("admin:authorizations_reviewregime_add"),
        {
            "name": "State of Harbor (stricter)",
            "day_count": "business",
            "internal_appeal_levels": "1",
            "internal_appeal_standard_days": "15",
            "internal_appeal_expedited_hours": "24",
            "external_review_filing_days": "60",
            "external_review_standard_days": "30",
            "external_review_expedited_hours": "48",
            "notes": "State statute.",
        },
    )
    assert response.status_code == 302
    with tenant_context(harbor.id):
        assert ReviewRegime.objects.get(name="State of Harbor (stricter)").day_count == "business"


def test_payer_plan_and_rule_show_the_regime_and_windows(admin_client, payer):
    page = admin_client.get(reverse("admin:authorizations_payer_change", args=[payer.pk])).content.decode()
    assert 'name="regime"' in page and 'name="plans-0-regime"' in page
    assert "p2p_window_hours" in page and "appeal_window_days" in page


def test_cases_and_appeals_are_read_only_without_clinical_text(admin_client, case):
    page = admin_client.get(reverse("admin:authorizations_denialcase_change", args=[case.pk])).content.decode()
    assert case.reason not in page
    assert "Internal appeal, level 1" in page
    assert admin_client.get(reverse("admin:authorizations_appeal_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:authorizations_denialcase_changelist")).status_code == 200
