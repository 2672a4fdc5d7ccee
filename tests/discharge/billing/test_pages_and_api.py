"""The reconciliation page (per line table, discrepancies with actions, upload with unmatched rows
reported, close refused then written off), the discharge page's panel, the API (lines, import,
reconciliation, close, write-off) and another organization's episode a 404."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from discharge.models import BillingImport, BillingLine, EpisodeReconciliation
from iop.audit.models import AccessEvent
from iop.tenancy.context import tenant_context

from .conftest import BASE, bill

pytestmark = pytest.mark.django_db


def page_url(episode, slug="harbor"):
    return f"/o/{slug}/discharge/episodes/{episode.pk}/billing/"


def test_the_page_shows_lines_discrepancies_and_actions(client, harbor_va, episode, attended, past_week):
    for day in attended:
        bill(episode, day)
    bill(episode, past_week + dt.timedelta(days=20))
    client.force_login(harbor_va)

    response = client.get(page_url(episode))

    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="authorization-lines"' in body and "AUTH-77" in body
    assert "Date outside any authorization" in body and "Request a retro authorization" in body
    assert AccessEvent.objects.filter(client_id=episode.client_id, action="view").exists()


def test_upload_reports_unmatched_rows_and_a_bad_file_writes_nothing(client, harbor_va, episode, attended):
    client.force_login(harbor_va)
    good = (
        "member_id,service_date,code,units,billed_amount,paid_amount,authorization_number\n"
        f"M123456,{attended[0]:%Y-%m-%d},S9480,1,300,300,AUTH-77\n"
        f"NOBODY,{attended[0]:%Y-%m-%d},S9480,1,300,300,AUTH-77\n"
    ).encode()

    response = client.post(page_url(episode) + "upload/", {"file": SimpleUploadedFile("b.csv", good)})
    assert response.status_code == 200
    assert 'data-testid="unmatched"' in response.content.decode()
    assert BillingLine.objects.count() == 1

    bad = b"member_id,service_date,code,units,billed_amount\nM123456,yesterday,S9480,1,300\n"
    response = client.post(page_url(episode) + "upload/", {"file": SimpleUploadedFile("c.csv", bad)})
    assert response.status_code == 422
    assert "is not a date" in response.content.decode()
    assert BillingImport.objects.count() == 1 and BillingLine.objects.count() == 1


def test_close_refused_then_written_off_from_the_page(client, harbor_admin, episode, attended):
    client.force_login(harbor_admin)

    response = client.post(page_url(episode) + "close/")
    assert response.status_code == 422
    assert 'data-testid="close-refused"' in response.content.decode()
    assert not EpisodeReconciliation.objects.filter(status="reconciled").exists()

    response = client.post(
        page_url(episode) + "write-off/", {"reason": "Never billed; past timely filing", "amount": "900"}
    )
    assert response.status_code == 302
    assert EpisodeReconciliation.objects.get().status == "written_off"


def test_the_discharge_page_panel(client, harbor_va, episode, billed_in_full):
    from discharge.models import PlanOrigin
    from discharge.plans import services as plan_services

    plan_services.plan_start(episode=episode, origin=PlanOrigin.STAFF, actor=harbor_va)
    client.force_login(harbor_va)

    response = client.get(f"/o/harbor/discharge/episodes/{episode.pk}/")

    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="billing-status">Open' in body and "3 billing lines · 0 discrepancies" in body
    assert page_url(episode) in body


def test_a_clinician_has_no_billing_page(client, harbor_clinician, episode):
    client.force_login(harbor_clinician)
    assert client.get(page_url(episode)).status_code == 403


def test_the_api(api, harbor_va, episode, attended, past_week):
    http = api(harbor_va)
    for day in attended[:2]:
        response = http.post(
            f"{BASE}/billing-lines/",
            {
                "episode": str(episode.pk),
                "service_date": day.isoformat(),
                "code": "S9480",
                "units": 1,
                "billed_amount": "300.00",
                "paid_amount": "300.00",
                "authorization_number": "AUTH-77",
            },
            format="json",
        )
        assert response.status_code == 201, response.json()
    assert http.get(f"{BASE}/billing-lines/?episode={episode.pk}").json()["results"][0]["code"] == "S9480"

    csv = (
        "member_id,service_date,code,units,billed_amount,paid_amount,authorization_number\n"
        f"M123456,{attended[2]:%Y-%m-%d},S9480,1,300,300,AUTH-77\n"
    )
    response = http.post(
        f"{BASE}/billing-imports/", {"file": SimpleUploadedFile("d.csv", csv.encode())}, format="multipart"
    )
    assert response.status_code == 201 and response.json()["created"] == 1

    reconciliation = http.get(f"{BASE}/billing-reconciliations/{episode.pk}/").json()
    assert reconciliation["discrepancy_count"] == 0
    assert reconciliation["authorization_lines"][0]["units_billed"] == 3

    bill(episode, past_week + dt.timedelta(days=1), code="H0015")
    refused = http.post(f"{BASE}/billing-reconciliations/{episode.pk}/close/", format="json")
    assert refused.status_code in (400, 409, 422) and refused.json()["code"] == "discrepancies_remain"

    response = http.post(
        f"{BASE}/billing-reconciliations/{episode.pk}/write-off/",
        {"reason": "H0015 line not authorized", "amount": "300.00"},
        format="json",
    )
    assert response.status_code == 200 and response.json()["status"] == "written_off"


def test_another_organizations_episode_is_a_404(api, harbor_va, summit, summit_client):
    from iop.clients.models import Episode

    with tenant_context(summit.id):
        theirs = Episode.objects.get(client=summit_client)
    http = api(harbor_va)

    assert http.get(f"{BASE}/billing-reconciliations/{theirs.pk}/").status_code == 404
    assert http.post(f"{BASE}/billing-reconciliations/{theirs.pk}/close/").status_code == 404
    response = http.post(
        f"{BASE}/billing-lines/",
        {"episode": str(theirs.pk), "service_date": "2026-01-05", "code": "S9480", "units": 1, "billed_amount": "1"},
        format="json",
    )
    assert response.status_code == 400
    with tenant_context(summit.id):
        assert not BillingLine.objects.exists()


def test_the_page_costs_the_same_queries_for_few_and_many_lines(client, harbor_va, episode, attended, past_week):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(harbor_va)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(page_url(episode)).status_code == 200
        return len(queries)

    bill(episode, attended[0])
    few = count()
    for n in range(1, 9):
        bill(episode, past_week + dt.timedelta(days=n), claim_number=f"C-{n}", code="H0015" if n % 2 else "S9480")
    assert count() == few


def test_another_organizations_episode_page_is_a_404(client, harbor_va, summit, summit_client):
    from iop.clients.models import Episode

    with tenant_context(summit.id):
        theirs = Episode.objects.get(client=summit_client)
    client.force_login(harbor_va)

    assert client.get(page_url(theirs)).status_code == 404
    for action in ("upload/", "lines/", "close/", "write-off/"):
        assert client.post(page_url(theirs) + action, {"reason": "x", "amount": "1"}).status_code == 404
    assert client.get(page_url(theirs, slug="summit")).status_code == 404
    with tenant_context(summit.id):
        assert not EpisodeReconciliation.objects.exists()
