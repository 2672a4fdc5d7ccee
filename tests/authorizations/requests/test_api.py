"""The requests API: create from an episode and a coverage, diagnoses and lines, the status
actions and determinations, couples' packets — with clear 400s, tenant scoping, audit of reads,
and no clinical content for roles that do not read it."""

from __future__ import annotations

import datetime as dt

import pytest
from drf_spectacular.generators import SchemaGenerator

from authorizations.models import Authorization, AuthorizationRequest, RequestPacket
from iop.audit.models import AccessEvent
from iop.tenancy.context import tenant_context

from ..conftest import BASE, make_coverage
from .conftest import complete

pytestmark = pytest.mark.django_db

PREFIX = "/api/v1/o/{org_slug}/"


@pytest.fixture
def intake_api(api, harbor_intake):
    return api(harbor_intake)


def test_create_drafts_from_the_plan_with_projected_costs(intake_api, episode, coverage, rule, fees, start):
    response = intake_api.post(
        f"{BASE}/authorization-requests/",
        {"episode": str(episode.pk), "coverage": str(coverage.pk), "start_date": start.isoformat()},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["client"], body["payer"]) == ("draft", str(episode.client_id), "Blue Harbor PPO")
    lines = {line["code"]: line for line in body["lines"]}
    assert lines["90853"]["service_track"] == "group"
    assert (lines["90853"]["estimated_sessions"], lines["90853"]["projected_cost"]) == (6, "450.00")
    assert body["totals"] == {"sessions": 9, "units": 9, "projected_cost": "850.00", "lines_without_fee": 0}
    assert "Add the primary ICD-10-CM diagnosis." in body["missing"]
    assert body["emotional_support_animal_note"].startswith("Dog lowers")


def test_a_coverage_of_another_client_or_tenant_is_refused(
    intake_api, episode, payer, rule, make_active_episode, summit, summit_client
):
    foreign = make_coverage(make_active_episode().client, payer)
    response = intake_api.post(
        f"{BASE}/authorization-requests/", {"episode": str(episode.pk), "coverage": str(foreign.pk)}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["extra"]["fields"]["coverage"] == [
        "That coverage belongs to another client: a request must be against the client's own coverage."
    ]
    with tenant_context(summit.id):
        from authorizations.models import Payer

        summit_coverage = make_coverage(summit_client, Payer.objects.create(name="Summit payer"))
    response = intake_api.post(
        f"{BASE}/authorization-requests/",
        {"episode": str(episode.pk), "coverage": str(summit_coverage.pk)},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["extra"]["fields"]["coverage"] == ["No such coverage in this organization."]
    assert not AuthorizationRequest.objects.exists()


def test_diagnoses_and_lines_with_clear_refusals(intake_api, draft):
    url = f"{BASE}/authorization-requests/{draft.pk}"
    bad = intake_api.post(f"{url}/diagnoses/", {"code": "33.1"}, format="json")
    assert bad.status_code == 400
    assert "is not an ICD-10-CM code" in bad.json()["extra"]["fields"]["code"][0]
    first = intake_api.post(f"{url}/diagnoses/", {"code": "F331"}, format="json").json()["diagnoses"][0]
    second = intake_api.post(f"{url}/diagnoses/", {"code": "F41.1"}, format="json").json()["diagnoses"][1]
    body = intake_api.put(f"{url}/diagnoses/", {"order": [second["id"], first["id"]]}, format="json").json()
    assert [(d["code"], d["sequence"]) for d in body["diagnoses"]] == [("F41.1", 1), ("F33.1", 2)]
    body = intake_api.delete(f"{url}/diagnoses/{second['id']}/").json()
    assert [(d["code"], d["sequence"]) for d in body["diagnoses"]] == [("F33.1", 1)]

    zero = intake_api.post(f"{url}/lines/", {"code": "90834", "units": 0, "frequency_per_week": "1"}, format="json")
    assert zero.status_code == 400
    assert zero.json()["extra"]["fields"] == {"units": ["Units must be at least 1."]}
    backwards = intake_api.post(
        f"{url}/lines/",
        {
            "code": "90834",
            "units": 1,
            "frequency_per_week": "1",
            "start_date": (draft.start_date + dt.timedelta(days=3)).isoformat(),
            "end_date": draft.start_date.isoformat(),
        },
        format="json",
    )
    assert backwards.json()["extra"]["fields"] == {"end_date": ["The end date is before the start date."]}
    group = draft.lines.get(code="90853")
    body = intake_api.patch(f"{url}/lines/{group.pk}/", {"units": 2}, format="json").json()
    assert next(line for line in body["lines"] if line["code"] == "90853")["projected_cost"] == "900.00"
    body = intake_api.delete(f"{url}/lines/{group.pk}/").json()
    assert "90853" not in {line["code"] for line in body["lines"]}


def test_mark_ready_submit_pend_and_determination(intake_api, draft, harbor_intake):
    url = f"{BASE}/authorization-requests/{draft.pk}"
    refused = intake_api.post(f"{url}/mark-ready/")
    assert refused.status_code == 400
    assert refused.json()["extra"]["fields"]["__all__"] == [
        "Add the primary ICD-10-CM diagnosis.",
        "Explain why a lower level of care is not enough.",
        "Explain why a higher level of care is not needed.",
    ]
    intake_api.post(f"{url}/diagnoses/", {"code": "F33.1"}, format="json")
    patched = intake_api.patch(
        f"{url}/", {"why_not_lower_level": "Failed OP.", "why_not_higher_level": "No risk."}, format="json"
    )
    assert patched.json()["missing"] == []
    assert intake_api.post(f"{url}/mark-ready/").json()["status"] == "ready"
    submitted = intake_api.post(f"{url}/submit/", {"channel": "x12_278", "payer_reference": "T-1"}, format="json")
    assert submitted.json()["status"] == "submitted" and submitted.json()["decision_due_at"]
    pended = intake_api.post(
        f"{url}/pend/", {"information_requested": "PHQ-9", "information_due": draft.end_date.isoformat()}, format="json"
    )
    assert pended.json()["status"] == "pended"
    answer = intake_api.post(
        f"{url}/determinations/",
        {
            "action": "A1",
            "authorization_number": "AUTH-API",
            "approved_code": "90853",
            "approved_units": 6,
            "start_date": draft.start_date.isoformat(),
            "end_date": draft.end_date.isoformat(),
        },
        format="json",
    )
    assert answer.status_code == 201
    authorization = Authorization.objects.get()
    assert answer.json()["authorization"] == str(authorization.pk)
    listed = intake_api.get(f"{BASE}/determinations/?request={draft.pk}").json()["results"]
    assert [d["authorization_number"] for d in listed] == ["AUTH-API"]


def test_a_va_reads_requests_without_clinical_content_and_cannot_build(api, harbor_va, draft):
    va = api(harbor_va)
    row = va.get(f"{BASE}/authorization-requests/").json()["results"][0]
    assert row["id"] == str(draft.pk) and "lines" in row
    for clinical in ("diagnoses", "why_not_lower_level", "clinical_summary", "emotional_support_animal_note"):
        assert clinical not in row
    event = AccessEvent.objects.filter(action="list", channel="api").latest("occurred_at")
    assert event.object_ids == [str(draft.episode.client_id)]
    assert va.post(f"{BASE}/authorization-requests/{draft.pk}/diagnoses/", {"code": "F33.1"}).status_code == 403


def test_a_couples_packet_through_the_api(intake_api, couple_world):
    couple = couple_world["couple"]
    coverages = couple_world["coverages"]
    response = intake_api.post(
        f"{BASE}/request-packets/",
        {
            "couple": str(couple.pk),
            "coverage_a": str(coverages[couple.partner_a_id].pk),
            "coverage_b": str(coverages[couple.partner_b_id].pk),
            "joint_goals": "Communication skills.",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["identified_patient"] == str(couple_world["ip"].pk)
    assert {r["coverage"] for r in body["requests"]} == {str(c.pk) for c in coverages.values()}
    packet = RequestPacket.objects.get()
    refused = intake_api.post(f"{BASE}/request-packets/{packet.pk}/submit/", {"channel": "portal"}, format="json")
    assert refused.status_code == 400 and len(refused.json()["extra"]["fields"]["__all__"]) >= 4
    for request in packet.requests.all():
        complete(request)
    assert {
        r["status"] for r in intake_api.post(f"{BASE}/request-packets/{packet.pk}/mark-ready/").json()["requests"]
    } == {"ready"}
    submitted = intake_api.post(f"{BASE}/request-packets/{packet.pk}/submit/", {"channel": "portal"}, format="json")
    assert {r["status"] for r in submitted.json()["requests"]} == {"submitted"}

    swapped = intake_api.post(
        f"{BASE}/request-packets/",
        {
            "couple": str(couple.pk),
            "coverage_a": str(coverages[couple.partner_b_id].pk),
            "coverage_b": str(coverages[couple.partner_a_id].pk),
        },
        format="json",
    )
    assert swapped.status_code == 400
    assert "request must be against their own coverage" in swapped.json()["extra"]["fields"]["coverage_a"][0]


def test_request_endpoints_are_in_the_schema():
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    expected = {
        "authorization-requests/": {"get", "post"},
        "authorization-requests/{id}/": {"get", "patch"},
        "authorization-requests/{id}/diagnoses/": {"post", "put"},
        "authorization-requests/{id}/diagnoses/{diagnosis_id}/": {"get", "delete"},
        "authorization-requests/{id}/lines/": {"post"},
        "authorization-requests/{id}/lines/{line_id}/": {"get", "patch", "delete"},
        "authorization-requests/{id}/mark-ready/": {"post"},
        "authorization-requests/{id}/submit/": {"post"},
        "authorization-requests/{id}/pend/": {"post"},
        "authorization-requests/{id}/determinations/": {"post"},
        "request-packets/": {"get", "post"},
        "request-packets/{id}/": {"get"},
        "request-packets/{id}/mark-ready/": {"post"},
        "request-packets/{id}/submit/": {"post"},
        "determinations/": {"get"},
        "determinations/{id}/": {"get"},
    }
    for path, methods in expected.items():
        assert set(paths[PREFIX + path]) == methods, path


def test_the_list_costs_the_same_queries_for_1_and_4_requests(
    intake_api, in_harbor, payer, rule, fees, make_active_episode, harbor_intake
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from authorizations.requests.services.drafting import diagnosis_add, request_create

    def add(count: int) -> None:
        for _ in range(count):
            episode = make_active_episode()
            coverage = make_coverage(episode.client, payer)
            request = request_create(episode=episode, coverage=coverage, actor=harbor_intake)
            diagnosis_add(request=request, code="F33.1")

    add(1)
    intake_api.get(f"{BASE}/authorization-requests/")  # the token's first use is recorded once
    with CaptureQueriesContext(connection) as one:
        assert len(intake_api.get(f"{BASE}/authorization-requests/").json()["results"]) == 1
    add(3)
    with CaptureQueriesContext(connection) as four:
        assert len(intake_api.get(f"{BASE}/authorization-requests/").json()["results"]) == 4
    assert len(one.captured_queries) == len(four.captured_queries)


def test_a_pend_through_the_determinations_endpoint_needs_the_information_due_date(intake_api, draft, harbor_intake):
    from authorizations.requests.services.workflow import request_mark_ready, request_submit

    ready = request_mark_ready(request=complete(draft))
    request_submit(request=ready, channel="portal", actor=harbor_intake)
    url = f"{BASE}/authorization-requests/{draft.pk}/determinations/"
    refused = intake_api.post(url, {"action": "A4", "reason": "PHQ-9"}, format="json")
    assert refused.status_code == 400
    assert refused.json()["extra"]["fields"] == {"information_due": ["Give the date the information is due."]}
    due = draft.end_date
    answer = intake_api.post(
        url, {"action": "A4", "reason": "PHQ-9", "information_due": due.isoformat()}, format="json"
    )
    assert answer.status_code == 201
    draft.refresh_from_db()
    assert (draft.status, draft.information_requested, draft.information_due) == ("pended", "PHQ-9", due)


def test_the_packet_list_shows_each_requests_missing_items_at_the_same_queries_for_1_and_3_packets(
    intake_api, in_harbor, payer, rule, fees, start, make_active_episode, harbor_intake
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from authorizations.requests.services.packets import packet_create
    from iop.clients.models import AvailabilityWindow
    from iop.clients.services import couple_create

    def add(count: int) -> None:
        for _ in range(count):
            one, two = (make_active_episode(tracks=("group", "couples")) for _ in range(2))
            AvailabilityWindow.objects.filter(treatment_plan__in=[one.treatment_plan, two.treatment_plan]).delete()
            couple = couple_create(
                organization=in_harbor,
                partner_one=one.client,
                partner_two=two.client,
                identified_patient=one.client,
                started_on=start,
            )
            coverages = {
                e.client_id: make_coverage(e.client, payer, member_id=f"BHP-{e.pk.hex[:6]}") for e in (one, two)
            }
            packet_create(couple=couple, coverages=coverages, joint_goals="Talk.", actor=harbor_intake)

    url = f"{BASE}/request-packets/"
    add(1)
    intake_api.get(url)  # the token's first use is recorded once
    with CaptureQueriesContext(connection) as one:
        packets = intake_api.get(url).json()["results"]
    assert len(packets) == 1
    missing = [request["missing"] for request in packets[0]["requests"]]
    assert len(missing) == 2 and all("Add the primary ICD-10-CM diagnosis." in m for m in missing)
    add(2)
    with CaptureQueriesContext(connection) as three:
        packets = intake_api.get(url).json()["results"]
    assert len(packets) == 3 and all(r["missing"] for p in packets for r in p["requests"])
    assert len(one.captured_queries) == len(three.captured_queries)


def test_each_refusal_names_its_rule(intake_api, draft):
    """An integration branches on `code`: every refusal of the requests API names its rule."""
    url = f"{BASE}/authorization-requests/{draft.pk}"

    def code_of(response) -> str:
        assert response.status_code == 400, response.json()
        return response.json()["code"]

    assert code_of(intake_api.post(f"{url}/diagnoses/", {"code": "33.1"}, format="json")) == "invalid_icd10"
    line = {"code": "90834", "units": 0, "frequency_per_week": "1"}
    assert code_of(intake_api.post(f"{url}/lines/", line, format="json")) == "units_not_positive"
    assert code_of(intake_api.post(f"{url}/mark-ready/")) == "incomplete"
    assert code_of(intake_api.post(f"{url}/submit/", {"channel": "x12_278"}, format="json")) == "not_ready"
    pend = {"information_requested": "PHQ-9", "information_due": draft.end_date.isoformat()}
    assert code_of(intake_api.post(f"{url}/pend/", pend, format="json")) == "invalid_status"

    complete(draft)
    assert intake_api.post(f"{url}/mark-ready/").json()["status"] == "ready"
    assert intake_api.post(f"{url}/submit/", {"channel": "x12_278"}, format="json").status_code == 200
    assert code_of(intake_api.patch(f"{url}/", {"why_not_lower_level": "Later."}, format="json")) == "not_editable"
    assert code_of(intake_api.post(f"{url}/diagnoses/", {"code": "F41.1"}, format="json")) == "not_editable"
