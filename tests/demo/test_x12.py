"""On the demo data a submitted request leaves as a 278 and the payer's 278 response comes back
in as its determination; a coverage leaves as a 270."""

from __future__ import annotations

import pytest

from authorizations.coverage.services.x12_270 import x12_270_download
from authorizations.models import AuthorizationRequest, Coverage, RequestStatus
from authorizations.requests.services.x12_278 import (
    line_trace,
    request_trace,
    x12_278_request_download,
    x12_278_response_import,
)
from authorizations.x12.x278 import parse_278

from ..authorizations.x12_helpers import independent_check

pytestmark = pytest.mark.django_db


def _certify_all(request: AuthorizationRequest, parsed) -> str:
    """The payer's answer certifying every line of the request, built from the 278 we sent (not by our writer)."""
    [sent] = parsed.transactions
    member = sent.subscriber
    body = [
        f"BHT*0007*11*{request_trace(request)}*{request.start_date:%Y%m%d}*0900",
        "HL*1**20*1",
        f"NM1*X3*2*{sent.payer_name}*****PI*{sent.payer_id}",
        "HL*2*1*21*1",
        f"NM1*1P*2*{sent.requester_name}*****XX*{sent.requester_id}",
        "HL*3*2*22*1",
        f"NM1*IL*1*{member.last_name}*{member.first_name}****MI*{member.member_id}",
    ]
    parent = "3"
    if sent.dependent is not None:
        body += ["HL*4*3*23*1", f"NM1*QC*1*{sent.dependent.last_name}*{sent.dependent.first_name}"]
        parent = "4"
    event = str(int(parent) + 1)
    body += [f"HL*{event}*{parent}*EV*1", f"TRN*2*{request_trace(request)}*9123456789", "HCR*A1*DEMO-AUTH-1"]
    for n, line in enumerate(request.lines.all(), start=int(event) + 1):
        body += [
            f"HL*{n}*{event}*SS*0",
            f"TRN*2*{line_trace(line)}*9123456789",
            "HCR*A1*DEMO-AUTH-1",
            f"DTP*472*RD8*{line.start_date:%Y%m%d}-{line.end_date:%Y%m%d}",
            f"HSD*VS*{max(1, line.units * line.estimated_sessions)}",
        ]
    isa = "ISA*00*          *00*          *ZZ*PAYER          *ZZ*HARBOR         *261201*0900*^*00501*000000555*0*T*:"
    segments = [isa, "GS*HI*PAYER*HARBOR*20261201*0900*555*X*005010X217", "ST*278*0001*005010X217", *body]
    segments += [f"SE*{len(body) + 2}*0001", "GE*1*555", "IEA*1*000000555"]
    return "~\n".join(segments) + "~\n"


def test_a_demo_request_leaves_as_a_278_and_its_answer_comes_back(demo):
    request = (
        AuthorizationRequest.objects.filter(
            status__in=(RequestStatus.SUBMITTED, RequestStatus.PENDED), lines__isnull=False
        )
        .distinct()
        .select_related("episode__client", "coverage__payer", "organization")
        .order_by("created_at")
        .first()
    )
    assert request is not None, "the demo has a request awaiting the payer"
    message = x12_278_request_download(request=request, actor=None)
    [body] = independent_check(message.content, transaction_set="278")
    assert ["UM", "HS", request.certification_type, "MH", "11:B", "", "E"] in body

    determination = x12_278_response_import(
        request=request, raw=_certify_all(request, parse_278(message.content)), actor=None
    )

    assert (determination.action, determination.authorization_number) == ("A1", "DEMO-AUTH-1")
    assert determination.source_message.direction == "inbound"
    coverage = Coverage.objects.select_related("client", "payer", "organization").first()
    independent_check(x12_270_download(coverage=coverage, actor=None).content, transaction_set="270")
