"""Coverage and verification services: coverages checked (plan of the payer, dates, one primary at
a time, this organization's payer), verifications by hand, the 271 import (fills the
verification and keeps the file, or refuses it whole), and when a verification is due again."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from authorizations.coverage.selectors import next_plan_year_start, verification_is_stale, verification_stale_reason
from authorizations.coverage.services.coverages import coverage_create, coverage_update
from authorizations.coverage.services.verifications import verification_record
from authorizations.coverage.services.x12_import import verification_import_271
from authorizations.models import Answer, BenefitVerification, Coverage, NetworkStatus, Payer, PayerPlan, PlanType
from iop.common.exceptions import ApplicationError
from iop.tenancy.context import tenant_context

from .conftest import SUBSCRIBER, make_person

pytestmark = pytest.mark.django_db


def _refused(call, **kwargs) -> ApplicationError:
    with pytest.raises(ApplicationError) as refused:
        call(**kwargs)
    return refused.value


# --- Coverage --------------------------------------------------------------------------------------


def test_a_coverage_is_created_with_its_plan(in_harbor, payer, harbor_client):
    plan = payer.plans.get()
    coverage = coverage_create(
        client=harbor_client,
        payer=payer,
        plan=plan,
        member_id="  M555  ",
        group_number="G1",
        effective_from=dt.date(2026, 1, 1),
    )
    assert (coverage.member_id, coverage.plan, coverage.priority, coverage.organization) == (
        "M555",
        plan,
        "primary",
        in_harbor,
    )


def test_a_plan_of_another_payer_an_end_before_the_start_and_a_blank_member_id_are_refused(
    in_harbor, payer, harbor_client
):
    other = Payer.objects.create(name="Other Mutual")
    other_plan = PayerPlan.objects.create(payer=other, name="Silver", plan_type=PlanType.HMO)
    base = {"client": harbor_client, "payer": payer, "member_id": "M1", "effective_from": dt.date(2026, 1, 1)}

    assert _refused(coverage_create, **base, plan=other_plan).extra == {
        "plan": ["Choose a plan of Blue Harbor PPO, or no plan."]
    }
    assert "effective_to" in _refused(coverage_create, **base, effective_to=dt.date(2025, 12, 31)).extra
    assert "member_id" in _refused(coverage_create, **{**base, "member_id": "   "}).extra
    assert not Coverage.objects.exists()


def test_a_second_primary_for_overlapping_dates_is_refused_but_a_secondary_is_not(in_harbor, payer, harbor_client):
    base = {"client": harbor_client, "payer": payer, "member_id": "M1"}
    coverage_create(**base, effective_from=dt.date(2026, 1, 1))
    refused = _refused(coverage_create, **base, effective_from=dt.date(2026, 6, 1))
    assert refused.code == "coverage_overlap" and "already has a primary coverage" in refused.message
    coverage_create(**base, effective_from=dt.date(2026, 6, 1), priority="secondary")
    assert Coverage.objects.count() == 2


def test_the_next_primary_fits_once_the_first_has_ended(in_harbor, payer, harbor_client):
    first = coverage_create(client=harbor_client, payer=payer, member_id="M1", effective_from=dt.date(2025, 1, 1))
    coverage_update(coverage=first, data={"effective_to": dt.date(2025, 12, 31)})
    second = coverage_create(client=harbor_client, payer=payer, member_id="M2", effective_from=dt.date(2026, 1, 1))
    # Stretching the first over the second is refused; nothing changes.
    refused = _refused(coverage_update, coverage=first, data={"effective_to": dt.date(2026, 3, 1)})
    assert refused.code == "coverage_overlap"
    first.refresh_from_db()
    assert first.effective_to == dt.date(2025, 12, 31) and second.pk


def test_a_payer_of_another_organization_is_refused(in_harbor, payer, harbor_client, summit):
    with tenant_context(summit.id):
        theirs = Payer.objects.create(name="Summit Mutual")
    refused = _refused(
        coverage_create, client=harbor_client, payer=theirs, member_id="M1", effective_from=dt.date(2026, 1, 1)
    )
    assert refused.extra == {"payer": ["Choose one of your payers."]}


def test_an_update_changes_only_editable_fields_and_rechecks_the_plan(in_harbor, payer, harbor_coverage, summit_client):
    coverage_update(coverage=harbor_coverage, data={"group_number": "NEW", "client": summit_client})
    harbor_coverage.refresh_from_db()
    assert harbor_coverage.group_number == "NEW" and harbor_coverage.client.organization == in_harbor
    other = Payer.objects.create(name="Other Mutual")
    # A new payer with the old payer's plan is refused.
    assert "plan" in _refused(coverage_update, coverage=harbor_coverage, data={"payer": other}).extra
    coverage_update(coverage=harbor_coverage, data={"payer": other, "plan": None})
    harbor_coverage.refresh_from_db()
    assert (harbor_coverage.payer, harbor_coverage.plan) == (other, None)


def test_an_inactive_payer_is_refused_for_a_new_coverage_but_may_stay_on_an_old_one(in_harbor, payer, harbor_coverage):
    payer.is_active = False
    payer.save()
    client = harbor_coverage.client
    assert (
        "payer"
        in _refused(
            coverage_create,
            client=client,
            payer=payer,
            member_id="M9",
            effective_from=dt.date(2026, 1, 1),
            priority="secondary",
        ).extra
    )
    coverage_update(coverage=harbor_coverage, data={"group_number": "STILL"})


# --- Verification by hand ------------------------------------------------------------------------------


def test_a_verification_is_recorded_by_hand(in_harbor, harbor_coverage, harbor_intake):
    verification = verification_record(
        coverage=harbor_coverage,
        actor=harbor_intake,
        method="phone",
        reference_number=" CALL-77 ",
        network_status="in",
        mental_health_iop="yes",
        deductible=Decimal("1000"),
        deductible_met=Decimal("250"),
        coinsurance_percent=Decimal("20"),
    )
    assert (verification.reference_number, verification.verified_by, verification.raw_271) == (
        "CALL-77",
        harbor_intake,
        "",
    )


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"deductible": Decimal("500"), "deductible_met": Decimal("600")}, "deductible_met"),
        ({"out_of_pocket_max": Decimal("500"), "out_of_pocket_met": Decimal("501")}, "out_of_pocket_met"),
        ({"copay": Decimal("-1")}, "copay"),
        ({"coinsurance_percent": Decimal("120")}, "coinsurance_percent"),
        ({"verified_at": timezone.now() + dt.timedelta(days=1)}, "verified_at"),
        ({"mental_health_iop": "maybe"}, "mental_health_iop"),
    ],
)
def test_a_verification_by_hand_refuses_bad_values_and_saves_nothing(
    in_harbor, harbor_coverage, harbor_intake, values, field
):
    refused = _refused(verification_record, coverage=harbor_coverage, actor=harbor_intake, method="portal", **values)
    assert field in refused.extra
    assert not BenefitVerification.objects.exists()


# --- Verification from a 271 ---------------------------------------------------------------------------


def test_a_271_with_mental_health_and_substance_abuse_benefits_fills_the_verification(
    in_harbor, harbor_coverage, harbor_intake, benefits_271
):
    now = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)
    verification = verification_import_271(coverage=harbor_coverage, raw=benefits_271, actor=harbor_intake, now=now)
    verification.refresh_from_db()

    assert (verification.method, verification.verified_by, verification.verified_at) == (
        "electronic",
        harbor_intake,
        now,
    )
    assert verification.reference_number == "BH-20260302-58841"  # the payer's trace number (TRN*1)
    assert (verification.mental_health_iop, verification.substance_use_iop) == (Answer.YES, Answer.YES)
    assert verification.authorization_required == Answer.YES  # EB11 on the CH and AI/CJ rows
    assert verification.network_status == NetworkStatus.IN_NETWORK  # EB12 of the coverage rows
    # Calendar-year deductible 1500 with 900 remaining; the in-network out-of-pocket 5000 with 4200 left.
    assert (verification.deductible, verification.deductible_met) == (Decimal("1500.00"), Decimal("600.00"))
    assert (verification.out_of_pocket_max, verification.out_of_pocket_met) == (Decimal("5000.00"), Decimal("800.00"))
    # In-network copay and coinsurance (the 40 % out-of-network row is not the one shown).
    assert (verification.copay, verification.coinsurance_percent) == (Decimal("30.00"), Decimal("20.00"))
    assert (verification.visit_limit, verification.day_limit) == (30, 45)
    assert verification.plan_year_start == dt.date(2026, 1, 1)
    assert "BLUE HARBOR HEALTH PLAN (BHP01)" in verification.notes
    assert "INTENSIVE OUTPATIENT SERVICES REQUIRE PRIOR AUTHORIZATION" in verification.notes
    assert verification.raw_271 == benefits_271  # kept exactly as received


def test_an_inactive_plan_answers_no_for_both(in_harbor, harbor_coverage, harbor_intake, benefits_271):
    raw = benefits_271.replace("EB*1*IND*30^MH^A8^AI*PR*GOLD PPO", "EB*6*IND*30*PR*GOLD PPO")
    raw = raw.replace("EB*1*IND*CH*", "EB*C*IND*CH*").replace("EB*1*IND*AI^CJ*", "EB*F*IND*AI^CJ*")
    verification = verification_import_271(coverage=harbor_coverage, raw=raw, actor=harbor_intake)
    assert (verification.mental_health_iop, verification.substance_use_iop) == (Answer.NO, Answer.NO)
    assert verification.network_status == NetworkStatus.UNKNOWN


def test_a_malformed_271_is_refused_clearly_and_nothing_is_saved(
    in_harbor, harbor_coverage, harbor_intake, benefits_271, malformed_271
):
    before = BenefitVerification.objects.count()
    refused = _refused(verification_import_271, coverage=harbor_coverage, raw=malformed_271, actor=harbor_intake)
    assert refused.code == "x12_malformed"
    assert refused.message.startswith("This file cannot be read as an X12 271: The ISA segment is not the fixed length")
    assert refused.extra == {"raw_271": [refused.message]}

    truncated = benefits_271[: benefits_271.index("EB*G")]
    assert (
        "no transaction set trailer (SE)"
        in _refused(verification_import_271, coverage=harbor_coverage, raw=truncated, actor=harbor_intake).message
    )
    assert "empty" in _refused(verification_import_271, coverage=harbor_coverage, raw="  ", actor=harbor_intake).message
    assert BenefitVerification.objects.count() == before == 0


def test_a_payer_rejection_is_refused_with_the_aaa_reason(in_harbor, harbor_coverage, harbor_intake, rejected_271):
    refused = _refused(verification_import_271, coverage=harbor_coverage, raw=rejected_271, actor=harbor_intake)
    assert refused.code == "x12_rejected"
    assert "75 Subscriber/insured not found (correct the request and resubmit)" in refused.message
    assert not BenefitVerification.objects.exists()


def test_a_271_for_another_member_id_is_refused(in_harbor, payer, harbor_client, harbor_intake, benefits_271):
    other = Coverage.objects.create(
        client=harbor_client, payer=payer, member_id="X-999", effective_from=dt.date(2020, 1, 1)
    )
    refused = _refused(verification_import_271, coverage=other, raw=benefits_271, actor=harbor_intake)
    assert refused.code == "member_mismatch"
    assert "member M123456, not this coverage's member X-999" in refused.message
    assert not BenefitVerification.objects.exists()


def test_the_member_id_matches_ignoring_case_spaces_and_dashes(
    in_harbor, payer, harbor_client, harbor_intake, benefits_271
):
    make_person(harbor_client, SUBSCRIBER)
    coverage = Coverage.objects.create(
        client=harbor_client, payer=payer, member_id="m-123 456", effective_from=dt.date(2020, 1, 1)
    )
    assert verification_import_271(coverage=coverage, raw=benefits_271, actor=harbor_intake).pk


def test_a_271_without_any_mental_health_or_substance_benefit_is_refused(
    in_harbor, harbor_coverage, harbor_intake, benefits_271
):
    start, end = benefits_271.index("EB*1*IND*30^MH"), benefits_271.index("EB*1*IND*88")
    only_pharmacy = benefits_271[:start] + benefits_271[end:]
    only_pharmacy = only_pharmacy.replace("SE*38*0001", "SE*19*0001")
    refused = _refused(verification_import_271, coverage=harbor_coverage, raw=only_pharmacy, actor=harbor_intake)
    assert refused.code == "x12_no_benefits"
    assert not BenefitVerification.objects.exists()


# --- Due again ----------------------------------------------------------------------------------------


def _verified(day: dt.date, plan_year_start=None) -> BenefitVerification:
    return BenefitVerification(
        verified_at=dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC), plan_year_start=plan_year_start
    )


def test_a_verification_older_than_30_days_is_stale():
    today = dt.date(2026, 6, 30)
    assert not verification_is_stale(_verified(dt.date(2026, 5, 31)), today)  # 30 days
    assert verification_is_stale(_verified(dt.date(2026, 5, 30)), today)  # 31 days
    assert verification_stale_reason(_verified(dt.date(2026, 5, 30)), today) == "Verified 31 days ago (more than 30)."


def test_a_plan_year_start_since_the_verification_makes_it_stale():
    december = _verified(dt.date(2025, 12, 20))  # plan year not known: 1 January
    assert not verification_is_stale(december, dt.date(2025, 12, 31))
    assert verification_is_stale(december, dt.date(2026, 1, 1))
    assert "A new plan year began on 1 Jan 2026" in verification_stale_reason(december, dt.date(2026, 1, 2))

    july_plan = _verified(dt.date(2026, 6, 20), plan_year_start=dt.date(2025, 7, 1))
    assert verification_is_stale(july_plan, dt.date(2026, 7, 1))
    assert not verification_is_stale(
        _verified(dt.date(2026, 7, 1), plan_year_start=dt.date(2025, 7, 1)), dt.date(2026, 7, 2)
    )


def test_the_next_plan_year_start_handles_29_february():
    assert next_plan_year_start(plan_year_start=dt.date(2024, 2, 29), after=dt.date(2025, 1, 10)) == dt.date(
        2025, 2, 28
    )
    assert next_plan_year_start(plan_year_start=None, after=dt.date(2025, 1, 1)) == dt.date(2026, 1, 1)


def test_the_verification_day_is_the_organizations():
    # 02:00 UTC on 1 January is still 31 December in New York: no plan year crossed yet.
    late = BenefitVerification(verified_at=dt.datetime(2026, 1, 1, 2, 0, tzinfo=dt.UTC))
    from zoneinfo import ZoneInfo

    assert verification_is_stale(late, dt.date(2026, 1, 1), ZoneInfo("America/New_York"))
    assert not verification_is_stale(late, dt.date(2026, 1, 1))
