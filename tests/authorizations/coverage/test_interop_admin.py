"""An org admin sets the organization's interoperability settings (envelope ids, NPI, the 270's
service types) once in Django admin; the control-number counter is shown, never edited."""

from __future__ import annotations

import pytest
from django.urls import reverse

from authorizations.models import InteropSettings
from iop.tenancy.context import tenant_context

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, harbor, harbor_admin):
    client.force_login(harbor_admin)
    client.post(reverse("admin:select_organization"), {"organization": harbor.pk})
    return client


def test_an_org_admin_sets_the_interoperability_settings_once(admin_client, harbor):
    data = {
        "requester_name": "Harbor Virtual IOP",
        "requester_npi": "1234567893",
        "facility_code": "52",
        "submitter_qualifier": "ZZ",
        "submitter_id": "HARBORSUB",
        "receiver_qualifier": "ZZ",
        "receiver_id": "CLEARHOUSE",
        "application_sender_code": "",
        "application_receiver_code": "",
        "eligibility_service_types": "30,MH,AI",
        "last_control_number": "500",
    }
    refused = admin_client.post(reverse("admin:authorizations_interopsettings_add"), {**data, "requester_npi": "12"})
    assert refused.status_code == 200 and "An NPI is ten digits." in refused.content.decode()

    response = admin_client.post(reverse("admin:authorizations_interopsettings_add"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    with tenant_context(harbor.id):
        settings = InteropSettings.objects.get()
    assert (settings.organization, settings.submitter_id, settings.eligibility_service_types) == (
        harbor,
        "HARBORSUB",
        ["30", "MH", "AI"],
    )
    assert settings.last_control_number == 0  # shown, not taken from the form
    # One row per organization, never deleted.
    assert admin_client.get(reverse("admin:authorizations_interopsettings_add")).status_code == 403
    delete = reverse("admin:authorizations_interopsettings_delete", args=[settings.pk])
    assert admin_client.get(delete).status_code == 403
