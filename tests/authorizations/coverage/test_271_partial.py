"""A 271 is refused only for the AAAs that block the member (the payer's own, or the member's when
none of its mental-health / substance-use rows is usable); the others are noted. The network
status comes from EB12 of any relevant row — cost-sharing rows included — preferring the
mental-health / substance-use service types over the plan's generic 30."""

from __future__ import annotations

import pytest

from authorizations.coverage import x12
from authorizations.coverage.services.x12_import import verification_import_271
from authorizations.models import Answer, BenefitVerification, NetworkStatus
from iop.common.exceptions import ApplicationError
from tests.authorizations.conftest import x12_recount

from .conftest import read_271

pytestmark = pytest.mark.django_db


def _refused(**kwargs) -> ApplicationError:
    with pytest.raises(ApplicationError) as info:
        verification_import_271(**kwargs)
    return info.value


def test_the_reader_ties_each_aaa_to_its_member_and_service_types():
    response = x12.parse_271(read_271("partial_rejections.x12"))
    benefit, dependent = response.rejections
    assert (benefit.level, benefit.member_id, benefit.member_level, benefit.service_types) == (
        "benefit",
        "M123456",
        "subscriber",
        ("AK",),
    )
    assert (dependent.level, dependent.member_id, dependent.reason_code) == ("dependent", "M123456", "71")
    (ak,) = [b for b in response.subscriber.benefits if b.service_types == ("AK",)]
    assert ak.rejections == (benefit,)


def test_an_aaa_under_another_member_or_on_one_service_type_is_noted_not_refused(
    in_harbor, harbor_coverage, harbor_intake
):
    verification = verification_import_271(
        coverage=harbor_coverage, raw=read_271("partial_rejections.x12"), actor=harbor_intake
    )
    assert (verification.mental_health_iop, verification.substance_use_iop) == (Answer.YES, Answer.YES)
    assert verification.network_status == NetworkStatus.IN_NETWORK
    assert "Payer rejection (AAA, not blocking) for subscriber M123456, service type AK: 53 " in verification.notes
    assert "Payer rejection (AAA, not blocking) for dependent M123456: 71 " in verification.notes


def test_a_payer_level_aaa_refuses_the_file(in_harbor, harbor_coverage, harbor_intake, benefits_271):
    raw = x12_recount(benefits_271.replace("PER*IC*PROVIDER SERVICES*", "AAA*Y**42*R~\nPER*IC*PROVIDER SERVICES*"))
    refused = _refused(coverage=harbor_coverage, raw=raw, actor=harbor_intake)
    assert refused.code == "x12_rejected" and "42 Unable to respond at current time" in refused.message
    assert not BenefitVerification.objects.exists()


def test_the_members_own_aaa_without_usable_benefits_refuses_the_file(
    in_harbor, harbor_coverage, harbor_intake, rejected_271
):
    member_level = rejected_271.replace("M999999", "M123456")
    refused = _refused(coverage=harbor_coverage, raw=member_level, actor=harbor_intake)
    assert refused.code == "x12_rejected" and "75 Subscriber/insured not found" in refused.message

    # Its only mental-health row carries an AAA: nothing usable, so the AAA blocks.
    benefit_level = x12_recount(member_level.replace("AAA*N**75*C~", "EB*1*IND*MH*PR~\nAAA*Y**53*C~"))
    refused = _refused(coverage=harbor_coverage, raw=benefit_level, actor=harbor_intake)
    assert refused.code == "x12_rejected" and "53 Inquired benefit inconsistent" in refused.message
    assert not BenefitVerification.objects.exists()


def test_the_network_status_is_read_from_the_cost_sharing_rows(in_harbor, harbor_coverage, harbor_intake):
    raw = read_271("network_on_cost_sharing.x12")  # no EB12 on any EB*1 row
    verification = verification_import_271(coverage=harbor_coverage, raw=raw, actor=harbor_intake)
    assert verification.network_status == NetworkStatus.IN_NETWORK
    assert (verification.copay, verification.coinsurance_percent) == (30, 20)


def test_the_mental_health_rows_network_wins_over_the_generic_plan_rows(in_harbor, harbor_coverage, harbor_intake):
    raw = read_271("network_on_cost_sharing.x12")
    raw = raw.replace("EB*B*IND*MH^A8^CH*PR**27*30*****Y", "EB*B*IND*MH^A8^CH*PR**27*30*****N")
    raw = raw.replace("EB*A*IND*MH^A8^CH*PR**27**0.2****Y", "EB*A*IND*MH^A8^CH*PR**27**0.2****N")
    # The generic 30 out-of-pocket rows still say in network (Y): the MH rows decide.
    verification = verification_import_271(coverage=harbor_coverage, raw=raw, actor=harbor_intake)
    assert verification.network_status == NetworkStatus.OUT_OF_NETWORK
