"""The denials & appeals API: a case with its clocks, the peer-to-peer, filing and deciding an
appeal, refusals with their codes and nothing changed, clinical text only for clinical roles,
another organization's case a 404."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from authorizations.models import Appeal, CaseStatus, DenialCase, PeerToPeer

from ..conftest import BASE

pytestmark = pytest.mark.django_db


def test_a_case_through_the_api(api, case, harbor_intake, harbor_clinician):
    intake = api(harbor_intake)
    listed = intake.get(f"{BASE}/denial-cases/").json()
    assert [row["id"] for row in listed["results"]] == [str(case.pk)]
    detail = intake.get(f"{BASE}/denial-cases/{case.pk}/").json()
    assert detail["status"] == "open" and detail["reason"] == case.reason
    assert [c["kind"] for c in detail["clocks"]] == ["p2p_window", "appeal_filing"]

    at = (timezone.now() + dt.timedelta(days=1)).isoformat()
    made = intake.post(f"{BASE}/denial-cases/{case.pk}/peer-to-peers/", {"scheduled_at": at}, format="json")
    assert made.status_code == 201, made.json()
    p2p = made.json()["peer_to_peers"][0]
    assert p2p["clinician"] == harbor_clinician.pk
    again = intake.post(f"{BASE}/denial-cases/{case.pk}/peer-to-peers/", {"scheduled_at": at}, format="json")
    assert (again.status_code, again.json()["code"]) == (400, "p2p_already_scheduled")
    cancelled = api(harbor_clinician).post(
        f"{BASE}/peer-to-peers/{p2p['id']}/outcome/", {"status": "cancelled"}, format="json"
    )
    assert cancelled.json()["status"] == "cancelled"

    no_letter = intake.post(f"{BASE}/denial-cases/{case.pk}/appeals/", {"channel": "fax"}, format="json")
    assert (no_letter.status_code, no_letter.json()["code"]) == (400, "appeal_letter_required")
    assert Appeal.objects.get(case=case).filed_at is None  # nothing changed
    filed = intake.post(
        f"{BASE}/denial-cases/{case.pk}/appeals/",
        {"channel": "portal", "letter": "Please reconsider.", "reference": "AP-9"},
        format="json",
    )
    assert filed.status_code == 201, filed.json()
    appeal = filed.json()["appeals"][0]
    assert appeal["filed_at"] and appeal["decision_due_at"]
    decided = intake.post(f"{BASE}/appeals/{appeal['id']}/outcome/", {"outcome": "overturned"}, format="json")
    assert decided.status_code == 200 and decided.json()["outcome"] == "overturned"
    closed = intake.get(f"{BASE}/denial-cases/{case.pk}/").json()
    assert closed["status"] == CaseStatus.OVERTURNED
    assert closed["next_step"]["link"].endswith("#determinations")


def test_a_va_sees_no_clinical_text_and_bad_input_is_refused(api, case, harbor_va):
    va = api(harbor_va)
    detail = va.get(f"{BASE}/denial-cases/{case.pk}/").json()
    assert "reason" not in detail and "letter" not in detail["appeals"][0]
    naive = va.post(
        f"{BASE}/denial-cases/{case.pk}/peer-to-peers/", {"scheduled_at": "2026-03-02T09:00:00"}, format="json"
    )
    assert naive.status_code == 400
    wrong = va.post(f"{BASE}/denial-cases/{case.pk}/close/", {"status": "upheld"}, format="json")
    assert (wrong.status_code, wrong.json()["code"]) == (400, "case_close_invalid")
    assert DenialCase.objects.get(pk=case.pk).status == "open" and not PeerToPeer.objects.exists()


def test_another_organizations_case_is_a_404(api, case, summit, summit_va):
    from rest_framework.test import APIClient

    from iop.accounts.services import api_token_create
    from iop.tenancy.context import tenant_context

    with tenant_context(summit.id):
        raw = api_token_create(organization=summit, user=summit_va, name="t").raw
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    appeal = Appeal.objects.get(case=case)
    for path in (f"denial-cases/{case.pk}/", f"appeals/{appeal.pk}/"):
        assert other.get(f"/api/v1/o/summit/{path}").status_code == 404
    response = other.post(f"/api/v1/o/summit/denial-cases/{case.pk}/close/", {"status": "not_pursued"}, format="json")
    assert response.status_code == 404
    assert DenialCase.objects.get(pk=case.pk).status == "open"
