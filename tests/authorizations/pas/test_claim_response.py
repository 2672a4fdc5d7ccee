"""A payer's PAS answer (a response Bundle or a bare ClaimResponse) becomes the request's
determination through determination_record, one line per approved item, with the file kept as an
inbound InteropMessage; approve, partial, deny and pend each give the right determination per
line. A response for another request or another member, a payer error, or a file that is not a
ClaimResponse is refused and nothing is saved."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from authorizations.models import (
    Authorization,
    AuthorizationLine,
    Determination,
    InteropDirection,
    InteropFormat,
    InteropMessage,
    RequestStatus,
)
from authorizations.pas import codes as c
from authorizations.pas.bundle import patient_full_url
from authorizations.pas.services import claim_response_import
from iop.common.exceptions import ApplicationError

pytestmark = pytest.mark.django_db


def _coded(system, code):
    return {"coding": [{"system": system, "code": code}]}


def review_item(line, sequence, action, *, number="", reasons=(), quantity=None, period=None, code=""):
    """A ClaimResponse item as PAS STU 2 words it: the review action on its adjudication."""
    review = [{"url": "code", "valueCodeableConcept": _coded(c.X12_ACTION, action)}]
    if number:
        review.append({"url": "number", "valueString": number})
    review += [{"url": "reasonCode", "valueCodeableConcept": _coded(c.X12_REASON, r)} for r in reasons]
    extensions = [
        {"url": c.EXT_ITEM_TRACE_NUMBER, "valueIdentifier": {"system": c.URI, "value": f"urn:uuid:{line.pk}"}}
    ]
    if period:
        extensions.append(
            {
                "url": c.EXT_PRE_AUTH_PERIOD,
                "valuePeriod": {"start": period[0].isoformat(), "end": period[1].isoformat()},
            }
        )
    detail = []
    if quantity is not None:
        detail.append({"url": "quantity", "valueQuantity": {"value": quantity}})
    if code:
        detail.append({"url": "productOrServiceCode", "valueCodeableConcept": _coded(c.CPT, code)})
    if detail:
        extensions.append({"url": c.EXT_AUTHORIZED_DETAIL, "extension": detail})
    return {
        "extension": extensions,
        "itemSequence": sequence,
        "adjudication": [
            {
                "category": _coded(c.ADJUDICATION, "submitted"),
                "extension": [{"url": c.EXT_REVIEW_ACTION, "extension": review}],
            }
        ],
    }


def response_bundle(request, items, *, member_id=None, claim=None, created=None, extra=None, bare=False):
    patient = {
        "resourceType": "Patient",
        "identifier": [
            {"system": "urn:x12:payer-id:BHP01:member-id", "value": member_id or request.coverage.member_id}
        ],
    }
    response = {
        "resourceType": "ClaimResponse",
        "meta": {"profile": [c.CLAIM_RESPONSE]},
        "identifier": [{"system": "urn:trnorg:9BHP01", "value": "PAYER-REF-1"}],
        "status": "active",
        "type": _coded(c.CLAIM_TYPE, "professional"),
        "use": "preauthorization",
        "patient": {"reference": "urn:uuid:11111111-1111-4111-8111-111111111111"},
        "created": (created or request.submitted_at).isoformat(),
        "insurer": {"display": "Blue Harbor PPO"},
        "request": {"reference": f"urn:uuid:{claim or request.pk}"},
        "outcome": "complete",
        "item": items,
        **(extra or {}),
    }
    if bare:
        response["patient"] = {"reference": patient_full_url(request)}
        return json.dumps(response)
    return json.dumps(
        {
            "resourceType": "Bundle",
            "meta": {"profile": [c.RESPONSE_BUNDLE]},
            "type": "collection",
            "timestamp": (created or request.submitted_at).isoformat(),
            "entry": [
                {"fullUrl": "urn:uuid:22222222-2222-4222-8222-222222222222", "resource": response},
                {"fullUrl": "urn:uuid:11111111-1111-4111-8111-111111111111", "resource": patient},
            ],
        }
    )


def _lines(request):
    return list(request.lines.all())


def _asked(line):
    return line.units * line.estimated_sessions


def _nothing_saved():
    assert not Determination.objects.exists()
    assert not InteropMessage.objects.exists()
    assert not Authorization.objects.exists()


def test_an_approval_of_every_item_certifies_each_line_as_asked(submitted, harbor_intake):
    items = [review_item(line, n, "A1", number="AUTH-5501") for n, line in enumerate(_lines(submitted), 1)]
    determination = claim_response_import(
        request=submitted, content=response_bundle(submitted, items), actor=harbor_intake
    )
    assert (determination.action, determination.authorization_number) == ("A1", "AUTH-5501")
    assert determination.decided_at == submitted.submitted_at
    lines = {line.service_line_id: line for line in AuthorizationLine.objects.all()}
    assert set(lines) == {line.pk for line in _lines(submitted)}
    for line in _lines(submitted):
        assert (lines[line.pk].status, lines[line.pk].units_authorized) == ("A1", _asked(line))
        assert (lines[line.pk].start_date, lines[line.pk].end_date) == (line.start_date, line.end_date)
    message = determination.source_message
    assert (message.format, message.direction, message.request) == (
        InteropFormat.FHIR_CLAIM_RESPONSE,
        InteropDirection.INBOUND,
        submitted,
    )
    assert json.loads(message.content)["resourceType"] == "Bundle"
    submitted.refresh_from_db()
    assert submitted.status == RequestStatus.DETERMINED


def test_a_partial_approval_with_a_denied_item_gives_fewer_units_and_names_the_denial(submitted, harbor_intake):
    group, individual, *rest = sorted(_lines(submitted), key=lambda line: line.code != "90853")
    short_end = group.start_date + dt.timedelta(days=6)
    items = [
        review_item(group, 1, "A2", number="AUTH-5502", quantity=3, period=(group.start_date, short_end)),
        review_item(individual, 2, "A3", reasons=("0U",)),
        *[review_item(line, n, "A1", number="AUTH-5502") for n, line in enumerate(rest, 3)],
    ]
    determination = claim_response_import(
        request=submitted, content=response_bundle(submitted, items), actor=harbor_intake
    )
    assert determination.action == "A2"
    assert determination.reason_code == "0U"
    assert f"{individual.code}: not certified (reason 0U)" in determination.reason
    approved = {line.service_line_id: line for line in AuthorizationLine.objects.all()}
    assert individual.pk not in approved
    assert (approved[group.pk].status, approved[group.pk].units_authorized, approved[group.pk].end_date) == (
        "A2",
        3,
        short_end,
    )
    for line in rest:
        assert approved[line.pk].status == "A1"


def test_a_modified_item_approves_another_code(submitted, harbor_intake):
    lines = _lines(submitted)
    individual = next(line for line in lines if line.code == "90834")
    items = [
        review_item(line, n, "A6", number="AUTH-5503", code="90837", quantity=2)
        if line is individual
        else review_item(line, n, "A1", number="AUTH-5503")
        for n, line in enumerate(lines, 1)
    ]
    determination = claim_response_import(
        request=submitted, content=response_bundle(submitted, items), actor=harbor_intake
    )
    assert determination.action == "A6"
    modified = AuthorizationLine.objects.get(service_line=individual)
    assert (modified.code, modified.units_authorized, modified.status) == ("90837", 2, "A6")


def test_a_denial_of_every_item_is_a_not_certified_determination(submitted, harbor_intake):
    items = [review_item(line, n, "A3", reasons=("0U",)) for n, line in enumerate(_lines(submitted), 1)]
    items[0]["extension"].append({"url": c.EXT_ADMINISTRATION_REFERENCE, "valueString": "ADM-88"})
    determination = claim_response_import(
        request=submitted,
        content=response_bundle(submitted, items, extra={"disposition": "Does not meet criteria for IOP."}),
        actor=harbor_intake,
    )
    assert (determination.action, determination.reason_code, determination.administrative_reference) == (
        "A3",
        "0U",
        "ADM-88",
    )
    assert determination.reason.startswith("Does not meet criteria for IOP.")
    assert not Authorization.objects.exists()
    assert determination.denial_case is not None


def test_a_pend_asks_for_the_communication_requests_information_by_its_date(submitted, harbor_intake):
    due = submitted.submitted_at.date() + dt.timedelta(days=5)
    items = [review_item(line, n, "A4") for n, line in enumerate(_lines(submitted), 1)]
    content = json.loads(response_bundle(submitted, items))
    content["entry"][0]["resource"]["communicationRequest"] = [
        {"reference": "urn:uuid:33333333-3333-4333-8333-333333333333"}
    ]
    content["entry"].append(
        {
            "fullUrl": "urn:uuid:33333333-3333-4333-8333-333333333333",
            "resource": {
                "resourceType": "CommunicationRequest",
                "status": "active",
                "payload": [{"contentString": "Send the latest PHQ-9 and the treatment plan."}],
                "occurrenceDateTime": due.isoformat(),
            },
        }
    )
    determination = claim_response_import(request=submitted, content=json.dumps(content), actor=harbor_intake)
    assert determination.action == "A4"
    submitted.refresh_from_db()
    assert submitted.status == RequestStatus.PENDED
    assert (submitted.information_requested, submitted.information_due) == (
        "Send the latest PHQ-9 and the treatment plan.",
        due,
    )


def test_a_pend_without_a_date_asks_for_one_and_saves_nothing(submitted, harbor_intake):
    items = [review_item(line, n, "A4") for n, line in enumerate(_lines(submitted), 1)]
    with pytest.raises(ApplicationError) as refused:
        claim_response_import(request=submitted, content=response_bundle(submitted, items), actor=harbor_intake)
    assert "information_due" in refused.value.extra
    _nothing_saved()
    due = submitted.submitted_at.date() + dt.timedelta(days=3)
    determination = claim_response_import(
        request=submitted, content=response_bundle(submitted, items), actor=harbor_intake, information_due=due
    )
    assert determination.action == "A4"


def test_a_bare_claim_response_naming_our_patient_entry_is_read_too(submitted, harbor_intake):
    items = [review_item(line, n, "A1", number="AUTH-5504") for n, line in enumerate(_lines(submitted), 1)]
    determination = claim_response_import(
        request=submitted, content=response_bundle(submitted, items, bare=True), actor=harbor_intake
    )
    assert determination.action == "A1"


def test_another_members_response_is_refused_and_nothing_saved(submitted, harbor_intake):
    items = [review_item(line, n, "A1", number="AUTH-9") for n, line in enumerate(_lines(submitted), 1)]
    with pytest.raises(ApplicationError) as refused:
        claim_response_import(
            request=submitted, content=response_bundle(submitted, items, member_id="BHP-9999"), actor=harbor_intake
        )
    assert refused.value.code == "member_mismatch"
    assert "another member (member id BHP-9999)" in refused.value.message
    _nothing_saved()
    submitted.refresh_from_db()
    assert submitted.status == RequestStatus.SUBMITTED


def test_a_response_to_another_request_is_refused_and_nothing_saved(packet, harbor_intake):
    one, two = packet.requests.all()
    items = [review_item(line, n, "A1", number="AUTH-10") for n, line in enumerate(_lines(two), 1)]
    with pytest.raises(ApplicationError) as refused:
        claim_response_import(request=one, content=response_bundle(two, items), actor=harbor_intake)
    assert refused.value.code == "fhir_other_request"
    assert str(two.pk) in refused.value.message
    _nothing_saved()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "The file is empty."),
        ("ISA*00*", "This file is not JSON"),
        ('{"resourceType": "Patient", "id": "x"}', "not a ClaimResponse"),
        ('{"resourceType": "ClaimResponse", "use": "preauthorization"}', "not valid FHIR R4"),
    ],
)
def test_a_file_that_is_not_a_claim_response_is_refused(submitted, harbor_intake, content, message):
    with pytest.raises(ApplicationError) as refused:
        claim_response_import(request=submitted, content=content, actor=harbor_intake)
    assert message in refused.value.message
    assert "claim_response" in refused.value.extra
    _nothing_saved()


def test_a_payer_error_and_an_unknown_item_are_refused(submitted, harbor_intake):
    error = {"outcome": "error", "error": [{"code": _coded("https://codesystem.x12.org/005010/901", "15")}]}
    with pytest.raises(ApplicationError, match="could not process the request \\(error codes: 15\\)"):
        claim_response_import(
            request=submitted, content=response_bundle(submitted, [], extra=error), actor=harbor_intake
        )
    stranger = review_item(_lines(submitted)[0], 1, "A1", number="X")
    stranger["extension"][0]["valueIdentifier"]["value"] = "urn:uuid:44444444-4444-4444-8444-444444444444"
    with pytest.raises(ApplicationError, match="Item 1 of the ClaimResponse answers no line"):
        claim_response_import(request=submitted, content=response_bundle(submitted, [stranger]), actor=harbor_intake)
    numbers = [review_item(line, n, "A1", number=f"AUTH-{n}") for n, line in enumerate(_lines(submitted), 1)]
    with pytest.raises(ApplicationError, match="different certification numbers"):
        claim_response_import(request=submitted, content=response_bundle(submitted, numbers), actor=harbor_intake)
    _nothing_saved()


def test_a_stu1_response_with_the_review_action_on_the_item_and_items_by_sequence_is_read(submitted, harbor_intake):
    """PAS STU 1 put reviewAction on item.extension, and a payer may echo no item trace numbers."""
    items = []
    for n, _line in enumerate(_lines(submitted), 1):
        item = review_item(_line, n, "A1", number="AUTH-STU1")
        review = item["adjudication"][0].pop("extension")[0]
        item["extension"] = [review]
        items.append(item)
    determination = claim_response_import(
        request=submitted, content=response_bundle(submitted, items), actor=harbor_intake
    )
    assert (determination.action, determination.authorization_number) == ("A1", "AUTH-STU1")
    assert {line.service_line_id for line in AuthorizationLine.objects.all()} == {line.pk for line in _lines(submitted)}
