"""A payer's X12 278 response imported into the request's determination: the right decision per
line (certified, partial, denied, pended), the certification number, dates, units, reason codes
and administrative reference; refused with nothing saved when it answers another request or
member; the raw file kept and pointed at by the determination."""

from __future__ import annotations

import datetime as dt

import pytest

from authorizations.models import (
    AuthorizationLine,
    AuthorizationRequest,
    DenialCase,
    Determination,
    InteropMessage,
    RequestStatus,
)
from authorizations.requests.services.packets import packet_create, packet_mark_ready, packet_submit
from authorizations.requests.services.workflow import request_mark_ready, request_submit
from authorizations.requests.services.x12_278 import (
    line_trace,
    request_trace,
    x12_278_request_download,
    x12_278_response_import,
)
from iop.common.exceptions import ApplicationError

from ..x12_helpers import make_interop_settings
from .conftest import complete

pytestmark = pytest.mark.django_db


def _isa(control: str) -> str:
    return "*".join(
        [
            "ISA", "00", " " * 10, "00", " " * 10, "ZZ", "PAYERSUB".ljust(15), "ZZ", "HARBORSUB".ljust(15),
            "261201", "1200", "^", "00501", control, "0", "T", ":",
        ]
    )  # fmt: skip


def _d8(day: dt.date) -> str:
    return day.strftime("%Y%m%d")


def _rd8(start: dt.date, end: dt.date) -> str:
    return f"RD8*{_d8(start)}-{_d8(end)}"


def response_file(transactions: list[list[str]], *, control: str = "000000777") -> str:
    """A 278 response written by hand (not by our writer): each transaction's segments between ST and SE."""
    lines = [_isa(control), f"GS*HI*PAYER*HARBOR*20261201*1200*{int(control)}*X*005010X217"]
    for number, body in enumerate(transactions, start=1):
        lines += [f"ST*278*{number:04d}*005010X217", *body, f"SE*{len(body) + 2}*{number:04d}"]
    lines += [f"GE*{len(transactions)}*{int(control)}", f"IEA*1*{control}"]
    return "~\n".join(lines) + "~\n"


def response_body(request, *, services=(), event=(), trace=None, member_id=None, name=None, aaa=()) -> list[str]:
    client = request.episode.client
    last, first = name or (client.last_name, client.first_name)
    body = [
        f"BHT*0007*11*{trace or request_trace(request)}*{_d8(request.start_date)}*1200",
        "HL*1**20*1",
        "NM1*X3*2*BLUE HARBOR PPO*****PI*BHP01",
        "HL*2*1*21*1",
        "NM1*1P*2*HARBOR VIRTUAL IOP*****XX*1234567893",
        "HL*3*2*22*1",
        f"NM1*IL*1*{last}*{first}****MI*{member_id or request.coverage.member_id}",
        *aaa,
        f"DMG*D8*{_d8(client.date_of_birth)}",
        f"HL*4*3*EV*{'1' if services else '0'}",
        f"TRN*2*{trace or request_trace(request)}*9123456789",
        "UM*HS*I*MH*11:B",
        *event,
    ]
    for n, service in enumerate(services, start=5):
        body += [f"HL*{n}*4*SS*0", *service]
    return body


def service(line, action, *, number="AUTH-1", units=None, end=None, reason="", extra=()) -> list[str]:
    hcr = f"HCR*{action}*{number if action in ('A1', 'A2', 'A6') else ''}*{reason}".rstrip("*")
    segments = [
        f"TRN*2*{line_trace(line)}*9123456789",
        "UM*HS*I",
        hcr,
        f"DTP*472*{_rd8(line.start_date, end or line.end_date)}",
        f"SV1*HC:{line.code}**UN*{line.units * line.estimated_sessions}",
        *extra,
    ]
    if units is not None:
        segments.append(f"HSD*VS*{units}")
    return segments


@pytest.fixture
def submitted(draft, in_harbor, harbor_intake):
    make_interop_settings()
    complete(draft)
    request = request_mark_ready(request=draft)
    x12_278_request_download(request=request, actor=harbor_intake)
    return request_submit(request=request, channel="x12_278", actor=harbor_intake)


def _lines(request):
    return list(request.lines.order_by("start_date", "code"))


def _nothing_saved(request):
    assert not Determination.objects.filter(request=request).exists()
    assert not InteropMessage.objects.filter(direction="inbound").exists()
    assert AuthorizationRequest.objects.get(pk=request.pk).status == RequestStatus.SUBMITTED


def test_every_line_certified_makes_an_a1_with_one_authorization_line_each(submitted, harbor_intake):
    lines = _lines(submitted)
    raw = response_file(
        [
            response_body(
                submitted,
                event=["HCR*A1*AUTH-1", "REF*NT*ADMIN-9"],
                services=[service(line, "A1", units=line.units * line.estimated_sessions) for line in lines],
            )
        ]
    )

    determination = x12_278_response_import(request=submitted, raw=raw, actor=harbor_intake)

    assert (determination.action, determination.authorization_number) == ("A1", "AUTH-1")
    assert determination.administrative_reference == "ADMIN-9"
    message = determination.source_message
    assert (message.format, message.direction, message.request, message.content) == (
        "x12_278_response",
        "inbound",
        submitted,
        raw,
    )
    assert (message.interchange_control_number, message.transaction_set_control_number) == ("000000777", "0001")
    approved = {a.service_line_id: a for a in AuthorizationLine.objects.filter(determination=determination)}
    assert set(approved) == {line.pk for line in lines}
    for line in lines:
        assert approved[line.pk].status == "A1"
        assert approved[line.pk].units_authorized == line.units * line.estimated_sessions
        assert (approved[line.pk].start_date, approved[line.pk].end_date) == (line.start_date, line.end_date)
    assert AuthorizationRequest.objects.get(pk=submitted.pk).status == RequestStatus.DETERMINED


def test_fewer_units_on_one_line_and_a_denied_line_make_a_partial_approval(submitted, harbor_intake):
    by_sessions = sorted(_lines(submitted), key=lambda line: -line.estimated_sessions)
    first, second = by_sessions[:2]
    asked = first.units * first.estimated_sessions
    raw = response_file(
        [
            response_body(
                submitted,
                services=[
                    service(first, "A2", units=asked - 1, end=first.end_date - dt.timedelta(days=2)),
                    service(second, "A3", reason="CM", extra=["MSG*NOT MEDICALLY NECESSARY AT THIS LEVEL"]),
                ],
            )
        ]
    )

    determination = x12_278_response_import(request=submitted, raw=raw, actor=harbor_intake)

    assert determination.action == "A2"
    assert determination.reason_code == "CM"
    assert f"{second.code}: not certified, reason code CM." in determination.reason
    assert "NOT MEDICALLY NECESSARY AT THIS LEVEL" in determination.reason
    [approved] = AuthorizationLine.objects.filter(determination=determination)
    assert (approved.code, approved.units_authorized, approved.status) == (first.code, asked - 1, "A2")
    assert approved.end_date == first.end_date - dt.timedelta(days=2)
    assert approved.units_requested == asked


def test_a_denial_of_the_event_opens_a_denial_case(submitted, harbor_intake):
    raw = response_file(
        [response_body(submitted, event=["HCR*A3**CM", "REF*NT*DENY-42", "MSG*DOES NOT MEET CRITERIA"])]
    )

    determination = x12_278_response_import(request=submitted, raw=raw, actor=harbor_intake)

    assert (determination.action, determination.reason_code, determination.administrative_reference) == (
        "A3",
        "CM",
        "DENY-42",
    )
    assert determination.reason == "DOES NOT MEET CRITERIA"
    assert DenialCase.objects.filter(determination=determination).exists()


def test_a_pend_needs_the_due_date_and_then_pends_the_request(submitted, harbor_intake, start):
    raw = response_file([response_body(submitted, event=["HCR*A4", "MSG*SEND THE LATEST PHQ-9"])])

    with pytest.raises(ApplicationError) as refused:
        x12_278_response_import(request=submitted, raw=raw, actor=harbor_intake)
    assert refused.value.extra == {"information_due": ["Give the date the information is due."]}
    _nothing_saved(submitted)

    determination = x12_278_response_import(
        request=submitted, raw=raw, actor=harbor_intake, information_due=start + dt.timedelta(days=5)
    )
    request = AuthorizationRequest.objects.get(pk=submitted.pk)
    assert (determination.action, request.status) == ("A4", RequestStatus.PENDED)
    assert request.information_requested == "SEND THE LATEST PHQ-9"


def _refusal(request, raw, actor) -> ApplicationError:
    with pytest.raises(ApplicationError) as refused:
        x12_278_response_import(request=request, raw=raw, actor=actor)
    _nothing_saved(request)
    return refused.value


def test_a_response_to_another_request_is_refused_naming_it(
    submitted, harbor_intake, make_active_episode, payer, start
):
    from authorizations.requests.services.drafting import request_create

    from ..conftest import make_coverage

    other_episode = make_active_episode(tracks=("group",))
    other = request_create(
        episode=other_episode,
        coverage=make_coverage(other_episode.client, payer, member_id="BHP-9"),
        actor=harbor_intake,
        start_date=start,
    )
    complete(other)
    other = request_mark_ready(request=other)
    sent = x12_278_request_download(request=other, actor=harbor_intake)
    raw = response_file([response_body(submitted, trace=request_trace(other), event=["HCR*A1*AUTH-1"])])

    error = _refusal(submitted, raw, harbor_intake)

    assert error.code == "x12_trace_mismatch"
    assert f"answers another request — the 278 sent as interchange {sent.interchange_control_number}" in error.message
    assert error.extra == {"raw_278": [error.message]}

    unknown = response_file([response_body(submitted, trace="R0000", event=["HCR*A1*AUTH-1"])])
    assert "its trace numbers (R0000) are not this request's" in _refusal(submitted, unknown, harbor_intake).message


def test_a_response_about_another_member_or_person_is_refused(submitted, harbor_intake):
    other_member = response_file([response_body(submitted, member_id="BHP-0000", event=["HCR*A1*AUTH-1"])])
    error = _refusal(submitted, other_member, harbor_intake)
    assert error.code == "member_mismatch"
    assert "member BHP-0000, not this coverage's member BHP-1001" in error.message

    other_person = response_file([response_body(submitted, name=("NOBODY", "ZED"), event=["HCR*A1*AUTH-1"])])
    error = _refusal(submitted, other_person, harbor_intake)
    assert error.code == "person_mismatch"
    assert "about ZED NOBODY" in error.message


def test_a_rejection_without_a_decision_our_own_request_and_a_damaged_file_are_refused(submitted, harbor_intake):
    rejected = response_file([response_body(submitted, aaa=["AAA*N**75*C"])])
    error = _refusal(submitted, rejected, harbor_intake)
    assert error.code == "x12_rejected"
    assert "75 Subscriber/insured not found (correct the request and resubmit)" in error.message

    ours = InteropMessage.objects.get(request=submitted, direction="outbound").content
    error = _refusal(submitted, ours, harbor_intake)
    assert (error.code, error.message) == (
        "x12_not_a_response",
        "This is a 278 request (BHT02 13), not the payer's response: nothing was saved.",
    )

    damaged = response_file([response_body(submitted, event=["HCR*A1*AUTH-1"])]).replace("SE*", "SE*9", 1)
    error = _refusal(submitted, damaged, harbor_intake)
    assert error.code == "x12_malformed"
    assert "segments (SE01)" in error.message

    numbers = response_file(
        [
            response_body(
                submitted, services=[service(line, "A1", number=f"N{i}") for i, line in enumerate(_lines(submitted))]
            )
        ]
    )
    assert _refusal(submitted, numbers, harbor_intake).code == "x12_certification_numbers"


def test_each_partner_of_a_packet_takes_its_own_transaction_of_one_file(couple_world, harbor_intake):
    make_interop_settings()
    packet = packet_create(
        couple=couple_world["couple"], coverages=couple_world["coverages"], joint_goals="Talk.", actor=harbor_intake
    )
    for request in packet.requests.all():
        complete(request)
    packet_mark_ready(packet=packet)
    requests = list(packet.requests.all())
    packet_submit(packet=packet, channel="x12_278", payer_references={r.pk: "" for r in requests}, actor=harbor_intake)
    requests = [AuthorizationRequest.objects.get(pk=r.pk) for r in requests]
    approved = [service(line, "A1", number="AUTH-A") for line in _lines(requests[0])]
    raw = response_file(
        [
            response_body(requests[0], event=["HCR*A1*AUTH-A"], services=approved),
            response_body(requests[1], event=["HCR*A3**CM"]),
        ]
    )

    first = x12_278_response_import(request=requests[0], raw=raw, actor=harbor_intake)
    second = x12_278_response_import(request=requests[1], raw=raw, actor=harbor_intake)

    assert (first.action, first.authorization_number, second.action) == ("A1", "AUTH-A", "A3")
    assert first.source_message != second.source_message
    assert {
        first.source_message.transaction_set_control_number,
        second.source_message.transaction_set_control_number,
    } == {"0001", "0002"}
