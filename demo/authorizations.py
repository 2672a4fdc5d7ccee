"""The demo's payers, coverage and benefit verifications (and, once the schedule and attendance
exist, its authorizations): what an intake team would have on file for harbor's clients.

Payers carry effective-dated rules (9 hours on 3 days a week, 3 hours a day for a per-diem day,
review cadences and decision clocks) and fee schedules; every client has a primary coverage and a
verification — most recent, a few older than 30 days so the re-verification flag shows. The first
client is covered as the spouse on a partner's plan, verified from an X12 271 in which the client
is the dependent (HL 23), with in-network and out-of-network cost sharing: the verification page
shows both side by side. Deterministic and idempotent: a second run adds nothing.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from authorizations.coverage.services.x12_import import verification_import_271
from authorizations.models import (
    Answer,
    Authorization,
    AuthorizationLine,
    AuthorizationLineStatus,
    AuthorizationRequest,
    AuthorizationStatus,
    BenefitVerification,
    CertificationType,
    Coverage,
    Determination,
    DeterminationAction,
    Diagnosis,
    FeeScheduleEntry,
    InteropSettings,
    NetworkStatus,
    Payer,
    PayerPlan,
    PayerRule,
    PlanType,
    RequestStatus,
    ServiceLine,
    ServiceTrack,
    SubmissionChannel,
    SubscriberRelationship,
    UnitType,
    VerificationMethod,
)
from authorizations.requests.services.drafting import diagnosis_add, request_create, request_update
from authorizations.requests.services.packets import packet_create
from authorizations.requests.services.workflow import request_mark_ready, request_pend, request_submit
from authorizations.units.selectors import units_load
from authorizations.units.services import CHASE_TIME, authorization_summary_sync, authorizations_chase
from iop.accounts.models import User
from iop.clients.models import Client, Couple, Episode
from iop.common.exceptions import ApplicationError
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


def _x12_name(value: str) -> str:
    """A name as payers send it: upper case, no accents, nothing that could be an X12 separator."""
    folded = unicodedata.normalize("NFKD", value)
    folded = "".join(c for c in folded if not unicodedata.combining(c)).upper()
    return re.sub(r"[^A-Z0-9 '-]", "", folded).strip()


def _spouse_271(*, coverage: Coverage, client: Client, partner: str, spec: PayerSpec, day: dt.date) -> str:
    """The payer's 271 for the client as the dependent (spouse, HL 23) on the partner's plan,
    shaped like a clearinghouse's: the family's member id, the client's own accumulators, and
    mental-health and substance-use cost sharing in and out of network."""
    last, first = _x12_name(client.last_name), _x12_name(client.first_name)
    plan = _x12_name(spec.plan)
    born = client.date_of_birth
    segments = [
        "ST*271*0001*005010X279A1",
        f"BHT*0022*11*DEMO-{coverage.member_id}*{day:%Y%m%d}*0930",
        "HL*1**20*1",
        f"NM1*PR*2*{_x12_name(spec.name)}*****PI*{spec.payer_id}",
        "HL*2*1*21*1",
        f"NM1*1P*2*{_x12_name(coverage.organization.name)}*****XX*1234567893",
        "HL*3*2*22*1",
        f"NM1*IL*1*{last}*{_x12_name(partner)}****MI*{coverage.member_id}",
        f"REF*6P*{coverage.group_number}",
        f"DMG*D8*{born.year - 2}0315",
        "HL*4*3*23*0",
        f"TRN*1*{spec.payer_id}-{day:%y%m%d}-{coverage.member_id[-4:]}*9{spec.payer_id}",
        f"NM1*03*1*{last}*{first}",
        f"DMG*D8*{born:%Y%m%d}",
        "INS*N*01",
        f"DTP*346*D8*{day.year}0101",
        f"EB*1*FAM*30^MH^A8^AI^CJ*PR*{plan}",
        "EB*C*IND*30*PR**23*1500*****Y",
        "EB*C*IND*30*PR**29*1150*****Y",
        "EB*C*IND*30*PR**23*3000*****N",
        "EB*G*IND*30*PR**23*6000*****Y",
        "EB*G*IND*30*PR**29*5420*****Y",
        "EB*G*IND*30*PR**23*12000*****N",
        "EB*B*IND*MH^A8^CH*PR**27*35*****Y",
        "EB*B*IND*MH^A8^CH*PR**27*70*****N",
        "EB*A*IND*MH^A8^CH^AI^CJ*PR**27**0.2****Y",
        "EB*A*IND*MH^A8^CH^AI^CJ*PR**27**0.4****N",
        f"EB*1*IND*CH^CJ*PR*{plan}******Y*Y",
        "MSG*INTENSIVE OUTPATIENT SERVICES REQUIRE PRIOR AUTHORIZATION",
        "EB*F*IND*MH^CH*PR**23***VS*30",
    ]
    segments.append(f"SE*{len(segments) + 1}*0001")
    control = re.sub(r"\D", "", coverage.member_id)[-9:].zfill(9)
    receiver = _x12_name(coverage.organization.slug)[:15]
    envelope = [
        f"ISA*00*{'':10}*00*{'':10}*ZZ*{spec.payer_id:<15}*ZZ*{receiver:<15}*{day:%y%m%d}*0930*^*00501*{control}*0*T*:",
        f"GS*HB*{spec.payer_id}*{receiver}*{day:%Y%m%d}*0930*1*X*005010X279A1",
    ]
    return "".join(f"{segment}~\n" for segment in [*envelope, *segments, "GE*1*1", f"IEA*1*{control}"])


def _ensure_interop_settings(organization: Organization) -> None:
    """The envelope ids and NPI the X12 downloads need (a test interchange, ISA15 T): a check-digit
    valid demo NPI, the organization's slug as its clearinghouse submitter id."""
    InteropSettings.objects.get_or_create(
        organization=organization,
        defaults={
            "requester_name": organization.name,
            "requester_npi": "1234567893",
            "submitter_id": organization.slug.upper().replace("-", "")[:15],
            "receiver_id": "DEMOCLEARHOUSE",
        },
    )


def seed_coverage(
    *, organization: Organization, clients: list[Client], verified_by: User | None, today: dt.date, report
) -> None:
    """A primary coverage and a verification for every client that has none yet (and the
    organization's interoperability settings, so its requests download as 278s)."""
    _ensure_interop_settings(organization)
    payers = _ensure_payers(report)
    covered = set(Coverage.objects.values_list("client_id", flat=True))
    now = timezone.now()
    for index, client in enumerate(sorted(clients, key=lambda c: (c.last_name, c.first_name, str(c.pk)))):
        if client.pk in covered:
            continue
        payer, plan = payers[index % len(payers)]
        spec = PAYERS[index % len(PAYERS)]
        on_partners_plan = index == 0
        partner = "Morgan"
        coverage = Coverage.objects.create(
            organization=organization,
            client=client,
            payer=payer,
            plan=plan,
            member_id=f"{spec.member_prefix}{700000 + index * 137:07d}",
            group_number=f"G{4100 + index % 7}",
            subscriber_name=f"{partner if on_partners_plan else client.first_name} {client.last_name}",
            subscriber_relationship=SubscriberRelationship.SPOUSE if on_partners_plan else SubscriberRelationship.SELF,
            effective_from=dt.date(today.year - 1, 1, 1),
        )
        # Most were verified in the last three weeks; every seventh more than 30 days ago.
        days_ago = 34 + index % 9 if index % 7 == 3 else 2 + (index * 5) % 19
        if on_partners_plan:
            verified_at = now - dt.timedelta(days=days_ago, hours=index % 5)
            raw = _spouse_271(
                coverage=coverage,
                client=client,
                partner=partner,
                spec=spec,
                day=verified_at.astimezone(organization.tzinfo).date(),
            )
            verification_import_271(coverage=coverage, raw=raw, actor=verified_by, now=verified_at)
            report.add("coverage")
            report.add("benefit verification")
            continue
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


# --- Authorizations ------------------------------------------------------------------------------


def _days_to_end(index: int) -> int:
    """Days from today to the end of the index-th client's authorization: the first ends in 5
    days (the chase has work), the others spread over the next one to three weeks."""
    return 5 if index == 0 else 8 + (index * 5) % 14


DIAGNOSES = {"sud": ("F10.20", "Alcohol dependence, uncomplicated"), "couples": ("F43.23", "Adjustment disorder")}
DEFAULT_DIAGNOSIS = ("F33.1", "Major depressive disorder, recurrent, moderate")


def _program_code(program_name: str) -> str:
    return "H0015" if "SUD" in program_name else "S9480"


def _diagnosis(program_name: str) -> tuple[str, str]:
    if "SUD" in program_name:
        return DIAGNOSES["sud"]
    if "Couples" in program_name:
        return DIAGNOSES["couples"]
    return DEFAULT_DIAGNOSIS


def _weekdays(start: dt.date, end: dt.date) -> int:
    return sum(1 for i in range((end - start).days + 1) if (start + dt.timedelta(days=i)).weekday() < 5)


def seed_authorization_history(
    *, organization: Organization, episodes: list, actor: User | None, today: dt.date, report
) -> Episode | None:
    """Each active client's current authorization (a per-diem program code from admission to a
    date ahead), as the intake team obtained it: request, diagnosis, line, determination. The most
    recently admitted client is still waiting for the payer's decision on their initial request
    (so their attended days show as unauthorized, and the decision is overdue). Returns that
    client's episode."""
    if AuthorizationRequest.objects.exists():
        return None
    coverages = {c.client_id: c for c in Coverage.objects.filter(client_id__in=[e.client_id for e in episodes])}
    active = sorted(
        (e for e in episodes if e.admission_date and e.client_id in coverages),
        key=lambda e: (e.client.last_name, e.client.first_name, str(e.pk)),
    )
    if not active:
        return None
    waiting = max(active, key=lambda e: (e.admission_date, e.client.last_name, e.client.first_name))
    midday = dt.time(14)
    for index, episode in enumerate(e for e in active if e is not waiting):
        start = episode.admission_date
        end = today + dt.timedelta(days=_days_to_end(index))
        code = _program_code(episode.program.name)
        units = _weekdays(start, end)
        # The second client's payer approved a week less than asked (a partial approval, A2).
        partial = index == 1
        asked_end = end + dt.timedelta(days=7) if partial else end
        asked_units = _weekdays(start, asked_end)
        submitted = organization.local_datetime(start - dt.timedelta(days=3), dt.time(10))
        request = AuthorizationRequest.objects.create(
            organization=organization,
            episode=episode,
            coverage=coverages[episode.client_id],
            status=RequestStatus.DETERMINED,
            start_date=start,
            end_date=asked_end,
            why_not_lower_level="Weekly outpatient therapy did not contain the symptoms; functioning kept declining.",
            why_not_higher_level="No imminent risk; safe at home with support; no medical monitoring needed.",
            clinical_summary="Admitted to IOP after intake assessment.",
            channel=SubmissionChannel.PORTAL,
            payer_reference=f"PR-{start:%m%d}-{index:03d}",
            submitted_at=submitted,
            submitted_by=actor,
            decision_due_at=submitted + dt.timedelta(days=7),
            created_by=actor,
        )
        diagnosis_code, diagnosis_text = _diagnosis(episode.program.name)
        Diagnosis.objects.create(request=request, code=diagnosis_code, description=diagnosis_text, sequence=1)
        asked = [
            ServiceLine.objects.create(
                request=request,
                track=ServiceTrack.PROGRAM,
                code_system="hcpcs",
                code=code,
                description="Intensive outpatient program, per diem",
                unit_type=UnitType.PER_DIEM,
                units=1,
                frequency_per_week=Decimal("5"),
                start_date=start,
                end_date=asked_end,
                estimated_sessions=asked_units,
                unit_rate=FEES[code],
                projected_cost=FEES[code] * asked_units,
            )
        ]
        if index == 0:
            # The first client's request itemized group and individual therapy too, approved line by line: group
            # at the pace the schedule books it (about two sessions a program day), individual weekly.
            weeks = -(-((end - start).days + 1) // 7)
            for track, line_code, description, per_week in (
                (ServiceTrack.GROUP, "90853", "Group psychotherapy", 10),
                (ServiceTrack.INDIVIDUAL, "90834", "Psychotherapy, 45 minutes", 1),
            ):
                asked.append(
                    ServiceLine.objects.create(
                        request=request,
                        track=track,
                        code_system="cpt",
                        code=line_code,
                        description=description,
                        unit_type=UnitType.PER_SESSION,
                        units=1,
                        frequency_per_week=Decimal(per_week),
                        start_date=start,
                        end_date=end,
                        estimated_sessions=per_week * weeks,
                        unit_rate=FEES[line_code],
                        projected_cost=FEES[line_code] * per_week * weeks,
                    )
                )
        determination = Determination.objects.create(
            request=request,
            action=DeterminationAction.PARTIAL if partial else DeterminationAction.CERTIFIED,
            authorization_number=f"A{start:%y%m%d}{index:03d}",
            approved_code=code,
            approved_units=units,
            unit_type=UnitType.PER_DIEM,
            start_date=start,
            end_date=end,
            reason="Approved through the next review; extend with the updated PHQ-9." if partial else "",
            next_review_date=min(end, today + dt.timedelta(days=2 + index % 5)),
            decided_at=organization.local_datetime(start - dt.timedelta(days=1), midday),
            recorded_by=actor,
        )
        authorization = Authorization.objects.create(
            episode=episode,
            coverage=coverages[episode.client_id],
            determination=determination,
            number=determination.authorization_number,
            code=code,
            unit_type=UnitType.PER_DIEM,
            units_authorized=units,
            start_date=start,
            end_date=end,
            next_review_date=determination.next_review_date,
        )
        for line in asked:
            approved_units = units if line.code == code else line.estimated_sessions
            AuthorizationLine.objects.create(
                authorization=authorization,
                determination=determination,
                service_line=line,
                status=AuthorizationLineStatus.PARTIAL if partial else AuthorizationLineStatus.CERTIFIED,
                code_system=line.code_system,
                code=line.code,
                unit_type=line.unit_type,
                units_authorized=approved_units,
                frequency_per_week=line.frequency_per_week,
                start_date=start,
                end_date=end,
                units_requested=line.units * line.estimated_sessions,
                requested_end_date=line.end_date,
            )
        authorization_summary_sync(authorization=authorization)
        report.add("authorization")
        if partial:
            report.add("partial approval")
        if len(asked) > 1:
            report.add("authorization with several lines")
    submitted = organization.local_datetime(waiting.admission_date - dt.timedelta(days=2), dt.time(11))
    pending = AuthorizationRequest.objects.create(
        organization=organization,
        episode=waiting,
        coverage=coverages[waiting.client_id],
        status=RequestStatus.SUBMITTED,
        start_date=waiting.admission_date,
        end_date=waiting.admission_date + dt.timedelta(days=13),
        why_not_lower_level="Outpatient therapy twice a week was not enough to stabilise mood and sleep.",
        why_not_higher_level="No safety concerns requiring partial hospitalization.",
        channel=SubmissionChannel.FAX,
        submitted_at=submitted,
        submitted_by=actor,
        decision_due_at=submitted + dt.timedelta(days=7),
        created_by=actor,
    )
    code, text = _diagnosis(waiting.program.name)
    Diagnosis.objects.create(request=pending, code=code, description=text, sequence=1)
    report.add("authorization request awaiting a decision")
    return waiting


def seed_authorization_cases(*, organization: Organization, actor: User | None, now: dt.datetime, report) -> None:
    """Once attendance exists: one authorization nearly used up, the renewal of the one ending in
    5 days submitted and pended by the payer, and a couple's combined packet in draft — through
    the same services the intake team uses."""
    if AuthorizationRequest.objects.filter(certification_type=CertificationType.RENEWAL).exists():
        return
    today = organization.local_today(now)
    active = list(
        Authorization.objects.filter(status=AuthorizationStatus.ACTIVE, end_date__gte=today)
        .select_related("episode__client", "episode__program", "coverage")
        .order_by("end_date", "pk")
    )
    if not active:
        return
    loaded = units_load(active, organization=organization, now=now)
    expiring, longest = active[0], active[-1]
    # Nearly exhausted: one day left on the program line of the authorization with the longest window.
    program = next(line for line in longest.lines.all() if line.code == longest.code)
    program.units_authorized = loaded.by_line[program.pk].used + 1
    program.save(update_fields=["units_authorized"])
    authorization_summary_sync(authorization=longest)
    report.add("authorization nearly used up")

    # The renewal of the authorization ending soonest: submitted, and the payer wants more.
    renewal = request_create(
        episode=expiring.episode,
        coverage=expiring.coverage,
        actor=actor,
        start_date=expiring.end_date + dt.timedelta(days=1),
        certification_type=CertificationType.RENEWAL,
    )
    diagnosis_code, diagnosis_text = _diagnosis(expiring.episode.program.name)
    diagnosis_add(request=renewal, code=diagnosis_code, description=diagnosis_text, actor=actor)
    request_update(
        request=renewal,
        data={
            "why_not_lower_level": "Attends three days a week; still needs structured daily coping practice.",
            "why_not_higher_level": "Stable at home; no safety concerns; no need for daily medical monitoring.",
        },
        actor=actor,
    )
    request_mark_ready(request=renewal, actor=actor)
    submitted_at = now - dt.timedelta(days=2)
    request_submit(request=renewal, channel="portal", payer_reference="PR-RENEW-01", actor=actor, now=submitted_at)
    request_pend(
        request=renewal,
        information_requested="Updated PHQ-9 and the attendance of the last two weeks.",
        information_due=today + dt.timedelta(days=2),
        actor=actor,
        now=now,
    )
    report.add("pended renewal request")

    # A couple's combined packet, in draft: both partners on their own coverage.
    for couple in Couple.objects.filter(ended_on__isnull=True).select_related("partner_a", "partner_b"):
        coverages = {c.client_id: c for c in Coverage.objects.filter(client__in=[couple.partner_a, couple.partner_b])}
        if len(coverages) < 2:
            continue
        try:
            packet_create(
                couple=couple,
                coverages=coverages,
                joint_goals="Communication skills; relapse prevention together; couples therapy weekly.",
                actor=actor,
            )
        except ApplicationError:
            continue  # a partner without an open episode: not this couple
        report.add("couple's request packet")
        break

    # This morning's chase, as the job would have run it (before 07:00 local: yesterday's).
    morning = now if now >= organization.local_datetime(today, CHASE_TIME) else now - dt.timedelta(days=1)
    if tasks := authorizations_chase(organization=organization, now=morning):
        report.add("chase task", len(tasks))
