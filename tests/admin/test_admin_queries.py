"""An aftercare provider's accepted payers in admin (issue #13): shown to organization admins (the
inline used Django's `is_staff` permissions, so no admin ever saw it), labelled "<payer> accepted by
<provider>", and read in constant queries however many there are."""

from __future__ import annotations

import pytest
from django.urls import reverse

from authorizations.models import Payer
from discharge.models import AftercareProvider, AftercareProviderPayer
from iop.tenancy.context import tenant_context

pytestmark = pytest.mark.django_db


def _provider_accepting(organization, payers: int) -> AftercareProvider:
    with tenant_context(organization.id):
        provider = AftercareProvider.objects.create(organization=organization, name=f"Lakeside {payers}")
        for i in range(payers):
            payer = Payer.objects.create(organization=organization, name=f"Payer {payers}-{i}")
            AftercareProviderPayer.objects.create(organization=organization, provider=provider, payer=payer)
        return provider


def _change_url(provider) -> str:
    return reverse("admin:discharge_aftercareprovider_change", args=[provider.pk])


@pytest.fixture
def admin_client(client, harbor, harbor_admin):
    client.force_login(harbor_admin)
    client.get("/admin/", follow=True)  # acting for harbor
    return client


def test_accepted_payers_are_listed_in_constant_queries(admin_client, harbor, django_assert_max_num_queries):
    few, many = _provider_accepting(harbor, 1), _provider_accepting(harbor, 6)
    admin_client.get(_change_url(few))  # warm the per-process caches (content types)

    counts = {}
    for provider in (few, many):
        with django_assert_max_num_queries(25) as queries:
            page = admin_client.get(_change_url(provider))
        assert page.status_code == 200
        counts[provider.name] = len(queries.captured_queries)
    assert counts["Lakeside 6"] == counts["Lakeside 1"]
    assert "Payer 6-5 accepted by Lakeside 6" in page.content.decode()


def test_an_admin_adds_an_accepted_payer(admin_client, harbor):
    provider = _provider_accepting(harbor, 0)
    with tenant_context(harbor.id):
        payer = Payer.objects.create(organization=harbor, name="Blue Harbor PPO")
    prefix = "payer_links"
    response = admin_client.post(
        _change_url(provider),
        {
            "name": provider.name,
            "levels_of_care": "op",
            "is_active": "on",
            f"{prefix}-TOTAL_FORMS": "1",
            f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-0-payer": str(payer.pk),
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    with tenant_context(harbor.id):
        assert [str(link) for link in AftercareProviderPayer.objects.filter(provider=provider)] == [
            "Blue Harbor PPO accepted by Lakeside 0"
        ]
