"""The demo's payers, coverage and benefit verifications (and, once the schedule and attendance
exist, its authorizations): what an intake team would have on file for harbor's clients.

Payers carry effective-dated rules (9 hours on 3 days a week, 3 hours a day for a per-diem day,
review cadences and decision clocks) and fee schedules; every client has a primary coverage and a
verification — most recent, a few older than 30 days so the re-verification flag shows.
Deterministic and idempotent: a second run adds nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from authorizations.models import (
    Answer,
    BenefitVerification,
    Coverage,
    FeeScheduleEntry,
    NetworkStatus,
    Payer,
    PayerPlan,
    PayerRule,
    PlanType,
    VerificationMethod,
)
from iop.accounts.models import User
from iop.clients.models import Client
from iop.tenancy.models import Organization


@dataclass(frozen=True)
class PayerSpec:
    name: str
    payer_id: str
    plan: str
    plan_type: str
    review_cadence_days: int
    initial_authorization_days: int
    member_prefix: str


PAYERS = (
    PayerSpec("Blue Harbor Health", "BHH01", "Blue Harbor PPO Gold", PlanType.PPO, 7, 14, "BHH"),
    PayerSpec("Evergreen Health Plans", "EVG22", "Evergreen HMO Select", PlanType.HMO, 10, 14, "EVG"),
    PayerSpec("Coastal Medicaid Partners", "CMP77", "Coastal Medicaid Care", PlanType.MEDICAID_MCO, 14, 21, "CMP"),
)

# Per-unit rates the demo payers pay (per diem for program codes, per session otherwise).
FEES = {
    "S9480": Decimal("350.00"),
    "H0015": Decimal("310.00"),
    "90853": Decimal("65.00"),
    "90834": Decimal("110.00"),
    "90837": Decimal("145.00"),
    "90847": Decimal("120.00"),
    "H0005": Decimal("55.00"),
    "99213": Decimal("95.00"),
    "90791": Decimal("180.00"),
    "96127": Decimal("8.00"),
}
RULES_FROM = dt.date(2025, 1, 1)


def _ensure_payers(report) -> list[tuple[Payer, PayerPlan]]:
    result = []
    for spec in PAYERS:
        payer, created = Payer.objects.get_or_create(name=spec.name, defaults={"payer_id": spec.payer_id})
        plan, _ = PayerPlan.objects.get_or_create(payer=payer, name=spec.plan, defaults={"plan_type": spec.plan_type})
        if created:
            report.add("payer")
            PayerRule.objects.create(
                payer=payer,
                effective_from=RULES_FROM,
                min_hours_per_week=Decimal("9.0"),
                min_days_per_week=3,
                min_minutes_per_day=180,
                review_cadence_days=spec.review_cadence_days,
                initial_authorization_days=spec.initial_authorization_days,
            )
            FeeScheduleEntry.objects.bulk_create(
                FeeScheduleEntry(
                    organization_id=payer.organization_id, payer=payer, code=code, rate=rate, effective_from=RULES_FROM
                )
                for code, rate in FEES.items()
            )
        result.append((payer, plan))
    return result


def seed_coverage(
    *, organization: Organization, clients: list[Client], verified_by: User | None, today: dt.date, report
) -> None:
    """A primary coverage and a verification for every client that has none yet."""
    payers = _ensure_payers(report)
    covered = set(Coverage.objects.values_list("client_id", flat=True))
    now = timezone.now()
    for index, client in enumerate(sorted(clients, key=lambda c: (c.last_name, c.first_name, str(c.pk)))):
        if client.pk in covered:
            continue
        payer, plan = payers[index % len(payers)]
        spec = PAYERS[index % len(PAYERS)]
        coverage = Coverage.objects.create(
            organization=organization,
            client=client,
            payer=payer,
            plan=plan,
            member_id=f"{spec.member_prefix}{700000 + index * 137:07d}",
            group_number=f"G{4100 + index % 7}",
            subscriber_name=f"{client.first_name} {client.last_name}",
            effective_from=dt.date(today.year - 1, 1, 1),
        )
        # Most were verified in the last three weeks; every seventh more than 30 days ago.
        days_ago = 34 + index % 9 if index % 7 == 3 else 2 + (index * 5) % 19
        commercial = spec.plan_type != PlanType.MEDICAID_MCO  # Medicaid: no deductible or out-of-pocket
        BenefitVerification.objects.create(
            organization=organization,
            coverage=coverage,
            verified_by=verified_by,
            verified_at=now - dt.timedelta(days=days_ago, hours=index % 5),
            method=VerificationMethod.PORTAL if index % 2 else VerificationMethod.PHONE,
            reference_number=f"REF-{today:%y%m}-{3100 + index}",
            network_status=NetworkStatus.IN_NETWORK,
            mental_health_iop=Answer.YES,
            substance_use_iop=Answer.YES,
            deductible=Decimal("1500.00") if commercial else Decimal("0"),
            deductible_met=Decimal(300 + (index * 113) % 1200) if commercial else Decimal("0"),
            out_of_pocket_max=Decimal("6000.00") if commercial else Decimal("0"),
            out_of_pocket_met=Decimal(500 + (index * 211) % 2500) if commercial else Decimal("0"),
            copay=Decimal("40.00") if spec.plan_type == PlanType.HMO else None,
            coinsurance_percent=Decimal("20.00") if spec.plan_type == PlanType.PPO else None,
            authorization_required=Answer.YES,
            plan_year_start=dt.date(today.year, 1, 1),
            notes="Prior authorization through the payer's behavioral-health line; concurrent review by phone.",
        )
        report.add("coverage")
        report.add("benefit verification")
