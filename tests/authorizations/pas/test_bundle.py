"""The PAS request Bundle of a request validates under the fhir.resources (R4B) models and under
our checks of the PAS profiles: a single request, each partner's of a couple's packet, and a
renewal carrying the prior authorization's number."""

from __future__ import annotations

import copy
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from authorizations.models import InteropSettings
from authorizations.pas import codes as c
from authorizations.pas.checks import fhir_errors, pas_request_problems
from authorizations.pas.selectors import request_pas_bundle
from authorizations.requests.services.drafting import attachment_add
from tests.files import pdf_bytes

from .conftest import now

pytestmark = pytest.mark.django_db


def _bundle(request):
    return request_pas_bundle(organization=request.organization, request=request, now=now())


def _resources(bundle, resource_type):
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == resource_type]


def _claim(bundle):
    (claim,) = _resources(bundle, "Claim")
    return claim


def _ext(element, url):
    return next(e for e in element["extension"] if e["url"] == url)


def test_a_single_request_makes_a_pas_bundle_that_validates(submitted):
    bundle = _bundle(submitted)
    assert pas_request_problems(bundle) == []
    json.dumps(bundle)  # plain JSON
    claim = _claim(bundle)
    assert (claim["use"], claim["status"]) == ("preauthorization", "active")
    assert claim["identifier"] == [{"system": c.URI, "value": f"urn:uuid:{submitted.pk}"}]
    assert bundle["entry"][0]["fullUrl"] == f"urn:uuid:{submitted.pk}"
    assert [i["focal"] for i in claim["insurance"]] == [True]
    lines = list(submitted.lines.all())
    assert [i["productOrService"]["coding"][0]["code"] for i in claim["item"]] == [line.code for line in lines]
    group = next(i for i in claim["item"] if i["productOrService"]["coding"][0]["code"] == "90853")
    line = next(line for line in lines if line.code == "90853")
    assert group["quantity"]["value"] == line.units * line.estimated_sessions
    assert group["unitPrice"] == {"value": 75.0, "currency": "USD"}
    assert group["servicedPeriod"] == {"start": line.start_date.isoformat(), "end": line.end_date.isoformat()}
    assert group["category"]["coding"][0] == {"system": c.X12_SERVICE_TYPE, "code": "MH", "display": "Mental Health"}
    assert _ext(group, c.EXT_CERTIFICATION_TYPE)["valueCodeableConcept"]["coding"][0]["code"] == "I"
    assert _ext(group, c.EXT_REQUEST_TYPE)["valueCodeableConcept"]["coding"][0]["code"] == "HS"
    assert not any(e["url"] == c.EXT_AUTHORIZATION_NUMBER for e in group["extension"])
    assert [d["diagnosisCodeableConcept"]["coding"][0]["code"] for d in claim["diagnosis"]] == ["F33.1"]
    # The referenced resources, each with its profile.
    (patient,) = _resources(bundle, "Patient")
    assert patient["meta"]["profile"] == [c.BENEFICIARY]
    assert patient["identifier"][0]["value"] == "BHP-1001"
    assert patient["birthDate"] == submitted.episode.client.date_of_birth.isoformat()
    (coverage,) = _resources(bundle, "Coverage")
    assert (coverage["subscriberId"], coverage["relationship"]["coding"][0]["code"]) == ("BHP-1001", "18")
    insurer, requestor = _resources(bundle, "Organization")
    assert (insurer["name"], insurer["meta"]["profile"]) == ("Blue Harbor PPO", [c.INSURER])
    assert requestor["meta"]["profile"] == [c.REQUESTOR]
    (practitioner,) = _resources(bundle, "Practitioner")
    assert practitioner["identifier"][0]["value"] == "LCSW-081234"
    assert (
        _ext(practitioner["identifier"][0], c.EXT_IDENTIFIER_JURISDICTION)["valueCodeableConcept"]["coding"][0]["code"]
        == "NY"
    )
    (role,) = _resources(bundle, "PractitionerRole")
    assert claim["careTeam"][0]["provider"]["reference"] == next(
        e["fullUrl"] for e in bundle["entry"] if e["resource"] is role
    )
    (condition,) = _resources(bundle, "Condition")
    assert condition["code"]["coding"][0] == {
        "system": c.ICD10_CM,
        "code": "F33.1",
        "display": "Major depressive disorder, recurrent, moderate",
    }
    # Every resource validates on its own too, and the fullUrls are urn:uuids.
    for entry in bundle["entry"]:
        assert entry["fullUrl"].startswith("urn:uuid:")
        assert fhir_errors(entry["resource"]) == []


def test_the_requester_is_named_with_its_npi_and_place_of_service_from_the_settings(submitted):
    InteropSettings.objects.create(
        requester_name="Harbor Behavioral Health", requester_npi="1234567893", facility_code="52"
    )
    bundle = _bundle(submitted)
    assert pas_request_problems(bundle) == []
    requestor = next(o for o in _resources(bundle, "Organization") if o["meta"]["profile"] == [c.REQUESTOR])
    assert requestor["name"] == "Harbor Behavioral Health"
    assert requestor["identifier"] == [{"system": c.NPI, "value": "1234567893"}]
    for item in _claim(bundle)["item"]:
        assert item["locationCodeableConcept"]["coding"][0] == {"system": c.PLACE_OF_SERVICE, "code": "52"}


def test_two_downloads_differ_only_in_the_bundle_identifier_and_time(submitted):
    one, two = _bundle(submitted), _bundle(submitted)
    assert one["identifier"] != two["identifier"]
    for bundle in (one, two):
        del bundle["identifier"], bundle["timestamp"], bundle["entry"][0]["resource"]["created"]
    assert one == two


def test_a_renewal_carries_the_prior_authorization_number_on_each_item(renewal, approved):
    bundle = _bundle(renewal)
    assert pas_request_problems(bundle) == []
    for item in _claim(bundle)["item"]:
        assert _ext(item, c.EXT_CERTIFICATION_TYPE)["valueCodeableConcept"]["coding"][0]["code"] == "R"
        assert _ext(item, c.EXT_AUTHORIZATION_NUMBER)["valueString"] == "AUTH-7781"


def test_each_request_of_a_couples_packet_is_a_bundle_of_its_own_member(packet):
    members = {}
    for request in packet.requests.all():
        bundle = _bundle(request)
        assert pas_request_problems(bundle) == []
        (patient,) = _resources(bundle, "Patient")
        members[request.pk] = patient["identifier"][0]["value"]
        assert patient["name"][0]["family"] == request.episode.client.last_name
    assert sorted(members.values()) == ["BHP-2001", "BHP-2002"]
    codes = {
        request.pk: {i["productOrService"]["coding"][0]["code"] for i in _claim(_bundle(request))["item"]}
        for request in packet.requests.all()
    }
    assert sum("90847" in found for found in codes.values()) == 1  # couples therapy on the identified patient's


def test_attachments_and_a_dependents_subscriber_are_in_the_bundle(draft, clinician, harbor_intake, coverage):
    coverage.subscriber_relationship = "spouse"
    coverage.subscriber_name = "Dana Q. Rivera"
    coverage.save()
    upload = SimpleUploadedFile("Assessment.pdf", pdf_bytes(1), content_type="application/pdf")
    attachment_add(request=draft, upload=upload, actor=harbor_intake)
    bundle = _bundle(draft)
    assert pas_request_problems(bundle) == []
    (document,) = _resources(bundle, "DocumentReference")
    assert document["content"][0]["attachment"]["title"] == "Assessment.pdf"
    subscriber = next(p for p in _resources(bundle, "Patient") if p["meta"]["profile"] == [c.SUBSCRIBER])
    assert subscriber["name"][0] == {"text": "Dana Q. Rivera", "family": "Rivera", "given": ["Dana", "Q."]}
    (coverage_resource,) = _resources(bundle, "Coverage")
    assert coverage_resource["relationship"]["coding"][0]["code"] == "01"


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda b: _claim(b).update(use="claim"), "Claim.use: must be preauthorization"),
        (lambda b: _claim(b)["insurance"][0].update(focal=False), "Claim.insurance: one insurance must be focal"),
        (lambda b: _claim(b)["item"][0].pop("category"), "Claim.item[0].category: required"),
        (lambda b: _claim(b)["meta"].update(profile=[]), "Claim.meta.profile: must include"),
        (
            lambda b: _claim(b)["item"][0]["extension"].append({"url": "http://example.org/x", "valueString": "1"}),
            "is not a PASClaim item extension",
        ),
        (lambda b: b["entry"].pop(1), "is not in the Bundle"),
        (lambda b: b.update(type="batch"), "Bundle.type: must be collection"),
        (lambda b: _claim(b).update(bogus=1), "Extra inputs are not permitted"),
        (lambda b: _claim(b).pop("patient"), "Field required"),
    ],
)
def test_the_checks_name_what_breaks_the_profile(submitted, change, problem):
    bundle = copy.deepcopy(_bundle(submitted))
    change(bundle)
    assert any(problem in p for p in pas_request_problems(bundle)), pas_request_problems(bundle)
