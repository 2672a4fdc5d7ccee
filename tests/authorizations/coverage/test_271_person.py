"""A 271 is imported only onto the coverage of the person it is about. A member id is the whole
family's: the subscriber loop (HL 22) answers for a coverage of the client's own, a dependent
loop (HL 23) whose name and date of birth are the client's for a dependent's coverage, and the
benefits are read from that loop only. Every benefit of the person is kept as a row — in- and
out-of-network cost sharing, coverage level, service types, authorization required, limits."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from authorizations.coverage.services.x12_import import verification_import_271
from authorizations.models import Answer, BenefitLine, BenefitVerification, Coverage, NetworkStatus
from iop.common.exceptions import ApplicationError
from tests.authorizations.conftest import x12_recount
from tests.factories import ClientFactory

from .conftest import CHILD, read_271

pytestmark = pytest.mark.django_db

SAM = "SAM RIVERA (dependent, born 1 Jan 2010)"
JORDAN = "JORDAN RIVERA (subscriber, born 12 Apr 1985)"


def _refused(**kwargs) -> ApplicationError:
    with pytest.raises(ApplicationError) as info:
        verification_import_271(**kwargs)
    assert not BenefitVerification.objects.exists() and not BenefitLine.objects.exists()  # nothing saved
    return info.value


def _line(verification, benefit: str, network: str, *, period: str = "", types: tuple = ()) -> BenefitLine:
    (line,) = [
        line
        for line in verification.benefit_lines.all()
        if (line.benefit, line.network) == (benefit, network)
        and (not period or line.time_period == period)
        and (not types or tuple(line.service_types) == types)
    ]
    return line


# --- The dependent's file on the dependent's coverage ---------------------------------------------------


def test_a_dependents_file_fills_the_dependents_coverage_from_the_dependent_loop(
    in_harbor, child_coverage, harbor_intake, dependent_271
):
    now = dt.datetime(2026, 3, 5, 19, 30, tzinfo=dt.UTC)
    verification = verification_import_271(coverage=child_coverage, raw=dependent_271, actor=harbor_intake, now=now)
    verification.refresh_from_db()

    # The child's own accumulators (HL 23): 1,100 of the 1,500 deductible left, 4,650 of 5,000.
    assert (verification.deductible, verification.deductible_met) == (Decimal("1500.00"), Decimal("400.00"))
    assert (verification.out_of_pocket_max, verification.out_of_pocket_met) == (Decimal("5000.00"), Decimal("350.00"))
    assert (verification.copay, verification.coinsurance_percent) == (Decimal("25.00"), Decimal("10.00"))
    assert (verification.visit_limit, verification.day_limit) == (40, 38)
    assert (verification.mental_health_iop, verification.substance_use_iop) == (Answer.YES, Answer.YES)
    assert (verification.authorization_required, verification.network_status) == (Answer.YES, NetworkStatus.IN_NETWORK)
    assert (verification.plan_name, verification.coverage_level) == ("GOLD PPO FAMILY", "FAM")
    assert verification.coverage_level_label == "Family"
    assert verification.reference_number == "BHH-4417-0002"  # the dependent loop's TRN*1
    assert verification.plan_year_start == dt.date(2026, 1, 1)
    assert verification.raw_271 == dependent_271

    # Every benefit of the dependent loop, in the file's order, and nothing of the subscriber's.
    lines = list(verification.benefit_lines.all())
    assert [line.position for line in lines] == list(range(1, 22))
    assert lines[0].service_types == ["30", "MH", "A8", "AI", "CJ"]
    assert lines[0].service_type_labels[:2] == ["Health benefit plan coverage (30)", "Mental health (MH)"]

    # Out-of-network cost sharing, next to the in-network rows.
    assert _line(verification, "C", "out", period="23").amount == Decimal("3000.00")
    assert _line(verification, "C", "out", period="29").amount == Decimal("3000.00")
    assert _line(verification, "G", "out").amount == Decimal("10000.00")
    out_copay = _line(verification, "B", "out")
    assert (out_copay.amount, out_copay.service_types, out_copay.time_period_label) == (
        Decimal("60.00"),
        ["MH", "A8", "CH"],
        "Visit",
    )
    assert _line(verification, "A", "out", types=("MH", "A8", "CH")).percent == Decimal("30.00")
    assert _line(verification, "A", "out", types=("AI", "CJ")).percent == Decimal("30.00")
    assert _line(verification, "A", "in").percent == Decimal("10.00")
    family = [line for line in lines if line.benefit == "C" and line.coverage_level == "FAM"]
    assert [(f.amount, f.network, f.coverage_level_label) for f in family] == [(Decimal("3000.00"), "in", "Family")]

    # Authorization required (EB11) and limits (EB06 + EB09 + EB10) per service type.
    visits = _line(verification, "F", "in")
    assert (visits.service_types, visits.authorization_required) == (["MH", "CH"], Answer.YES)
    assert (visits.time_period_label, visits.quantity_qualifier_label, visits.quantity) == (
        "Calendar year",
        "Visits",
        Decimal("40.00"),
    )
    assert (visits.period_start, visits.period_end) == (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    days = _line(verification, "F", "unknown")
    assert (days.service_types, days.time_period_label, days.quantity_qualifier, days.quantity) == (
        ["AI", "CJ"],
        "Remaining",
        "DY",
        Decimal("38.00"),
    )
    facility = _line(verification, "1", "in", types=("CH",))
    assert facility.authorization_required == Answer.YES
    assert facility.messages == ["INTENSIVE OUTPATIENT PROGRAM REQUIRES PRIOR AUTHORIZATION"]
    substance = _line(verification, "1", "either")  # EB12 W: the same in and out of network
    assert (substance.service_types, substance.authorization_required) == (["AI", "CJ"], Answer.YES)
    not_covered = _line(verification, "I", "unknown")
    assert (not_covered.benefit_label, not_covered.service_type_labels) == (
        "Not covered",
        ["Private duty nursing — home (CB)"],
    )


def test_benefits_are_read_from_the_matched_persons_loop_only(
    in_harbor, harbor_coverage, child_coverage, harbor_intake, dependent_271
):
    # The subscriber loop carries benefits of its own too: other accumulators, another copay.
    both = x12_recount(
        dependent_271.replace(
            "DTP*346*D8*20260101~HL*4*3*23*0",
            "DTP*346*D8*20260101~EB*1*IND*30^MH*PR*GOLD PPO FAMILY~EB*C*IND*30*PR**23*1500*****Y~"
            "EB*C*IND*30*PR**29*200*****Y~EB*B*IND*MH*PR**27*99*****Y~HL*4*3*23*0",
        )
    )
    child = verification_import_271(coverage=child_coverage, raw=both, actor=harbor_intake)
    subscriber = verification_import_271(coverage=harbor_coverage, raw=both, actor=harbor_intake)

    assert (child.deductible_met, child.copay, child.benefit_lines.count()) == (Decimal("400.00"), 25, 21)
    assert (subscriber.deductible_met, subscriber.copay, subscriber.benefit_lines.count()) == (
        Decimal("1300.00"),
        99,
        4,
    )
    assert subscriber.coverage_level == "IND" and subscriber.reference_number == "HIOP270-SAM-01"
    assert not subscriber.benefit_lines.filter(network="out").exists()


def test_a_dependent_with_a_member_id_of_their_own_is_answered_in_the_subscriber_loop(
    in_harbor, child_coverage, harbor_intake, benefits_271
):
    # 005010X279A1: a dependent with a unique member id is sent as the subscriber (HL 22).
    own = benefits_271.replace("NM1*IL*1*RIVERA*JORDAN*A***", "NM1*IL*1*RIVERA*SAM****")
    verification = verification_import_271(
        coverage=child_coverage, raw=own.replace("DMG*D8*19850412*F", "DMG*D8*20100101*M"), actor=harbor_intake
    )
    assert verification.benefit_lines.count() == 14

    # Without a date of birth, a subscriber loop named like the client is not enough (a parent
    # and a child may share a name).
    BenefitVerification.objects.all().delete()
    refused = _refused(
        coverage=child_coverage, raw=x12_recount(own.replace("DMG*D8*19850412*F~\n", "")), actor=harbor_intake
    )
    assert refused.code == "person_mismatch"


# --- A file about someone else -------------------------------------------------------------------------


def test_a_dependents_file_is_refused_for_the_subscribers_coverage(
    in_harbor, harbor_coverage, harbor_intake, dependent_271
):
    refused = _refused(coverage=harbor_coverage, raw=dependent_271, actor=harbor_intake)
    assert refused.code == "person_mismatch"
    assert refused.message.startswith(f"This file's benefits are about {SAM}, not Jordan Rivera (born 12 Apr 1985)")
    assert "nothing was saved" in refused.message and refused.extra == {"raw_271": [refused.message]}


def test_a_subscriber_only_file_is_refused_for_a_dependents_coverage(
    in_harbor, child_coverage, harbor_intake, benefits_271
):
    refused = _refused(coverage=child_coverage, raw=benefits_271, actor=harbor_intake)
    assert refused.code == "person_mismatch"
    assert refused.message.startswith(
        f"This file is about {JORDAN}, not Sam Rivera (born 1 Jan 2010) as a dependent (child) of the subscriber: "
        "nothing was saved. It holds the subscriber only"
    )


@pytest.mark.parametrize(
    "client_is",
    [
        {"date_of_birth": dt.date(2011, 6, 30)},  # a sibling: same name, another birthday
        {"first_name": "Alex"},  # a twin: same birthday, another name
        {"last_name": "Okafor"},
    ],
)
def test_a_dependent_whose_name_or_birth_date_is_not_the_clients_is_refused(
    in_harbor, child_coverage, harbor_intake, dependent_271, client_is
):
    client = child_coverage.client
    for name, value in client_is.items():
        setattr(client, name, value)
    client.save()
    refused = _refused(coverage=child_coverage, raw=dependent_271, actor=harbor_intake)
    assert refused.code == "person_mismatch"
    assert refused.message.startswith(f"This file is about {JORDAN}; {SAM}, not {client.first_name} {client.last_name}")
    assert "Check the client's name and date of birth" in refused.message


def test_a_dependent_loop_with_the_payers_rejection_names_it(in_harbor, child_coverage, harbor_intake):
    # partial_rejections.x12: the dependent loop says AAA 71, birth date does not match.
    child_coverage.client.date_of_birth = dt.date(2010, 2, 2)
    child_coverage.client.save()
    refused = _refused(coverage=child_coverage, raw=read_271("partial_rejections.x12"), actor=harbor_intake)
    assert refused.code == "person_mismatch"
    assert refused.message.endswith(
        "The payer said: 71 Patient birth date does not match that for the patient on the database "
        "(correct the request and resubmit)."
    )


def test_a_dependents_file_for_a_coverage_marked_self_says_what_to_change(
    in_harbor, payer, harbor_intake, dependent_271
):
    sam = ClientFactory(organization=in_harbor, **CHILD)
    coverage = Coverage.objects.create(client=sam, payer=payer, member_id="M123456", effective_from=dt.date(2020, 1, 1))
    refused = _refused(coverage=coverage, raw=dependent_271, actor=harbor_intake)
    assert refused.message.startswith(f"This file is about {JORDAN}; {SAM}, not Sam Rivera (born 1 Jan 2010) as the")
    assert "The file has the client as a dependent: if that is right, change the coverage's relationship" in (
        refused.message
    )


def test_another_members_file_names_who_it_is_about(in_harbor, payer, harbor_client, harbor_intake, dependent_271):
    other = Coverage.objects.create(
        client=harbor_client, payer=payer, member_id="X-999", effective_from=dt.date(2020, 1, 1)
    )
    refused = _refused(coverage=other, raw=dependent_271, actor=harbor_intake)
    assert refused.code == "member_mismatch"
    assert refused.message.startswith(f"The file is about {JORDAN}; {SAM}, member M123456, not this coverage's member")


# --- Names as payers write them -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "client_is",
    [
        {"first_name": "Samuel"},  # the payer's "SAM"
        {"first_name": "Alexander", "preferred_name": "Sam"},
        {"first_name": "sam", "last_name": "Rivera-Núñez"},  # a second surname the payer dropped
        {"first_name": "Sam", "last_name": "de la Rivera"},
    ],
)
def test_names_match_across_case_accents_truncation_and_preferred_names(
    in_harbor, child_coverage, harbor_intake, dependent_271, client_is
):
    client = child_coverage.client
    for name, value in client_is.items():
        setattr(client, name, value)
    client.save()
    assert verification_import_271(coverage=child_coverage, raw=dependent_271, actor=harbor_intake).pk


def test_a_benefit_that_cannot_be_stored_refuses_the_file(in_harbor, child_coverage, harbor_intake, dependent_271):
    damaged = dependent_271.replace("EB*C*IND*30*PR**29*1100", "EB*C*INDIVIDUAL*30*PR**29*1100")
    refused = _refused(coverage=child_coverage, raw=damaged, actor=harbor_intake)
    assert refused.code == "x12_malformed"
    assert refused.message.startswith("Benefit 3 of the file (EB segment) cannot be read: coverage_level ")
