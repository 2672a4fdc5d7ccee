"""The X12 271 reader: separators from the ISA, the HL hierarchy, EB rows with their loops, AAA
rejections, and a clear `X12Error` for anything malformed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from authorizations.coverage.x12 import X12Error, parse_271, separators_read

from .conftest import read_271


def _without_segment(text: str, segment_id: str) -> str:
    return "".join(line for line in text.splitlines(keepends=True) if not line.startswith(f"{segment_id}*"))


def test_the_sample_is_read_with_its_separators_envelope_and_member():
    response = parse_271(read_271("mh_sud_benefits.x12"))

    assert response.separators.element == "*"
    assert (response.separators.repetition, response.separators.component, response.separators.segment) == (
        "^",
        ":",
        "~",
    )
    envelope = response.envelope
    assert (envelope.transaction_set, envelope.version, envelope.control_number) == ("271", "005010X279A1", "000000123")
    assert (envelope.sender_id, envelope.interchange_date, envelope.created) == (
        "BLUEHARBOR",
        dt.date(2026, 3, 2),
        dt.date(2026, 3, 2),
    )
    assert (response.payer_name, response.payer_id) == ("BLUE HARBOR HEALTH PLAN", "BHP01")
    assert response.rejections == ()
    (member,) = response.members
    assert member is response.subscriber
    assert (member.member_id, member.last_name, member.first_name) == ("M123456", "RIVERA", "JORDAN")
    assert (member.group_number, member.date_of_birth) == ("GRP-88412", dt.date(1985, 4, 12))
    assert member.date("291") == dt.date(2026, 1, 1)
    assert ("1", "BH-20260302-58841") in member.trace_numbers


def test_benefits_split_eb03_on_the_repetition_separator_and_keep_their_loop():
    (member,) = parse_271(read_271("mh_sud_benefits.x12")).members
    first = member.benefits[0]
    assert (first.eb01, first.eb02, first.service_types, first.eb05) == (
        "1",
        "IND",
        ("30", "MH", "A8", "AI"),
        "GOLD PPO",
    )

    copay = next(b for b in member.benefits if b.eb01 == "B")
    assert (copay.service_types, copay.eb06, copay.eb07, copay.eb12) == (("MH", "A8", "CH"), "27", Decimal("30"), "Y")
    coinsurance = next(b for b in member.benefits if b.eb01 == "A")
    assert coinsurance.eb08 == Decimal("0.2")

    facility = next(b for b in member.benefits if b.service_types == ("CH",))
    assert (facility.eb11, facility.eb12) == ("Y", "Y")
    assert facility.messages == ("INTENSIVE OUTPATIENT SERVICES REQUIRE PRIOR AUTHORIZATION",)

    visits = next(b for b in member.benefits if b.eb09 == "VS")
    assert (visits.eb10, visits.dates) == (Decimal("30"), (("292", dt.date(2026, 1, 1), dt.date(2026, 12, 31)),))
    # The benefit-related entity (LS/LE loop) is skipped: its NM1 does not rename the member.
    assert member.last_name == "RIVERA"
    assert len(member.benefits) == 14


def test_other_separators_and_no_newlines_read_the_same():
    text = read_271("mh_sud_benefits.x12")
    other = text.replace("\n", "").replace("*", "|").replace("~", "'").replace("^", "{")
    assert separators_read(other).element == "|"
    theirs, ours = parse_271(other).members[0], parse_271(text).members[0]
    assert theirs.benefits == ours.benefits


def test_a_dependent_loop_answers_for_the_subscribers_member_id():
    text = read_271("mh_sud_benefits.x12").replace("HL*3*2*22*0~", "HL*3*2*22*1~")
    text = text.replace(
        "DTP*346*D8*20260101~\n",
        "DTP*346*D8*20260101~\nHL*4*3*23*0~\nNM1*03*1*RIVERA*SAM~\nDMG*D8*20100101~\n",
    )
    text = text.replace("SE*38*0001~", "SE*41*0001~")
    subscriber, dependent = parse_271(text).members
    assert (dependent.level, dependent.member_id, dependent.first_name) == ("dependent", "M123456", "SAM")
    assert subscriber.benefits == () and len(dependent.benefits) == 14


def test_aaa_rejections_are_returned_with_their_reason():
    response = parse_271(read_271("subscriber_not_found.x12"))
    (rejection,) = response.rejections
    assert (rejection.level, rejection.reason_code, rejection.follow_up_code) == ("subscriber", "75", "C")
    assert str(rejection) == "75 Subscriber/insured not found (correct the request and resubmit)"
    assert response.members[0].benefits == ()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: "", "it is empty"),
        (lambda t: "Hello, this is a PDF", "should begin with an ISA segment"),
        (lambda t: t[:60], "cut short"),
        (lambda t: t.replace("BLUEHARBOR     *", "BLUEHARBOR*", 1), "not the fixed length"),
        (lambda t: t.replace("ST*271*", "ST*270*"), "X12 270 transaction, not a 271"),
        (lambda t: _without_segment(t, "SE"), "no transaction set trailer (SE)"),
        (lambda t: _without_segment(t, "IEA"), "no interchange trailer (IEA)"),
        (lambda t: _without_segment(t, "EB"), "has 38 segments (SE01) but has 24"),
        (lambda t: t.replace("SE*38*0001", "SE*38*0002"), "control numbers (ST02 and SE02) differ"),
        (lambda t: t.replace("EB*C*IND*30*PR**23*1500", "EB*C*IND*30*PR**23*1,500"), "not a number"),
        (lambda t: t.replace("DMG*D8*19850412", "DMG*D8*19851312"), "not a date"),
        (lambda t: t.replace("HL*3*2*22*0", "HL*3*9*22*0"), "names a parent (9)"),
        (lambda t: t.replace("EB*1*IND*88", "EB**IND*88"), "no benefit information code (EB01)"),
    ],
)
def test_malformed_input_is_refused_with_a_clear_message(change, message):
    with pytest.raises(X12Error) as refused:
        parse_271(change(read_271("mh_sud_benefits.x12")))
    assert message in refused.value.message


def test_the_damaged_sample_is_refused():
    with pytest.raises(X12Error, match="ISA segment is not the fixed length"):
        parse_271(read_271("malformed.x12"))
