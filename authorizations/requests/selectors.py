"""Reads for pre-authorization requests and packets. Each selector owns its joins, so a request
page costs the same number of queries with 2 lines as with 20, and a list the same for 5 rows as
for 500."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from django.db.models import Prefetch, Q, QuerySet

from authorizations.codes import service_codes
from authorizations.coverage.selectors import latest_verifications_by_coverage
from authorizations.models import (
    Answer,
    Authorization,
    AuthorizationRequest,
    BenefitVerification,
    Coverage,
    Determination,
    FeeScheduleEntry,
    PayerRule,
    RequestAttachment,
    RequestPacket,
    ServiceCode,
    ServiceLine,
    ServiceTrack,
)
from authorizations.selectors import in_effect_on, latest_in_effect, rules_for_coverage
from iop.clients.models import OPEN_EPISODE_STATUSES, Client, Couple, Episode, TreatmentPlan
from iop.common.dates import date_full
from iop.tenancy.models import Organization


def _requests() -> QuerySet[AuthorizationRequest]:
    # Five tables joined, the rest prefetched: under RLS each further table joined multiplied the
    # planning. The request page's one query of thirteen tables took ~22 ms to plan for 0.6 ms to
    # run (bench/README.md, "EXPLAIN ANALYZE"); a prefetch of one key is a cheap plan, and none is
    # run for an empty key (no packet, not submitted). Organization: see the selectors below.
    return AuthorizationRequest.objects.select_related(
        "episode__client",
        "episode__program",
        "coverage__payer",
    ).prefetch_related(
        "episode__treatment_plan",
        "coverage__plan",
        "packet__couple",
        "created_by",
        "submitted_by",
        "diagnoses",
        "lines",
        Prefetch("attachments", queryset=RequestAttachment.objects.select_related("uploaded_by")),
        Prefetch(
            "determinations",
            queryset=Determination.objects.select_related("recorded_by", "authorization").order_by("-decided_at"),
        ),
        "determinations__approved_lines",
    )


def request_list(*, organization: Organization, status: str = "", client_id=None) -> QuerySet[AuthorizationRequest]:
    """Requests with everything the API shows of them (diagnoses, lines, determinations)."""
    qs = _requests().filter(organization=organization).prefetch_related("organization")
    if status:
        qs = qs.filter(status=status)
    if client_id:
        qs = qs.filter(episode__client_id=client_id)
    return qs


def request_get(*, organization: Organization, request_id) -> AuthorizationRequest | None:
    request = _requests().filter(organization=organization, pk=request_id).first()
    if request is not None:
        request.organization = organization  # the one it was found in: no join, no query
    return request


def _packets() -> QuerySet[RequestPacket]:
    return RequestPacket.objects.select_related(
        "couple__partner_a", "couple__partner_b", "couple__identified_patient", "created_by"
    ).prefetch_related(
        Prefetch(
            "requests",
            queryset=_requests()
            .prefetch_related("organization")
            .order_by("episode__client__last_name", "episode__client__first_name", "pk"),
        )
    )


def packet_list(*, organization: Organization) -> QuerySet[RequestPacket]:
    return _packets().filter(organization=organization)


def packet_get(*, organization: Organization, packet_id) -> RequestPacket | None:
    return _packets().filter(organization=organization, pk=packet_id).first()


def determination_list(*, organization: Organization) -> QuerySet[Determination]:
    return (
        Determination.objects.filter(organization=organization)
        .select_related("request__episode", "recorded_by", "authorization")
        .prefetch_related("approved_lines")
    )


@dataclass(frozen=True)
class RequestView:
    """A request with what its page shows: the checks and the totals."""

    request: AuthorizationRequest
    check: RequestCheck
    totals: Totals

    @property
    def client(self) -> Client:
        return self.request.episode.client


def request_views(requests: list[AuthorizationRequest]) -> list[RequestView]:
    """The requests (loaded by `request_get`/`packet_get`) with their checks: three queries for any
    number of them (payer rules, latest verifications, open couples)."""
    if not requests:
        return []
    payer_ids = {r.coverage.payer_id for r in requests}
    rules_by_payer = defaultdict(list)
    for rule in PayerRule.objects.filter(payer_id__in=payer_ids):
        rules_by_payer[rule.payer_id].append(rule)
    latest = latest_verifications_by_coverage({r.coverage_id for r in requests})
    client_ids = {r.episode.client_id for r in requests}
    couples = {}
    for couple in Couple.objects.filter(
        Q(partner_a_id__in=client_ids) | Q(partner_b_id__in=client_ids), ended_on__isnull=True
    ):
        couples[couple.partner_a_id] = couple
        couples[couple.partner_b_id] = couple
    views = []
    for request in requests:
        check = request_check(
            request=request,
            rules=rules_by_payer[request.coverage.payer_id],
            verification=latest.get(request.coverage_id),
            couple=couples.get(request.episode.client_id),
        )
        views.append(RequestView(request=request, check=check, totals=request_totals(list(request.lines.all()))))
    return views


def client_requests(*, client: Client) -> list[AuthorizationRequest]:
    """A client's requests, newest first, for the client page (one query)."""
    return list(
        AuthorizationRequest.objects.filter(episode__client=client)
        .select_related("coverage__payer", "packet")
        .order_by("-created_at")
    )


def fee_for(*, fees: list[FeeScheduleEntry], payer_id, code: str, on: dt.date) -> FeeScheduleEntry | None:
    """The fee in effect on `on` for the payer and code, from preloaded entries (no query)."""
    return latest_in_effect((f for f in fees if f.payer_id == payer_id and f.code == code), on)


def open_episode_of(client: Client) -> Episode | None:
    """The client's open episode of care (there is at most one), with what a request is built from."""
    return (
        Episode.objects.filter(client=client, status__in=OPEN_EPISODE_STATUSES)
        .select_related("program", "treatment_plan", "organization", "client")
        .first()
    )


# The default code per track (group psychotherapy, 45-minute individual psychotherapy, family
# psychotherapy with the patient present for couples, group counselling for SUD, an established-patient
# visit for medication management, the diagnostic evaluation for assessment), taken from the
# organization's code list when it has it, else the first active code it lists for the track.
DEFAULT_CODE_BY_TRACK: dict[str, str] = {  # keyed by plain str: a track comes from the database as one
    ServiceTrack.GROUP: "90853",
    ServiceTrack.INDIVIDUAL: "90834",
    ServiceTrack.COUPLES: "90847",
    ServiceTrack.SUD_COUNSELING: "H0005",
    ServiceTrack.MEDICATION_MANAGEMENT: "99213",
    ServiceTrack.ASSESSMENT: "90791",
}


# --- Reads the services need -----------------------------------------------------------------------


def rule_in_effect(
    *, coverage: Coverage, rules: Iterable[PayerRule], level_of_care: str, on: dt.date
) -> PayerRule | None:
    """The payer's rule for the coverage (its plan's, else the payer's general one) in effect on
    `on`: the latest-starting one. From preloaded rules, no query."""
    return latest_in_effect(rules_for_coverage(coverage, list(rules), level_of_care), on)


def rules_of(coverage: Coverage) -> list[PayerRule]:
    return list(PayerRule.objects.filter(payer_id=coverage.payer_id))


def fees_of(payer_id, codes: Iterable[str]) -> list[FeeScheduleEntry]:
    codes = sorted(set(codes))
    return list(FeeScheduleEntry.objects.filter(payer_id=payer_id, code__in=codes)) if codes else []


def codes_by_value(organization: Organization) -> dict[str, ServiceCode]:
    return {c.code: c for c in service_codes(organization=organization)}


def default_code_for(track: str, codes: dict[str, ServiceCode]) -> ServiceCode | None:
    preferred = codes.get(DEFAULT_CODE_BY_TRACK.get(track, ""))
    if preferred is not None and preferred.track == track:
        return preferred
    return next((c for c in codes.values() if c.track == track), None)


def open_couple_of(client: Client) -> Couple | None:
    return (
        Couple.objects.filter(Q(partner_a=client) | Q(partner_b=client), ended_on__isnull=True)
        .select_related("partner_a", "partner_b", "identified_patient")
        .first()
    )


def plan_of(episode: Episode) -> TreatmentPlan | None:
    try:
        return episode.treatment_plan
    except TreatmentPlan.DoesNotExist:
        return None


def coverage_covers(coverage: Coverage, day: dt.date) -> bool:
    return in_effect_on(coverage, day)


def coverage_window_text(coverage: Coverage) -> str:
    if coverage.effective_to is None:
        return f"from {date_full(coverage.effective_from)}, open-ended"
    return f"from {date_full(coverage.effective_from)} to {date_full(coverage.effective_to)}"


@dataclass(frozen=True)
class Totals:
    sessions: int
    units: int
    projected_cost: Decimal
    lines_without_fee: int

    @property
    def complete(self) -> bool:
        return self.lines_without_fee == 0


def request_totals(lines: Sequence[ServiceLine]) -> Totals:
    """The request's totals from its (loaded) lines: sessions, units (sessions × units a line) and
    projected cost; lines without a fee are left out of the cost and counted."""
    return Totals(
        sessions=sum(line.estimated_sessions for line in lines),
        units=sum(line.estimated_sessions * line.units for line in lines),
        projected_cost=sum((line.projected_cost for line in lines if line.projected_cost is not None), Decimal("0.00")),
        lines_without_fee=sum(1 for line in lines if line.projected_cost is None),
    )


# --- Checks ---------------------------------------------------------------------------------------


@dataclass
class RequestCheck:
    """Missing items (they block `ready`) and warnings (shown, never blocking)."""

    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _loaded(request: AuthorizationRequest, name: str) -> list:
    cache = getattr(request, "_prefetched_objects_cache", {})
    return list(cache[name]) if name in cache else list(getattr(request, name).all())


def request_check(
    *,
    request: AuthorizationRequest,
    rules: list[PayerRule] | None = None,
    verification: BenefitVerification | None | Literal[False] = False,
    couple: Couple | None | Literal[False] = False,
) -> RequestCheck:
    """Every missing item of the request per the payer's rule, in one list, each a sentence.
    `rules`, `verification` and `couple` may be passed preloaded (a page of several requests);
    otherwise they are read here (three queries)."""
    coverage, episode = request.coverage, request.episode
    rules = rules_of(coverage) if rules is None else rules
    if verification is False:
        verification = latest_verifications_by_coverage([coverage.pk]).get(coverage.pk)
    if couple is False:
        couple = open_couple_of(episode.client)
    diagnoses = _loaded(request, "diagnoses")
    lines = _loaded(request, "lines")
    rule = rule_in_effect(coverage=coverage, rules=rules, level_of_care=request.level_of_care, on=request.start_date)
    payer = coverage.payer.name
    check = RequestCheck()
    problems, warnings = check.problems, check.warnings

    if episode.status not in OPEN_EPISODE_STATUSES:
        problems.append(
            f"The episode of care is {episode.get_status_display().lower()}: requests are for open episodes."
        )
    if not any(d.sequence == 1 for d in diagnoses):
        problems.append("Add the primary ICD-10-CM diagnosis.")
    if not lines:
        problems.append("Add at least one service line.")
    if not request.why_not_lower_level.strip():
        problems.append("Explain why a lower level of care is not enough.")
    if not request.why_not_higher_level.strip():
        problems.append("Explain why a higher level of care is not needed.")
    if not request.clinical_summary.strip():
        problems.append("Add a clinical summary (symptoms, risk, functioning and the treatment goals).")
    if not coverage.member_id.strip():
        problems.append(f"The {payer} coverage has no member id: add it to the coverage.")
    if not (coverage_covers(coverage, request.start_date) and coverage_covers(coverage, request.end_date)):
        problems.append(
            f"The requested dates ({date_full(request.start_date)} to {date_full(request.end_date)}) fall outside the "
            f"{payer} coverage ({coverage_window_text(coverage)})."
        )
    for line in lines:
        if line.start_date < request.start_date or line.end_date > request.end_date:
            problems.append(f"The {line.code} line's dates fall outside the request's dates.")
    if rule is not None:
        problems.extend(_group_hours_problems(request, lines, rule, payer))
    else:
        warnings.append(
            f"No {payer} rule for {request.get_level_of_care_display()} is on file for "
            f"{date_full(request.start_date)}: "
            "weekly hours cannot be checked and the decision due date will not be set."
        )
    couples_lines = [line for line in lines if line.track == ServiceTrack.COUPLES]
    if couples_lines:
        code = couples_lines[0].code
        if couple is None:
            problems.append(
                f"The couples-therapy line ({code}) needs the client to be in a couple: record the couple, "
                "or remove the line."
            )
        elif couple.identified_patient_id != episode.client_id:
            problems.append(
                f"Couples therapy ({code}) is coded on the identified patient only: this client is not the "
                "couple's identified patient, so remove the line from this request."
            )
    if request.packet is not None and not request.packet.joint_goals.strip():  # no query when there is no packet
        problems.append("Add the couple's joint treatment goals to the packet.")
    if verification is None:
        warnings.append(f"No benefit verification is on file for the {payer} coverage.")
    elif verification.authorization_required == Answer.NO:
        # The day it was verified there (an evening call in New York is already tomorrow in UTC).
        verified_on = verification.verified_at.astimezone(request.organization.tzinfo).date()
        warnings.append(
            f"The latest benefit verification ({date_full(verified_on)}) says {payer} does not "
            "require authorization for this care: check before submitting."
        )
    for line in lines:
        if line.projected_cost is None:
            warnings.append(f"No {payer} fee on file for {line.code}: its cost is not projected.")
    return check


def _group_hours_problems(request, lines, rule: PayerRule, payer: str) -> list[str]:
    """Group lines' weekly hours and days against the payer's minimum. A group session lasts the
    treatment plan's weekly hours divided by its days (the plan's program day); a program per-diem
    line (S9480, revenue 0905…) is that whole program day, so it counts the same way."""
    group = [line for line in lines if line.track in (ServiceTrack.GROUP, ServiceTrack.PROGRAM)]
    plan = plan_of(request.episode)
    if not group:
        return [
            f"{payer} requires {rule.min_hours_per_week} h a week of IOP: add the group therapy line "
            "(the request has none)."
        ]
    if plan is None or not plan.required_days_per_week:
        return ["The episode has no treatment plan with days a week: group hours cannot be counted."]
    tracks = {line.track for line in group}
    which = {
        frozenset({ServiceTrack.GROUP}): "Group lines",
        frozenset({ServiceTrack.PROGRAM}): "Program-day lines",
    }.get(frozenset(tracks), "Group and program-day lines")
    per_session = Decimal(plan.required_hours_per_week) / plan.required_days_per_week
    sessions = sum((Decimal(line.frequency_per_week) for line in group), Decimal(0))
    weekly = (sessions * per_session).quantize(Decimal("0.1"))
    problems = []
    if weekly < rule.min_hours_per_week:
        problems.append(
            f"{which} schedule {weekly} h a week ({sessions.normalize():f} sessions of "
            f"{per_session.quantize(Decimal('0.1'))} h); {payer} requires at least {rule.min_hours_per_week} h."
        )
    if sessions < rule.min_days_per_week:
        problems.append(
            f"{which} meet {sessions.normalize():f} days a week; {payer} requires at least "
            f"{rule.min_days_per_week} days."
        )
    return problems


def request_validate(*, request: AuthorizationRequest) -> list[str]:
    """Every missing item that blocks submission, each a clear sentence (empty: ready to go)."""
    return request_check(request=request).problems


def determination_authorization(determination: Determination) -> Authorization | None:
    """The authorization a determination approved: the one it created, or the one whose lines it
    added (a renewal that extended the prior authorization under its number). None for a pend,
    denial or cancellation. One query."""
    return (
        Authorization.objects.filter(organization_id=determination.organization_id)
        .filter(Q(determination_id=determination.pk) | Q(lines__determination_id=determination.pk))
        .distinct()
        .first()
    )


def request_message_recipients(request: AuthorizationRequest) -> list[Client]:
    """Who hears about a request's decision: its client and, for a couple's packet, the other
    partner (each on their own consented channel)."""
    client = request.episode.client
    if request.packet is None:
        return [client]
    return [client, request.packet.couple.partner_of(client)]
