"""The consents and disclosures API: create, revoke, send (refused and nothing leaves), the
document and the accounting (audited), another tenant's ids 404, bad input refused."""

from __future__ import annotations

import datetime as dt

import pytest

from discharge.models import Consent, Disclosure
from iop.audit.models import AccessEvent
from iop.tenancy.context import tenant_context

from .conftest import pdf_text

pytestmark = pytest.mark.django_db

BASE = "/api/v1/o/{slug}/"


def test_consent_send_revoke_through_the_api(api, harbor, harbor_va, harbor_client, provider, episode):
    client = api(harbor_va)
    base = BASE.format(slug=harbor.slug)
    body = {
        "client": str(harbor_client.pk),
        "information": ["demographics", "diagnoses", "sud_records"],
        "recipient_provider": str(provider.pk),
        "purpose": "continuity",
        "expires_on": (harbor.local_today() + dt.timedelta(days=30)).isoformat(),
        "right_to_revoke_explained": True,
        "signed_name": f"{harbor_client.first_name} {harbor_client.last_name}",
        "signature_method": "electronic",
        "signature_confirmed": True,
    }
    refused = client.post(base + "consents/", {**body, "right_to_revoke_explained": False}, format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "consent_incomplete"
    created = client.post(base + "consents/", body, format="json")
    assert created.status_code == 201, created.json()
    consent_id = created.json()["id"]
    assert created.json()["state"] == "valid"
    listed = client.get(base + "consents/", {"client": str(harbor_client.pk)})
    assert [row["id"] for row in listed.json()["results"]] == [consent_id]

    send = {
        "episode": str(episode.pk),
        "recipient_provider": str(provider.pk),
        "purpose": "continuity",
        "channel": "fax",
    }
    sent = client.post(base + "disclosures/", send, format="json")
    assert sent.status_code == 201, sent.json()
    assert sorted(sent.json()["information"]) == ["demographics", "diagnoses", "sud_records"]
    document = client.get(base + f"disclosures/{sent.json()['id']}/document/")
    assert document.status_code == 200 and "42 CFR part 2 prohibits" in pdf_text(document.content)
    today = harbor.local_today().isoformat()
    accounting = client.get(
        base + "disclosures/accounting/", {"client": str(harbor_client.pk), "start": today, "end": today}
    )
    assert accounting.status_code == 200 and "Harbor Outpatient" in pdf_text(accounting.content)
    with tenant_context(harbor.id):
        assert AccessEvent.objects.filter(action="export", channel="api").count() == 2

    revoked = client.post(base + f"consents/{consent_id}/revoke/", {"note": "By letter"}, format="json")
    assert revoked.status_code == 200 and revoked.json()["state"] == "revoked"
    blocked = client.post(base + "disclosures/", send, format="json")
    assert blocked.status_code == 400 and blocked.json()["code"] == "consent_not_covering"
    with tenant_context(harbor.id):
        assert Disclosure.objects.count() == 1


def test_bad_input_changes_nothing(api, harbor, harbor_va, harbor_client, provider, episode):
    client = api(harbor_va)
    base = BASE.format(slug=harbor.slug)
    for body in (
        {"client": str(harbor_client.pk), "information": ["gossip"], "purpose": "continuity"},
        {"client": "not-an-id", "information": ["demographics"], "purpose": "continuity"},
    ):
        assert client.post(base + "consents/", body, format="json").status_code == 400
    send = {
        "episode": str(episode.pk),
        "recipient_provider": str(provider.pk),
        "purpose": "continuity",
        "channel": "pigeon",
    }
    assert client.post(base + "disclosures/", send, format="json").status_code == 400
    with tenant_context(harbor.id):
        assert not Consent.objects.exists() and not Disclosure.objects.exists()


def test_another_tenants_rows_are_404(api, harbor, summit, summit_va, make_consent, episode, provider, harbor_va):
    from rest_framework.test import APIClient

    from discharge.consent.services import records_send
    from iop.accounts.services import api_token_create

    consent = make_consent()
    with tenant_context(harbor.id):
        disclosure = records_send(
            organization=harbor,
            episode=episode,
            recipient_provider=provider,
            purpose="continuity",
            channel="fax",
            actor=harbor_va,
        )
    with tenant_context(summit.id):
        raw = api_token_create(organization=summit, user=summit_va, name="tests").raw
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    base = BASE.format(slug=summit.slug)
    assert client.get(base + f"consents/{consent.pk}/").status_code == 404
    assert client.post(base + f"consents/{consent.pk}/revoke/", {}, format="json").status_code == 404
    assert client.get(base + f"disclosures/{disclosure.pk}/").status_code == 404
    assert client.get(base + f"disclosures/{disclosure.pk}/document/").status_code == 404
    today = summit.local_today().isoformat()
    assert (
        client.get(
            base + "disclosures/accounting/", {"client": str(consent.client_id), "start": today, "end": today}
        ).status_code
        == 404
    )
    assert client.get(base + "consents/", {"client": str(consent.client_id)}).json()["results"] == []
    with tenant_context(harbor.id):
        consent.refresh_from_db()
        assert consent.revoked_at is None
