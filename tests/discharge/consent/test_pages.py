"""The consents page, the discharge page's consent panel, sending from the page, downloads
(audited), the accounting of disclosures, and another tenant's ids."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from discharge.consent.documents import PART2_NOTICE
from discharge.models import Consent, Disclosure
from iop.audit.models import AccessEvent
from iop.tenancy.context import tenant_context

from .conftest import pdf_text

pytestmark = pytest.mark.django_db


def url(org, name, **kwargs):
    return reverse(f"discharge:{name}", kwargs={"org_slug": org.slug, **kwargs})


def test_the_consents_page_lists_states_and_is_audited(as_va, harbor, harbor_client, make_consent, episode):
    valid = make_consent()
    revoked = make_consent(purpose="payment")
    revoked.revoked_at = revoked.signed_at
    revoked.save()
    response = as_va.get(url(harbor, "consent_client", client_id=harbor_client.pk))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Harbor Outpatient" in page and "Valid" in page and "Revoked" in page
    with tenant_context(harbor.id):
        event = AccessEvent.objects.filter(object_type="discharge.Consent").latest("occurred_at")
        assert event.client_id == harbor_client.pk and str(valid.pk) in event.object_ids


def test_recording_a_consent_from_the_page(as_va, harbor, harbor_client, provider, episode):
    today = harbor.local_today()
    data = {
        "consent-information": ["demographics", "sud_records"],
        "consent-recipient_provider": str(provider.pk),
        "consent-purpose": "continuity",
        "consent-expires_on": (today + dt.timedelta(days=90)).isoformat(),
        "consent-right_to_revoke_explained": "on",
        "consent-signature_method": "electronic",
        "consent-signed_name": f"{harbor_client.first_name} {harbor_client.last_name}",
        "consent-signature_confirmed": "on",
    }
    refused = as_va.post(
        url(harbor, "consent_create", client_id=harbor_client.pk), {**data, "consent-signed_name": "X Y"}
    )
    assert refused.status_code == 422
    with tenant_context(harbor.id):
        assert not Consent.objects.exists()
    done = as_va.post(url(harbor, "consent_create", client_id=harbor_client.pk), data)
    assert done.status_code == 302
    with tenant_context(harbor.id):
        consent = Consent.objects.get()
        assert consent.information == ["demographics", "sud_records"]


def test_the_discharge_panel_and_sending_records(as_va, harbor, episode, make_consent, provider):
    plan_page = url(harbor, "plan", episode_id=episode.pk)
    page = as_va.get(plan_page).content.decode()
    assert 'data-testid="consent-missing"' in page
    refused = as_va.post(
        url(harbor, "records_send", episode_id=episode.pk),
        {"send-recipient_provider": str(provider.pk), "send-purpose": "continuity", "send-channel": "fax"},
    )
    assert refused.status_code == 422
    assert "No consent covers" in refused.content.decode()
    with tenant_context(harbor.id):
        assert not Disclosure.objects.exists()
    make_consent()
    page = as_va.get(plan_page).content.decode()
    assert 'data-testid="consent-covers"' in page
    sent = as_va.post(
        url(harbor, "records_send", episode_id=episode.pk),
        {"send-recipient_provider": str(provider.pk), "send-purpose": "continuity", "send-channel": "secure_email"},
    )
    assert sent.status_code == 302 and sent["Location"].startswith(plan_page)
    with tenant_context(harbor.id):
        disclosure = Disclosure.objects.get()
    assert disclosure.channel == "secure_email"
    # The document download is an audited export.
    document = as_va.get(url(harbor, "disclosure_document", disclosure_id=disclosure.pk))
    assert document.status_code == 200 and PART2_NOTICE in pdf_text(document.content)
    with tenant_context(harbor.id):
        assert AccessEvent.objects.filter(action="export", object_id=str(disclosure.pk)).exists()


def test_the_accounting_lists_the_disclosures(as_va, harbor, harbor_client, episode, make_consent, provider, harbor_va):
    from discharge.consent.services import records_send

    make_consent()
    with tenant_context(harbor.id):
        records_send(
            organization=harbor,
            episode=episode,
            recipient_provider=provider,
            purpose="continuity",
            channel="fax",
            actor=harbor_va,
        )
        records_send(
            organization=harbor,
            episode=episode,
            recipient_provider=provider,
            purpose="continuity",
            channel="mail",
            actor=harbor_va,
        )
    today = harbor.local_today()
    response = as_va.get(
        url(harbor, "consent_accounting", client_id=harbor_client.pk),
        {"start": (today - dt.timedelta(days=30)).isoformat(), "end": today.isoformat()},
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "Accounting of disclosures" in text
    assert (
        text.count("Harbor Outpatient") >= 2 and "Continuity of care" in text and "(fax)" in text and "(mail)" in text
    )
    with tenant_context(harbor.id):
        assert AccessEvent.objects.filter(
            action="export", object_type="discharge.Disclosure", client_id=harbor_client.pk
        ).exists()
    bad = as_va.get(
        url(harbor, "consent_accounting", client_id=harbor_client.pk),
        {"start": today.isoformat(), "end": (today - dt.timedelta(days=3)).isoformat()},
    )
    assert bad.status_code == 422


def test_another_tenants_ids_are_404(client, summit, summit_va, harbor_client, make_consent, episode):
    from tests.conftest import login

    consent = make_consent()
    login(client, summit_va)
    for name, kwargs in (
        ("consent_client", {"client_id": harbor_client.pk}),
        ("records_send", {"episode_id": episode.pk}),
        ("consent_accounting", {"client_id": harbor_client.pk}),
    ):
        assert client.get(url(summit, name, **kwargs)).status_code == 404, name
    assert client.post(url(summit, "consent_revoke", consent_id=consent.pk)).status_code == 404
    with tenant_context(consent.organization_id):
        consent.refresh_from_db()
        assert consent.revoked_at is None


def test_constant_queries_and_the_client_page_panel(
    as_va, harbor, harbor_client, make_consent, episode, provider, harbor_va
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from discharge.consent.services import records_send

    page = url(harbor, "consent_client", client_id=harbor_client.pk)
    client_page = reverse("clients:client_detail", kwargs={"org_slug": harbor.slug, "client_id": harbor_client.pk})

    def counts():
        with CaptureQueriesContext(connection) as consents_page:
            assert as_va.get(page).status_code == 200
        with CaptureQueriesContext(connection) as detail:
            response = as_va.get(client_page)
        assert response.status_code == 200
        return len(consents_page), len(detail), response.content.decode()

    make_consent()
    with tenant_context(harbor.id):
        records_send(
            organization=harbor,
            episode=episode,
            recipient_provider=provider,
            purpose="continuity",
            channel="fax",
            actor=harbor_va,
        )
    few = counts()
    for purpose in ("payment", "operations", "personal"):
        make_consent(purpose=purpose)
    with tenant_context(harbor.id):
        for _ in range(3):
            records_send(
                organization=harbor,
                episode=episode,
                recipient_provider=provider,
                purpose="continuity",
                channel="mail",
                actor=harbor_va,
            )
    many = counts()
    assert few[:2] == many[:2]
    assert "Consents to disclose" in many[2] and many[2].count('data-testid="consent-row"') == 4
