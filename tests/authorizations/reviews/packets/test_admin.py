"""The organization's admin configures each payer's packet checklist in the admin."""

from __future__ import annotations

import pytest
from django.urls import reverse

from authorizations.models import PacketChecklistItem, Payer
from iop.tenancy.context import tenant_context

pytestmark = pytest.mark.django_db


def test_an_org_admin_adds_a_payers_checklist_item_once(client, harbor, harbor_admin):
    with tenant_context(harbor.id):
        payer = Payer.objects.create(name="Blue Harbor PPO", payer_id="BHP01")
    client.force_login(harbor_admin)
    client.post(reverse("admin:select_organization"), {"organization": harbor.pk})
    data = {"payer": str(payer.pk), "element": "risk", "is_required": "on", "position": "1"}

    added = client.post(reverse("admin:authorizations_packetchecklistitem_add"), data)
    again = client.post(reverse("admin:authorizations_packetchecklistitem_add"), data)

    assert added.status_code == 302, added.content.decode()[:2000]
    assert again.status_code == 200 and "already on that payer" in again.content.decode()
    assert client.get(reverse("admin:authorizations_packetchecklistitem_changelist")).status_code == 200
    with tenant_context(harbor.id):
        item = PacketChecklistItem.objects.get()
        assert (item.payer, item.element, item.is_required, item.organization) == (payer, "risk", True, harbor)
