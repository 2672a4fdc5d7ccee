"""The coverage API: payers with plans and rules (read), coverages (list, filter, retrieve, create,
partial update, 271 import) and verifications (list, retrieve, create) — reads audited, refusals
400s that save nothing, another tenant's ids 404 in a URL and "no such …" in a body."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from authorizations.models import BenefitVerification, Coverage
from iop.audit.models import AccessEvent
from tests.factories import ClientFactory

from ..conftest import BASE, local_days_ago, make_coverage, make_rule
from .conftest import MEMBER_ID

pytestmark = pytest.mark.django_db

PAYERS, COVERAGES, VERIFICATIONS = f"{BASE}/payers/", f"{BASE}/coverages/", f"{BASE}/verifications/"


@pytest.fixture
def intake_api(api, harbor_intake):
    return api(harbor_intake)


@pytest.fixture
def clinician_api(api, harbor_clinician):
    return api(harbor_clinician)


def _ids(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


def _verify(coverage, days_ago=0, **fields) -> BenefitVerification:
    return BenefitVerification.objects.create(
        coverage=coverage, verified_at=local_days_ago(coverage.organization, days_ago), method="portal", **fields
    )


def test_payers_are_read_with_their_plans_and_rules(clinician_api, in_harbor, payer):
    make_rule(payer, hours="9", days=3, review_cadence_days=10)
    body = clinician_api.get(PAYERS).json()
    (row,) = body["results"]
    assert (row["name"], row["payer_id"]) == ("Blue Harbor PPO", "BHP01")
    assert [p["name"] for p in row["plans"]] == ["Gold PPO"]
    (rule,) = row["rules"]
    assert (rule["plan"], rule["min_hours_per_week"], rule["review_cadence_days"]) == (None, "9.0", 10)
    assert clinician_api.get(f"{PAYERS}{payer.pk}/").json()["id"] == str(payer.pk)
    assert clinician_api.post(PAYERS, {"name": "New"}, format="json").status_code == 405


def test_coverages_are_listed_by_client_with_their_latest_verification_and_audited(
    clinician_api, in_harbor, payer, harbor_coverage
):
    _verify(harbor_coverage, days_ago=45, reference_number="OLD")
    other = make_coverage(ClientFactory(organization=in_harbor), payer, member_id="Z9")

    assert set(_ids(clinician_api.get(COVERAGES))) == {str(harbor_coverage.pk), str(other.pk)}
    rows = clinician_api.get(COVERAGES, {"client": str(harbor_coverage.client_id)}).json()["results"]
    (row,) = rows
    assert (row["member_id"], row["payer_name"], row["plan_name"]) == (MEMBER_ID, "Blue Harbor PPO", "Gold PPO")
    assert row["latest_verification"]["reference_number"] == "OLD"
    assert (row["reverification_due"], row["reverification_reason"]) == (True, "Verified 45 days ago (more than 30).")
    events = AccessEvent.objects.filter(object_type="authorizations.Coverage", action="list").order_by("occurred_at")
    assert [e.channel for e in events] == ["api", "api"]
    assert events.last().object_ids == [str(harbor_coverage.client_id)]

    detail = clinician_api.get(f"{COVERAGES}{other.pk}/").json()
    assert (detail["latest_verification"], detail["reverification_due"]) == (None, True)
    view = AccessEvent.objects.get(object_type="authorizations.Coverage", action="view")
    assert view.client_id == other.client_id


def test_the_coverage_list_costs_the_same_for_one_or_three_coverages(clinician_api, in_harbor, payer, harbor_coverage):
    _verify(harbor_coverage)
    clinician_api.get(COVERAGES)  # the token's first use is recorded once
    with CaptureQueriesContext(connection) as one:
        clinician_api.get(COVERAGES)
    for _ in range(2):
        _verify(make_coverage(ClientFactory(organization=in_harbor), payer), days_ago=2)
    with CaptureQueriesContext(connection) as three:
        assert len(_ids(clinician_api.get(COVERAGES))) == 3
    assert len(one.captured_queries) == len(three.captured_queries)


def test_a_coverage_is_created_and_changed(intake_api, in_harbor, payer, harbor_client):
    payload = {
        "client": str(harbor_client.pk),
        "payer": str(payer.pk),
        "plan": str(payer.plans.get().pk),
        "member_id": "M42",
        "effective_from": "2026-01-01",
    }
    response = intake_api.post(COVERAGES, payload, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["client"], body["priority"], body["subscriber_relationship"]) == (
        str(harbor_client.pk),
        "primary",
        "self",
    )

    changed = intake_api.patch(f"{COVERAGES}{body['id']}/", {"group_number": "G7", "plan": None}, format="json")
    assert changed.status_code == 200, changed.json()
    assert (changed.json()["group_number"], changed.json()["plan"], changed.json()["member_id"]) == ("G7", None, "M42")


def test_coverage_refusals_are_400s_that_save_nothing(
    intake_api, clinician_api, in_harbor, payer, harbor_coverage, summit_client
):
    base = {
        "client": str(harbor_coverage.client_id),
        "payer": str(payer.pk),
        "member_id": "M9",
        "effective_from": "2026-01-01",
    }
    overlap = intake_api.post(COVERAGES, base, format="json")
    assert overlap.status_code == 400 and overlap.json()["code"] == "coverage_overlap"
    backwards = intake_api.post(
        COVERAGES, {**base, "priority": "secondary", "effective_to": "2025-01-01"}, format="json"
    )
    assert backwards.json()["extra"]["fields"] == {"effective_to": ["The coverage cannot end before it starts."]}
    assert backwards.json()["code"] == "coverage_end_before_start"
    unborn = {**base, "priority": "secondary", "subscriber_date_of_birth": "2999-01-01"}
    refused = intake_api.post(COVERAGES, unborn, format="json")
    assert (refused.status_code, refused.json()["code"]) == (400, "subscriber_born_in_future")
    foreign = intake_api.post(COVERAGES, {**base, "client": str(summit_client.pk)}, format="json")
    assert foreign.json()["extra"]["fields"] == {"client": ["No such client in this organization."]}
    assert clinician_api.post(COVERAGES, {**base, "priority": "secondary"}, format="json").status_code == 403
    assert Coverage.objects.count() == 1


def test_a_271_is_imported_through_the_api(intake_api, in_harbor, harbor_coverage, benefits_271):
    response = intake_api.post(f"{COVERAGES}{harbor_coverage.pk}/import-271/", {"raw_271": benefits_271}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["method"], body["mental_health_iop"], body["substance_use_iop"]) == ("electronic", "yes", "yes")
    assert (body["authorization_required"], body["network_status"], body["coinsurance_percent"]) == (
        "yes",
        "in",
        "20.00",
    )
    assert body["raw_271"] == benefits_271 and body["client"] == str(harbor_coverage.client_id)
    assert AccessEvent.objects.filter(object_type="authorizations.BenefitVerification", action="view").count() == 1

    listed = intake_api.get(VERIFICATIONS, {"coverage": str(harbor_coverage.pk)}).json()["results"]
    assert [row["id"] for row in listed] == [body["id"]] and "raw_271" not in listed[0]
    assert intake_api.get(f"{VERIFICATIONS}{body['id']}/").json()["raw_271"] == benefits_271


def test_a_dependents_271_is_imported_with_its_benefits_and_refused_for_the_subscriber(
    intake_api, in_harbor, harbor_coverage, child_coverage, dependent_271
):
    refused = intake_api.post(f"{COVERAGES}{harbor_coverage.pk}/import-271/", {"raw_271": dependent_271}, format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "person_mismatch"
    assert "SAM RIVERA (dependent, born 1 Jan 2010)" in refused.json()["message"]
    assert not BenefitVerification.objects.exists()

    response = intake_api.post(f"{COVERAGES}{child_coverage.pk}/import-271/", {"raw_271": dependent_271}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["plan_name"], body["coverage_level"], body["coverage_level_label"]) == (
        "GOLD PPO FAMILY",
        "FAM",
        "Family",
    )
    assert len(body["benefits"]) == 21
    out_copay = next(b for b in body["benefits"] if (b["benefit"], b["network"]) == ("B", "out"))
    assert out_copay == {
        "position": 11,
        "benefit": "B",
        "benefit_label": "Copay",
        "coverage_level": "IND",
        "coverage_level_label": "Individual",
        "service_types": ["MH", "A8", "CH"],
        "service_type_labels": [
            "Mental health (MH)",
            "Psychiatric — outpatient (A8)",
            "Mental health facility — outpatient (CH)",
        ],
        "insurance_type": "PR",
        "plan_name": "",
        "time_period": "27",
        "time_period_label": "Visit",
        "amount": "60.00",
        "percent": None,
        "quantity_qualifier": "",
        "quantity_qualifier_label": "",
        "quantity": None,
        "authorization_required": "unknown",
        "network": "out",
        "period_start": None,
        "period_end": None,
        "messages": [],
    }
    limit = next(b for b in body["benefits"] if b["quantity_qualifier"] == "VS")
    assert (limit["quantity"], limit["time_period_label"], limit["authorization_required"]) == (
        "40.00",
        "Calendar year",
        "yes",
    )
    retrieved = intake_api.get(f"{VERIFICATIONS}{body['id']}/").json()
    assert retrieved["benefits"] == body["benefits"]
    listed = intake_api.get(VERIFICATIONS).json()["results"]
    assert listed[0]["plan_name"] == "GOLD PPO FAMILY" and "benefits" not in listed[0]


def test_a_malformed_or_rejected_271_is_a_400_and_nothing_is_saved(
    intake_api, in_harbor, harbor_coverage, malformed_271, rejected_271
):
    url = f"{COVERAGES}{harbor_coverage.pk}/import-271/"
    malformed = intake_api.post(url, {"raw_271": malformed_271}, format="json")
    assert malformed.status_code == 400
    assert malformed.json()["code"] == "x12_malformed"
    assert malformed.json()["message"].startswith("This file cannot be read as an X12 271:")
    rejected = intake_api.post(url, {"raw_271": rejected_271}, format="json")
    assert "75 Subscriber/insured not found" in rejected.json()["message"]
    assert intake_api.post(url, {}, format="json").json()["extra"]["fields"] == {"raw_271": ["This field is required."]}
    assert not BenefitVerification.objects.exists()


def test_a_verification_is_recorded_and_listed_by_client(intake_api, in_harbor, harbor_coverage):
    payload = {
        "coverage": str(harbor_coverage.pk),
        "method": "phone",
        "reference_number": "CALL-1",
        "mental_health_iop": "yes",
        "deductible": "1000.00",
        "deductible_met": "250.00",
    }
    response = intake_api.post(VERIFICATIONS, payload, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["verified_by_name"]
    assert _ids(intake_api.get(VERIFICATIONS, {"client": str(harbor_coverage.client_id)})) == [response.json()["id"]]
    refused = intake_api.post(VERIFICATIONS, {**payload, "deductible_met": "2000"}, format="json")
    assert refused.status_code == 400
    assert refused.json()["extra"]["fields"] == {
        "deductible_met": ["The amount met cannot be more than the deductible."]
    }
    assert BenefitVerification.objects.get().deductible == Decimal("1000.00")


def test_another_tenants_coverage_is_404_in_a_url_and_refused_in_a_body(
    intake_api, in_harbor, summit_coverage, benefits_271
):
    assert intake_api.get(f"{COVERAGES}{summit_coverage.pk}/").status_code == 404
    assert intake_api.patch(f"{COVERAGES}{summit_coverage.pk}/", {"member_id": "X"}, format="json").status_code == 404
    imported = intake_api.post(f"{COVERAGES}{summit_coverage.pk}/import-271/", {"raw_271": benefits_271}, format="json")
    assert imported.status_code == 404
    recorded = intake_api.post(VERIFICATIONS, {"coverage": str(summit_coverage.pk), "method": "phone"}, format="json")
    assert recorded.json()["extra"]["fields"] == {"coverage": ["No such coverage in this organization."]}
    assert _ids(intake_api.get(COVERAGES)) == []
    assert not BenefitVerification.all_objects.exists()
