"""Writes for pre-authorization requests: building a request from the episode's treatment plan,
its diagnoses and itemized service lines, the checks before submission, the status workflow
(draft → ready → submitted → pended → determined), the payer's determinations (an approval
creates the Authorization and tells the client and the staff), and a couple's combined packet.

Every function is keyword-only, runs in one transaction and says no through `refuse` with an
`AuthorizationsErrorCode`, naming the field it is about (`{"__all__": [...]}` for a list of missing items).
No payer number is a constant here: decision clocks, initial authorization length, weekly hours
and fees all come from the payer's effective-dated rows.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from authorizations.codes import icd10_normalize, service_codes
from authorizations.coverage.selectors import latest_verifications_by_coverage
from authorizations.errors import AuthorizationsErrorCode
from authorizations.models import (
    APPROVING_ACTIONS,
    Answer,
    Authorization,
    AuthorizationRequest,
    BenefitVerification,
    CertificationType,
    Coverage,
    Determination,
    DeterminationAction,
    Diagnosis,
    FeeScheduleEntry,
    PayerRule,
    RequestAttachment,
    RequestPacket,
    RequestStatus,
    ServiceCode,
    ServiceLine,
    ServiceTrack,
    SubmissionChannel,
    UnitType,
    Urgency,
)
from authorizations.selectors import fee_for, in_effect_on, latest_in_effect, open_episode_of, rules_for_coverage
from authorizations.tasks import approval_message_send
from authorizations.units.services import chase_tasks_close, unauthorized_days_resolve
from iop.clients.models import OPEN_EPISODE_STATUSES, Client, Couple, Episode, ReminderChannel, TreatmentPlan
from iop.common.exceptions import ApplicationError, refuse
from iop.notifications.models import OutboundMessage, OutboundStatus
from iop.notifications.services import Notice, message_send, notices_send
from iop.tenancy.models import Membership, Organization, Role

logger = logging.getLogger(__name__)

# --- Constants of the software (not of any payer) --------------------------------------------------

# When the payer has no rule on file: the request asks for two weeks.
DEFAULT_REQUEST_DAYS = 14
# X12 278 HI carries at most 12 diagnoses.
MAX_DIAGNOSES = 12
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
EDITABLE_STATUSES = (RequestStatus.DRAFT, RequestStatus.READY)
DECIDABLE_STATUSES = (RequestStatus.SUBMITTED, RequestStatus.PENDED)

# The default code per track (group psychotherapy, 45-minute individual psychotherapy, family
# psychotherapy with the patient present for couples, group counselling for SUD, an established-patient
# visit for medication management, the diagnostic evaluation for assessment), taken from the
# organization's code list when it has it, else the first active code it lists for the track.
DEFAULT_CODE_BY_TRACK = {
    ServiceTrack.GROUP: "90853",
    ServiceTrack.INDIVIDUAL: "90834",
    ServiceTrack.COUPLES: "90847",
    ServiceTrack.SUD_COUNSELING: "H0005",
    ServiceTrack.MEDICATION_MANAGEMENT: "99213",
    ServiceTrack.ASSESSMENT: "90791",
}
# Sessions a week a new request asks for, per track (group: the plan's days a week). Staff edit
# the lines afterwards; these only start the draft.
_DEFAULT_FREQUENCY = {
    ServiceTrack.INDIVIDUAL: Decimal("1"),
    ServiceTrack.COUPLES: Decimal("1"),
    ServiceTrack.SUD_COUNSELING: Decimal("1"),
    ServiceTrack.MEDICATION_MANAGEMENT: Decimal("0.5"),  # every other week
}
# Units that count once per occurrence (an evaluation, an instrument) rather than per session.
ONCE_UNIT_TYPES = (UnitType.PER_EVALUATION, UnitType.PER_INSTRUMENT)

OTHER_COMPONENTS = {
    "stay": "Stay (supportive housing while in the program)",
    "meals": "Meals on program days",
    "medical_visits": "Medical visits",
    "sober_activities": "Sober activities",
    "transportation": "Transportation to sessions",
}

# Attachments: what a payer accepts (PDF, images, Word), recognised by their first bytes.
ATTACHMENT_TYPES = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".tif": ("image/tiff", (b"II*\x00", b"MM\x00*")),
    ".tiff": ("image/tiff", (b"II*\x00", b"MM\x00*")),
    ".docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (b"PK\x03\x04",),
    ),
}

CLIENT_ADDRESS_FIELD = {ReminderChannel.EMAIL: "email", ReminderChannel.SMS: "phone"}


def _d(value: dt.date) -> str:
    return f"{value:%b} {value.day}, {value.year}"


# --- Reads the services need -----------------------------------------------------------------------


def rule_in_effect(
    *, coverage: Coverage, rules: Iterable[PayerRule], level_of_care: str, on: dt.date
) -> PayerRule | None:
    """The payer's rule for the coverage (its plan's, else the payer's general one) in effect on
    `on`: the latest-starting one. From preloaded rules, no query."""
    return latest_in_effect(rules_for_coverage(coverage, list(rules), level_of_care), on)


def _rules_of(coverage: Coverage) -> list[PayerRule]:
    return list(PayerRule.objects.filter(payer_id=coverage.payer_id))


def _fees_of(payer_id, codes: Iterable[str]) -> list[FeeScheduleEntry]:
    codes = sorted(set(codes))
    return list(FeeScheduleEntry.objects.filter(payer_id=payer_id, code__in=codes)) if codes else []


def _codes_by_value(organization: Organization) -> dict[str, ServiceCode]:
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


def _plan_of(episode: Episode) -> TreatmentPlan | None:
    try:
        return episode.treatment_plan
    except TreatmentPlan.DoesNotExist:
        return None


def _covers(coverage: Coverage, day: dt.date) -> bool:
    return in_effect_on(coverage, day)


def _coverage_window(coverage: Coverage) -> str:
    if coverage.effective_to is None:
        return f"from {_d(coverage.effective_from)}, open-ended"
    return f"from {_d(coverage.effective_from)} to {_d(coverage.effective_to)}"


# --- Lines: sessions and cost ----------------------------------------------------------------------


def estimated_sessions_for(*, unit_type: str, frequency_per_week: Decimal, start: dt.date, end: dt.date) -> int:
    """How many times the service happens in the window: `ceil(frequency × days / 7)`, at least 1,
    for sessions, days and 15-minute services — and for evaluations and instruments (their units
    count per occurrence) when the line spans more than one week and a frequency is given (an
    instrument repeated weekly); otherwise an evaluation or instrument happens once (an intake
    assessment on its one day)."""
    days = (end - start).days + 1
    frequency = Decimal(frequency_per_week or 0)
    if unit_type in ONCE_UNIT_TYPES and (days <= 7 or frequency <= 0):
        return 1
    return max(1, math.ceil(frequency * days / 7))


def projected_cost_for(*, sessions: int, units: int, unit_rate: Decimal | None) -> Decimal | None:
    """`sessions × units × rate`; None when the payer has no fee on file for the code."""
    if unit_rate is None:
        return None
    return (Decimal(sessions) * units * unit_rate).quantize(Decimal("0.01"))


def _line_compute(line: ServiceLine, *, payer_id, fees: list[FeeScheduleEntry]) -> ServiceLine:
    line.estimated_sessions = estimated_sessions_for(
        unit_type=line.unit_type, frequency_per_week=line.frequency_per_week, start=line.start_date, end=line.end_date
    )
    fee = fee_for(fees=fees, payer_id=payer_id, code=line.code, on=line.start_date)
    line.unit_rate = fee.rate if fee is not None else None
    line.projected_cost = projected_cost_for(
        sessions=line.estimated_sessions, units=line.units, unit_rate=line.unit_rate
    )
    return line


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
    verification: BenefitVerification | None | bool = False,
    couple: Couple | None | bool = False,
) -> RequestCheck:
    """Every missing item of the request per the payer's rule, in one list, each a sentence.
    `rules`, `verification` and `couple` may be passed preloaded (a page of several requests);
    otherwise they are read here (three queries)."""
    coverage, episode = request.coverage, request.episode
    rules = _rules_of(coverage) if rules is None else rules
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
    if not (_covers(coverage, request.start_date) and _covers(coverage, request.end_date)):
        problems.append(
            f"The requested dates ({_d(request.start_date)} to {_d(request.end_date)}) fall outside the "
            f"{payer} coverage ({_coverage_window(coverage)})."
        )
    for line in lines:
        if line.start_date < request.start_date or line.end_date > request.end_date:
            problems.append(f"The {line.code} line's dates fall outside the request's dates.")
    if rule is not None:
        problems.extend(_group_hours_problems(request, lines, rule, payer))
    else:
        warnings.append(
            f"No {payer} rule for {request.get_level_of_care_display()} is on file for {_d(request.start_date)}: "
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
    if request.packet_id is not None and not request.packet.joint_goals.strip():
        problems.append("Add the couple's joint treatment goals to the packet.")
    if verification is None:
        warnings.append(f"No benefit verification is on file for the {payer} coverage.")
    elif verification.authorization_required == Answer.NO:
        # The day it was verified there (an evening call in New York is already tomorrow in UTC).
        verified_on = verification.verified_at.astimezone(request.organization.tzinfo).date()
        warnings.append(
            f"The latest benefit verification ({_d(verified_on)}) says {payer} does not "
            "require authorization for this care: check before submitting."
        )
    for line in lines:
        if line.projected_cost is None:
            warnings.append(f"No {payer} fee on file for {line.code}: its cost is not projected.")
    return check


def _group_hours_problems(request, lines, rule: PayerRule, payer: str) -> list[str]:
    """Group lines' weekly hours and days against the payer's minimum. A group session lasts the
    treatment plan's weekly hours divided by its days (the plan's program day)."""
    group = [line for line in lines if line.track == ServiceTrack.GROUP]
    plan = _plan_of(request.episode)
    if not group:
        return [
            f"{payer} requires {rule.min_hours_per_week} h a week of IOP: add the group therapy line "
            "(the request has none)."
        ]
    if plan is None or not plan.required_days_per_week:
        return ["The episode has no treatment plan with days a week: group hours cannot be counted."]
    per_session = Decimal(plan.required_hours_per_week) / plan.required_days_per_week
    sessions = sum(Decimal(line.frequency_per_week) for line in group)
    weekly = (sessions * per_session).quantize(Decimal("0.1"))
    problems = []
    if weekly < rule.min_hours_per_week:
        problems.append(
            f"Group lines schedule {weekly} h a week ({sessions.normalize():f} sessions of "
            f"{per_session.quantize(Decimal('0.1'))} h); {payer} requires at least {rule.min_hours_per_week} h."
        )
    if sessions < rule.min_days_per_week:
        problems.append(
            f"Group lines meet {sessions.normalize():f} days a week; {payer} requires at least "
            f"{rule.min_days_per_week} days."
        )
    return problems


def request_validate(*, request: AuthorizationRequest) -> list[str]:
    """Every missing item that blocks submission, each a clear sentence (empty: ready to go)."""
    return request_check(request=request).problems


# --- Creating a request ------------------------------------------------------------------------------


def _locked(request: AuthorizationRequest) -> AuthorizationRequest:
    """The request row locked for the rest of the transaction (one status change at a time), with
    what the services read of it."""
    locked = (
        AuthorizationRequest.objects.select_for_update(of=("self",))
        .select_related("episode__client", "episode__treatment_plan", "coverage__payer", "packet", "organization")
        .get(pk=request.pk)
    )
    return locked


def _editable(request: AuthorizationRequest) -> None:
    if request.status not in EDITABLE_STATUSES:
        refuse(
            f"The request is {request.get_status_display().lower()}: only a draft can be changed.",
            code=AuthorizationsErrorCode.NOT_EDITABLE,
            field="__all__",
        )


def _back_to_draft(request: AuthorizationRequest) -> None:
    """A change to a ready request needs checking again: it goes back to draft."""
    if request.status == RequestStatus.READY:
        request.status = RequestStatus.DRAFT
    request.save(update_fields=["status", "updated_at"])


def _check_coverage(*, episode: Episode, coverage: Coverage, start: dt.date, field: str = "coverage") -> None:
    if coverage.client_id != episode.client_id:
        refuse(
            "That coverage belongs to another client: a request must be against the client's own coverage.",
            code=AuthorizationsErrorCode.COVERAGE_OF_ANOTHER_CLIENT,
            field=field,
        )
    if not _covers(coverage, start):
        refuse(
            f"The coverage is not in effect on {_d(start)} (it runs {_coverage_window(coverage)}).",
            code=AuthorizationsErrorCode.COVERAGE_NOT_IN_EFFECT,
            field=field,
        )


def _check_window(start: dt.date, end: dt.date, *, field: str = "end_date") -> None:
    if end < start:
        refuse("The end date is before the start date.", code=AuthorizationsErrorCode.END_BEFORE_START, field=field)


def _track_lines(
    *,
    request: AuthorizationRequest,
    plan: TreatmentPlan,
    codes: dict[str, ServiceCode],
    include_couples: bool,
) -> list[ServiceLine]:
    tracks = [t for t in plan.tracks if t != ServiceTrack.COUPLES]
    if include_couples:
        tracks.append(ServiceTrack.COUPLES)
    lines = []
    for track in [*dict.fromkeys(tracks), ServiceTrack.ASSESSMENT]:
        code = default_code_for(track, codes)
        if code is None:
            continue
        if track == ServiceTrack.GROUP:
            frequency = Decimal(max(plan.required_days_per_week, 1))
        else:
            frequency = _DEFAULT_FREQUENCY.get(track, Decimal("1"))
        lines.append(
            ServiceLine(
                organization_id=request.organization_id,
                request=request,
                track=track,
                code_system=code.code_system,
                code=code.code,
                description=code.descriptor,
                unit_type=code.unit_type,
                units=1,
                frequency_per_week=frequency,
                start_date=request.start_date,
                end_date=request.start_date if track == ServiceTrack.ASSESSMENT else request.end_date,
            )
        )
    return lines


def _open_episode(episode: Episode, *, field: str = "episode") -> None:
    if episode.status not in OPEN_EPISODE_STATUSES:
        refuse(
            f"The episode of care is {episode.get_status_display().lower()}: start a request for an open episode.",
            code=AuthorizationsErrorCode.EPISODE_NOT_OPEN,
            field=field,
        )


@transaction.atomic
def request_create(
    *,
    episode: Episode,
    coverage: Coverage,
    actor,
    start_date: dt.date | None = None,
    urgency: str = Urgency.STANDARD,
    certification_type: str = CertificationType.INITIAL,
    packet: RequestPacket | None = None,
    couples_line: bool | None = None,
) -> AuthorizationRequest:
    """A draft request built from the episode's treatment plan: its level of care; dates from
    `start_date` (default today) for the payer rule's initial authorization length (else two
    weeks); one line per plan track with the track's default code, plus the intake assessment;
    the ESA note and the goals as the clinical summary. The couples-therapy line goes only on the
    request of a couple's identified patient; `couples_line` (packets) forces it on or off."""
    organization = episode.organization
    start = start_date or organization.local_today()
    _open_episode(episode)
    _check_coverage(episode=episode, coverage=coverage, start=start)
    if urgency not in Urgency.values:
        refuse("Choose standard or expedited.", code=AuthorizationsErrorCode.INVALID_URGENCY, field="urgency")
    if certification_type not in CertificationType.values:
        refuse(
            "Choose a certification type.",
            code=AuthorizationsErrorCode.INVALID_CERTIFICATION_TYPE,
            field="certification_type",
        )
    plan = _plan_of(episode)
    if plan is None:
        refuse(
            "The episode has no treatment plan yet: add one first (the request is built from it).",
            code=AuthorizationsErrorCode.NO_TREATMENT_PLAN,
            field="episode",
        )
    rule = rule_in_effect(coverage=coverage, rules=_rules_of(coverage), level_of_care=episode.level_of_care, on=start)
    days = rule.initial_authorization_days if rule is not None else DEFAULT_REQUEST_DAYS
    request = AuthorizationRequest(
        organization_id=organization.pk,
        episode=episode,
        coverage=coverage,
        packet=packet,
        certification_type=certification_type,
        urgency=urgency,
        level_of_care=episode.level_of_care,
        start_date=start,
        end_date=start + dt.timedelta(days=days - 1),
        clinical_summary=plan.goals,
        emotional_support_animal_note=plan.emotional_support_animal_note,
        created_by=actor,
    )
    request.save()
    if couples_line is None:
        # Couples therapy is billed as family psychotherapy under one identified patient only;
        # the other partner is a participant, not a second billable patient.
        couple = open_couple_of(episode.client) if ServiceTrack.COUPLES in plan.tracks else None
        couples_line = couple is not None and couple.identified_patient_id == episode.client_id
    include_couples = couples_line
    lines = _track_lines(
        request=request, plan=plan, codes=_codes_by_value(organization), include_couples=include_couples
    )
    fees = _fees_of(coverage.payer_id, [line.code for line in lines])
    ServiceLine.objects.bulk_create([_line_compute(line, payer_id=coverage.payer_id, fees=fees) for line in lines])
    return request


@transaction.atomic
def request_update(*, request: AuthorizationRequest, data: dict, actor=None) -> AuthorizationRequest:
    """Change the request's narrative and dates (`why_not_lower_level`, `why_not_higher_level`,
    `clinical_summary`, `emotional_support_animal_note`, `other_components`, `urgency`,
    `certification_type`, `start_date`, `end_date`). Lines that covered the whole old window
    follow the new one; any other line must fit in it."""
    request = _locked(request)
    _editable(request)
    text_fields = ("why_not_lower_level", "why_not_higher_level", "clinical_summary", "emotional_support_animal_note")
    for name in text_fields:
        if name in data:
            setattr(request, name, (data[name] or "").strip())
    if "other_components" in data:
        unknown = [c for c in data["other_components"] if c not in OTHER_COMPONENTS]
        if unknown:
            refuse(
                "Choose components from the list.",
                code=AuthorizationsErrorCode.INVALID_COMPONENT,
                field="other_components",
            )
        request.other_components = [c for c in OTHER_COMPONENTS if c in set(data["other_components"])]
    if "urgency" in data:
        if data["urgency"] not in Urgency.values:
            refuse("Choose standard or expedited.", code=AuthorizationsErrorCode.INVALID_URGENCY, field="urgency")
        request.urgency = data["urgency"]
    if "certification_type" in data:
        if data["certification_type"] not in CertificationType.values:
            refuse(
                "Choose a certification type.",
                code=AuthorizationsErrorCode.INVALID_CERTIFICATION_TYPE,
                field="certification_type",
            )
        request.certification_type = data["certification_type"]
    old = (request.start_date, request.end_date)
    start, end = data.get("start_date") or old[0], data.get("end_date") or old[1]
    if (start, end) != old:
        _check_window(start, end)
        if start != old[0]:
            _check_coverage(episode=request.episode, coverage=request.coverage, start=start, field="start_date")
        _move_lines(request, old=old, new=(start, end))
        request.start_date, request.end_date = start, end
    if request.status == RequestStatus.READY:
        request.status = RequestStatus.DRAFT
    request.save()
    return request


def _move_lines(request: AuthorizationRequest, *, old: tuple, new: tuple) -> None:
    lines = list(request.lines.all())
    moved, outside = [], []
    for line in lines:
        if (line.start_date, line.end_date) == old:
            line.start_date, line.end_date = new
            moved.append(line)
        elif line.start_date == old[0] and line.end_date == old[0]:  # a one-day line on the first day
            line.start_date = line.end_date = new[0]
            moved.append(line)
        elif line.start_date < new[0] or line.end_date > new[1]:
            outside.append(line.code)
    if outside:
        refuse(
            f"Lines {', '.join(outside)} fall outside the new dates: change or remove them first.",
            code=AuthorizationsErrorCode.LINES_OUTSIDE_WINDOW,
            field="start_date",
        )
    if moved:
        fees = _fees_of(request.coverage.payer_id, [line.code for line in moved])
        for line in moved:
            _line_compute(line, payer_id=request.coverage.payer_id, fees=fees)
        ServiceLine.objects.bulk_update(
            moved, ["start_date", "end_date", "estimated_sessions", "unit_rate", "projected_cost"]
        )


# --- Diagnoses ---------------------------------------------------------------------------------------


def _normalized_icd10(code: str) -> str:
    try:
        return icd10_normalize(code or "")
    except ValidationError as exc:
        refuse(exc.messages[0], code=AuthorizationsErrorCode.INVALID_ICD10, field="code")


@transaction.atomic
def diagnosis_add(*, request: AuthorizationRequest, code: str, description: str = "", actor=None) -> Diagnosis:
    """Add an ICD-10-CM diagnosis after the others (the first one added is the primary)."""
    request = _locked(request)
    _editable(request)
    normalized = _normalized_icd10(code)
    existing = list(request.diagnoses.all())
    if any(d.code == normalized for d in existing):
        refuse(
            f"{normalized} is already on the request.", code=AuthorizationsErrorCode.DUPLICATE_DIAGNOSIS, field="code"
        )
    if len(existing) >= MAX_DIAGNOSES:
        refuse(
            f"A request holds at most {MAX_DIAGNOSES} diagnoses.",
            code=AuthorizationsErrorCode.TOO_MANY_DIAGNOSES,
            field="code",
        )
    diagnosis = Diagnosis.objects.create(
        organization_id=request.organization_id,
        request=request,
        code=normalized,
        description=(description or "").strip()[:200],
        sequence=max((d.sequence for d in existing), default=0) + 1,
    )
    _back_to_draft(request)
    return diagnosis


def _resequence(request: AuthorizationRequest, ordered: list[Diagnosis]) -> None:
    # Two steps: sequences are unique per request and checked row by row, so a swap would clash.
    Diagnosis.objects.filter(request=request).update(sequence=F("sequence") + 100)
    for number, diagnosis in enumerate(ordered, start=1):
        diagnosis.sequence = number
    Diagnosis.objects.bulk_update(ordered, ["sequence"])


@transaction.atomic
def diagnosis_remove(*, request: AuthorizationRequest, diagnosis: Diagnosis, actor=None) -> None:
    """Remove a diagnosis; the others close up (the next one becomes primary if it was)."""
    request = _locked(request)
    _editable(request)
    if diagnosis.request_id != request.pk:
        refuse("That diagnosis is not on this request.", code=AuthorizationsErrorCode.NOT_FOUND, field="__all__")
    diagnosis.delete()
    _resequence(request, list(request.diagnoses.order_by("sequence")))
    _back_to_draft(request)


@transaction.atomic
def diagnoses_reorder(*, request: AuthorizationRequest, order: Sequence, actor=None) -> list[Diagnosis]:
    """Put the request's diagnoses in `order` (their ids; the first is the primary). Every
    diagnosis of the request, once each."""
    request = _locked(request)
    _editable(request)
    by_id = {str(d.pk): d for d in request.diagnoses.all()}
    wanted = [str(i) for i in order]
    if sorted(wanted) != sorted(by_id) or len(set(wanted)) != len(wanted):
        refuse(
            "List every diagnosis of the request once, primary first.",
            code=AuthorizationsErrorCode.INVALID_ORDER,
            field="order",
        )
    ordered = [by_id[i] for i in wanted]
    _resequence(request, ordered)
    _back_to_draft(request)
    return ordered


@transaction.atomic
def diagnosis_move(*, request: AuthorizationRequest, diagnosis: Diagnosis, up: bool, actor=None) -> list[Diagnosis]:
    """Move a diagnosis one place up (toward primary) or down."""
    request = _locked(request)
    ordered = list(request.diagnoses.order_by("sequence"))
    index = next((i for i, d in enumerate(ordered) if d.pk == diagnosis.pk), None)
    if index is None:
        refuse("That diagnosis is not on this request.", code=AuthorizationsErrorCode.NOT_FOUND, field="__all__")
    other = index - 1 if up else index + 1
    if 0 <= other < len(ordered):
        ordered[index], ordered[other] = ordered[other], ordered[index]
    return diagnoses_reorder(request=request, order=[d.pk for d in ordered], actor=actor)


# --- Service lines --------------------------------------------------------------------------------


LINE_FIELDS = ("code", "track", "units", "frequency_per_week", "start_date", "end_date", "description")


def _line_values(request: AuthorizationRequest, values: dict, codes: dict[str, ServiceCode]) -> dict:
    """Check one line's values against the request and the code list; refusals name the field."""
    code_value = (values.get("code") or "").strip().upper()
    code = codes.get(code_value)
    if code is None:
        refuse(
            f"“{code_value}” is not in the organization's code list." if code_value else "Choose a code.",
            code=AuthorizationsErrorCode.UNKNOWN_CODE,
            field="code",
        )
    track = values.get("track") or code.track
    if track not in ServiceTrack.values:
        refuse("Choose a track.", code=AuthorizationsErrorCode.INVALID_TRACK, field="track")
    units = values.get("units")
    if units is None or int(units) < 1:
        refuse("Units must be at least 1.", code=AuthorizationsErrorCode.UNITS_NOT_POSITIVE, field="units")
    if int(units) > 999:
        refuse("Units must be at most 999 a session.", code=AuthorizationsErrorCode.UNITS_TOO_MANY, field="units")
    frequency = values.get("frequency_per_week")
    frequency = Decimal(str(frequency)) if frequency is not None else None
    if frequency is None or frequency <= 0:
        refuse(
            "How often a week must be more than 0.",
            code=AuthorizationsErrorCode.FREQUENCY_NOT_POSITIVE,
            field="frequency_per_week",
        )
    if frequency > 14:
        refuse(
            "How often a week can be at most 14.",
            code=AuthorizationsErrorCode.FREQUENCY_TOO_HIGH,
            field="frequency_per_week",
        )
    if frequency.as_tuple().exponent < -1:
        refuse(
            "Give how often a week to one decimal place.",
            code=AuthorizationsErrorCode.FREQUENCY_PRECISION,
            field="frequency_per_week",
        )
    start = values.get("start_date") or request.start_date
    end = values.get("end_date") or (start if code.unit_type in ONCE_UNIT_TYPES else request.end_date)
    _check_window(start, end)
    if start < request.start_date or end > request.end_date:
        refuse(
            f"The line's dates must fall within the request's ({_d(request.start_date)} to {_d(request.end_date)}).",
            code=AuthorizationsErrorCode.LINE_OUTSIDE_WINDOW,
            field="start_date" if start < request.start_date else "end_date",
        )
    return {
        "track": track,
        "code_system": code.code_system,
        "code": code.code,
        "description": (values.get("description") or "").strip()[:200] or code.descriptor,
        "unit_type": code.unit_type,
        "units": int(units),
        "frequency_per_week": frequency,
        "start_date": start,
        "end_date": end,
    }


@transaction.atomic
def line_add(
    *,
    request: AuthorizationRequest,
    code: str,
    units: int,
    frequency_per_week: Decimal,
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
    track: str = "",
    description: str = "",
    actor=None,
) -> ServiceLine:
    """Add an itemized line (dates default to the request's); sessions and cost are computed."""
    request = _locked(request)
    _editable(request)
    values = _line_values(
        request,
        {
            "code": code,
            "units": units,
            "frequency_per_week": frequency_per_week,
            "start_date": start_date,
            "end_date": end_date,
            "track": track,
            "description": description,
        },
        _codes_by_value(request.organization),
    )
    line = ServiceLine(organization_id=request.organization_id, request=request, **values)
    _line_compute(line, payer_id=request.coverage.payer_id, fees=_fees_of(request.coverage.payer_id, [line.code]))
    line.save()
    _back_to_draft(request)
    return line


@transaction.atomic
def line_update(*, line: ServiceLine, data: dict, actor=None) -> ServiceLine:
    """Change a line's code, units, frequency, dates or description (the others are kept)."""
    request = _locked(line.request)
    _editable(request)
    current = {name: getattr(line, name) for name in LINE_FIELDS}
    if "code" in data and data["code"] != line.code and "track" not in data:
        current["track"] = ""  # a new code brings its own track
    values = _line_values(
        request,
        {**current, **{k: v for k, v in data.items() if k in LINE_FIELDS}},
        _codes_by_value(request.organization),
    )
    for name, value in values.items():
        setattr(line, name, value)
    _line_compute(line, payer_id=request.coverage.payer_id, fees=_fees_of(request.coverage.payer_id, [line.code]))
    line.save()
    _back_to_draft(request)
    return line


@transaction.atomic
def line_remove(*, line: ServiceLine, actor=None) -> None:
    request = _locked(line.request)
    _editable(request)
    line.delete()
    _back_to_draft(request)


# --- Attachments ------------------------------------------------------------------------------------


def attachment_type(*, name: str, head: bytes) -> str:
    """The content type of an upload from its extension, confirmed by its first bytes; refused
    (ApplicationError on `file`) for anything that is not a PDF, an image or a Word document."""
    extension = os.path.splitext(name)[1].lower()
    known = ATTACHMENT_TYPES.get(extension)
    if known is None or not any(head.startswith(magic) for magic in known[1]):
        refuse(
            "Attach a PDF, an image (PNG, JPEG, TIFF) or a Word document (.docx).",
            code=AuthorizationsErrorCode.ATTACHMENT_TYPE,
            field="file",
        )
    return known[0]


@transaction.atomic
def attachment_add(*, request: AuthorizationRequest, upload, actor) -> RequestAttachment:
    """Keep a file with the request (private storage, a random path: never the client's name).
    Up to 10 MB; PDF, images and Word documents. Allowed until the request is determined."""
    request = _locked(request)
    if request.status == RequestStatus.DETERMINED:
        refuse(
            "The request is determined: no more attachments.", code=AuthorizationsErrorCode.NOT_EDITABLE, field="file"
        )
    if upload is None:
        refuse("Choose a file to attach.", code=AuthorizationsErrorCode.NO_FILE, field="file")
    if upload.size > MAX_ATTACHMENT_BYTES:
        refuse("The file is larger than 10 MB.", code=AuthorizationsErrorCode.ATTACHMENT_TOO_LARGE, field="file")
    if upload.size == 0:
        refuse("The file is empty.", code=AuthorizationsErrorCode.ATTACHMENT_EMPTY, field="file")
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    content_type = attachment_type(name=upload.name, head=head)
    name = upload.name.replace("\\", "/").rsplit("/", 1)[-1].strip()[:200] or "attachment"
    attachment = RequestAttachment(
        organization_id=request.organization_id,
        request=request,
        name=name,
        content_type=content_type,
        size=upload.size,
        uploaded_by=actor,
    )
    attachment.file.save(name, upload, save=False)
    attachment.save()
    return attachment


@transaction.atomic
def attachment_remove(*, attachment: RequestAttachment, actor=None) -> None:
    request = _locked(attachment.request)
    _editable(request)
    storage, path = attachment.file.storage, attachment.file.name
    attachment.delete()
    transaction.on_commit(partial(storage.delete, path))


# --- Status workflow ---------------------------------------------------------------------------------


@transaction.atomic
def request_mark_ready(*, request: AuthorizationRequest, actor=None) -> AuthorizationRequest:
    """Draft → ready, refused with every missing item (`extra["__all__"]`)."""
    request = _locked(request)
    if request.status == RequestStatus.READY:
        return request
    if request.status != RequestStatus.DRAFT:
        refuse(
            f"The request is {request.get_status_display().lower()}, not a draft.",
            code=AuthorizationsErrorCode.INVALID_STATUS,
            field="__all__",
        )
    problems = request_validate(request=request)
    if problems:
        refuse(
            f"The request is not ready: {len(problems)} item{'s' if len(problems) != 1 else ''} missing.",
            code=AuthorizationsErrorCode.INCOMPLETE,
            extra={"__all__": problems},
        )
    request.status = RequestStatus.READY
    request.save(update_fields=["status", "updated_at"])
    return request


@transaction.atomic
def request_return_to_draft(*, request: AuthorizationRequest, actor=None) -> AuthorizationRequest:
    request = _locked(request)
    if request.status != RequestStatus.READY:
        refuse(
            "Only a request marked ready goes back to draft.",
            code=AuthorizationsErrorCode.INVALID_STATUS,
            field="__all__",
        )
    request.status = RequestStatus.DRAFT
    request.save(update_fields=["status", "updated_at"])
    return request


def decision_due(*, request: AuthorizationRequest, rules: list[PayerRule], now: dt.datetime) -> dt.datetime | None:
    """When the payer must decide: the standard or expedited clock of the rule in effect on the
    day the request was submitted (`now`, the submission time, in the organization's zone),
    counted from the submission time."""
    rule = rule_in_effect(
        coverage=request.coverage,
        rules=rules,
        level_of_care=request.level_of_care,
        on=request.organization.local_today(now),
    )
    if rule is None:
        return None
    hours = rule.expedited_decision_hours if request.urgency == Urgency.EXPEDITED else rule.standard_decision_hours
    return now + dt.timedelta(hours=hours)


def _check_channel(channel: str) -> None:
    if channel not in SubmissionChannel.values:
        refuse("Choose how the request was submitted.", code=AuthorizationsErrorCode.INVALID_CHANNEL, field="channel")


def _check_submitted_at(request: AuthorizationRequest, *, submitted_at: dt.datetime, now: dt.datetime) -> None:
    """A submission logged late (a fax sent on Friday, recorded on Monday) keeps its real time,
    but not one in the future nor one before the request existed."""
    if timezone.is_naive(submitted_at):
        refuse(
            "Give the submission time with its time zone.",
            code=AuthorizationsErrorCode.INVALID_SUBMITTED_AT,
            field="submitted_at",
        )
    if submitted_at > now:
        refuse(
            "The submission time cannot be in the future.",
            code=AuthorizationsErrorCode.SUBMITTED_IN_FUTURE,
            field="submitted_at",
        )
    # Minute precision: a time typed into the form may fall in the minute the request was created.
    created = request.created_at.replace(second=0, microsecond=0) if request.created_at else None
    if created is not None and submitted_at < created:
        local = timezone.localtime(request.created_at, request.organization.tzinfo)
        refuse(
            f"The submission time cannot be before the request was created ({_d(local.date())}, {local:%H:%M}).",
            code=AuthorizationsErrorCode.SUBMITTED_BEFORE_CREATED,
            field="submitted_at",
        )


def _submit_one(
    request: AuthorizationRequest,
    *,
    channel: str,
    payer_reference: str,
    actor,
    now: dt.datetime,
    submitted_at: dt.datetime | None = None,
) -> None:
    """Record the submission; `submitted_at` (default: `now`) starts the decision clock, under the
    payer's rule in effect on that day."""
    if submitted_at is not None:
        _check_submitted_at(request, submitted_at=submitted_at, now=now)
    submitted_at = submitted_at or now
    request.status = RequestStatus.SUBMITTED
    request.channel = channel
    request.payer_reference = (payer_reference or "").strip()[:60]
    request.submitted_at = submitted_at
    request.submitted_by = actor
    request.decision_due_at = decision_due(request=request, rules=_rules_of(request.coverage), now=submitted_at)
    request.save(
        update_fields=[
            "status",
            "channel",
            "payer_reference",
            "submitted_at",
            "submitted_by",
            "decision_due_at",
            "updated_at",
        ]
    )


@transaction.atomic
def request_submit(
    *,
    request: AuthorizationRequest,
    channel: str,
    payer_reference: str = "",
    actor,
    submitted_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> AuthorizationRequest:
    """Ready → submitted: the channel, the payer's reference number, when it was submitted
    (`submitted_at`, default now; not in the future nor before the request was created), and the
    decision due date from the payer's standard or expedited clock counted from then."""
    request = _locked(request)
    _check_channel(channel)
    if request.status != RequestStatus.READY:
        refuse(
            f"Only a request marked ready can be submitted (this one is {request.get_status_display().lower()}).",
            code=AuthorizationsErrorCode.NOT_READY,
            field="__all__",
        )
    problems = request_validate(request=request)
    if problems:
        refuse(
            "The request is no longer complete.", code=AuthorizationsErrorCode.INCOMPLETE, extra={"__all__": problems}
        )
    _submit_one(
        request,
        channel=channel,
        payer_reference=payer_reference,
        actor=actor,
        now=now or timezone.now(),
        submitted_at=submitted_at,
    )
    return request


@transaction.atomic
def request_pend(
    *,
    request: AuthorizationRequest,
    information_requested: str,
    information_due: dt.date,
    actor=None,
    now: dt.datetime | None = None,
) -> AuthorizationRequest:
    """The payer asked for more information by a date: submitted → pended (or the ask updated)."""
    request = _locked(request)
    if request.status not in DECIDABLE_STATUSES:
        refuse("Only a submitted request can be pended.", code=AuthorizationsErrorCode.INVALID_STATUS, field="__all__")
    _pend(request, information_requested=information_requested, information_due=information_due, actor=actor, now=now)
    return request


def _pend(
    request: AuthorizationRequest,
    *,
    information_requested: str,
    information_due: dt.date | None,
    requested_field: str = "information_requested",
    actor=None,
    now: dt.datetime | None = None,
) -> None:
    """Pend a locked, decidable request: what the payer asked for (refused under
    `requested_field` when blank) and by when (not before the submission). The chase tasks about
    the request close: the payer answered, or asked again with a new date."""
    information_requested = (information_requested or "").strip()
    if not information_requested:
        refuse(
            "Say what information the payer asked for.", code=AuthorizationsErrorCode.REQUIRED, field=requested_field
        )
    if information_due is None:
        refuse("Give the date the information is due.", code=AuthorizationsErrorCode.REQUIRED, field="information_due")
    submitted_on = request.submitted_at.astimezone(request.organization.tzinfo).date() if request.submitted_at else None
    if submitted_on and information_due < submitted_on:
        refuse(
            "The due date is before the request was submitted.",
            code=AuthorizationsErrorCode.DUE_BEFORE_SUBMISSION,
            field="information_due",
        )
    note = "Pended again" if request.status == RequestStatus.PENDED else "Pended"
    chase_tasks_close(organization=request.organization, request=request, note=note, actor=actor, now=now)
    request.status = RequestStatus.PENDED
    request.information_requested = information_requested
    request.information_due = information_due
    request.save(update_fields=["status", "information_requested", "information_due", "updated_at"])


# --- Determinations -------------------------------------------------------------------------------


@transaction.atomic
def determination_record(
    *,
    request: AuthorizationRequest,
    action: str,
    authorization_number: str = "",
    approved_code: str = "",
    approved_units: int | None = None,
    unit_type: str = "",
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
    reason: str = "",
    next_review_date: dt.date | None = None,
    information_due: dt.date | None = None,
    decided_at: dt.datetime | None = None,
    actor,
) -> Determination:
    """The payer's answer (X12 278 HCR01). A4 pends the request: the reason is the information
    asked for, `information_due` (required) the date it is due, as `request_pend`. A1/A2/A6
    determine it and create the Authorization (number, units ≥ 1, dates required), then tell the
    client on their channel and the intake specialists and VAs in-app; A3 and C determine it
    without one. Either way the request's open chase tasks close."""
    request = _locked(request)
    now = timezone.now()
    decided_at = decided_at or now
    if action not in DeterminationAction.values:
        refuse("Choose the payer's decision.", code=AuthorizationsErrorCode.INVALID_ACTION, field="action")
    if request.status not in DECIDABLE_STATUSES:
        message = (
            "The request already has its determination."
            if request.status == RequestStatus.DETERMINED
            else "Submit the request before recording the payer's answer."
        )
        refuse(message, code=AuthorizationsErrorCode.INVALID_STATUS, field="__all__")
    if decided_at > now + dt.timedelta(minutes=5):
        refuse(
            "The decision date is in the future.", code=AuthorizationsErrorCode.DECIDED_IN_FUTURE, field="decided_at"
        )
    if request.submitted_at and decided_at < request.submitted_at - dt.timedelta(days=1):
        refuse(
            "The decision date is before the request was submitted.",
            code=AuthorizationsErrorCode.DECIDED_BEFORE_SUBMISSION,
            field="decided_at",
        )
    approving = action in APPROVING_ACTIONS
    values = {
        "authorization_number": (authorization_number or "").strip(),
        "approved_code": (approved_code or "").strip().upper(),
        "approved_units": approved_units,
        "unit_type": unit_type or "",
        "start_date": start_date,
        "end_date": end_date,
        "reason": (reason or "").strip(),
        "next_review_date": next_review_date,
    }
    if approving:
        values.update(_approval_values(request, values))
    elif start_date and end_date:
        _check_window(start_date, end_date)
    determination = Determination.objects.create(
        organization_id=request.organization_id,
        request=request,
        action=action,
        decided_at=decided_at,
        recorded_by=actor,
        **values,
    )
    if action == DeterminationAction.PENDED:
        _pend(
            request,
            information_requested=values["reason"],
            information_due=information_due,
            requested_field="reason",
            actor=actor,
            now=now,
        )
        return determination
    chase_tasks_close(organization=request.organization, request=request, note="Decided", actor=actor, now=now)
    request.status = RequestStatus.DETERMINED
    request.save(update_fields=["status", "updated_at"])
    if approving:
        authorization = Authorization.objects.create(
            organization_id=request.organization_id,
            episode=request.episode,
            coverage=request.coverage,
            determination=determination,
            number=values["authorization_number"],
            code=values["approved_code"],
            unit_type=values["unit_type"],
            units_authorized=values["approved_units"],
            start_date=values["start_date"],
            end_date=values["end_date"],
            next_review_date=values["next_review_date"],
        )
        # Days attended while waiting for this approval are covered now: their flags close.
        unauthorized_days_resolve(authorization=authorization)
        _approval_notify(request=request, determination=determination, authorization=authorization)
    return determination


def _approval_values(request: AuthorizationRequest, values: dict) -> dict:
    if not values["authorization_number"]:
        refuse(
            "Enter the authorization number the payer gave.",
            code=AuthorizationsErrorCode.REQUIRED,
            field="authorization_number",
        )
    lines = list(request.lines.all())
    code = values["approved_code"] or next((line.code for line in lines if line.track == ServiceTrack.GROUP), "")
    if not code:
        refuse("Say which code was approved.", code=AuthorizationsErrorCode.REQUIRED, field="approved_code")
    units = values["approved_units"]
    if units is None or int(units) < 1:
        refuse(
            "Approved units must be at least 1.",
            code=AuthorizationsErrorCode.UNITS_NOT_POSITIVE,
            field="approved_units",
        )
    unit_type = values["unit_type"]
    if not unit_type:
        line = next((line for line in lines if line.code == code), None)
        known = line.unit_type if line else getattr(_codes_by_value(request.organization).get(code), "unit_type", "")
        unit_type = known
    if unit_type not in UnitType.values:
        refuse("Choose the unit type of the approval.", code=AuthorizationsErrorCode.REQUIRED, field="unit_type")
    start, end = values["start_date"], values["end_date"]
    if start is None:
        refuse(
            "Enter the first day the authorization covers.", code=AuthorizationsErrorCode.REQUIRED, field="start_date"
        )
    if end is None:
        refuse("Enter the last day the authorization covers.", code=AuthorizationsErrorCode.REQUIRED, field="end_date")
    _check_window(start, end)
    if values["next_review_date"] and values["next_review_date"] < start:
        refuse(
            "The next review is before the authorization starts.",
            code=AuthorizationsErrorCode.REVIEW_BEFORE_START,
            field="next_review_date",
        )
    return {"approved_code": code, "approved_units": int(units), "unit_type": unit_type}


# --- Notifications ----------------------------------------------------------------------------------


def client_approval_message(
    *, client: Client, organization: Organization, authorization: Authorization
) -> tuple[str, str]:
    """Subject and body telling a client their authorization was approved, for the dates only:
    nothing clinical (no service, code, diagnosis or program name), no partner."""
    window = f"{_d(authorization.start_date)} to {_d(authorization.end_date)}"
    first = client.preferred_name or client.first_name
    subject = "Your authorization was approved"
    body = f"Hello {first}, your authorization was approved for {window}. Questions? Contact {organization.name}."
    return subject, body


def _client_channel(client: Client) -> tuple[str, str] | None:
    name = CLIENT_ADDRESS_FIELD.get(client.reminder_channel)
    if name is None or not client.reminder_consent:
        return None
    address = (getattr(client, name) or "").strip()
    return (client.reminder_channel, address) if address else None


def approval_message_deliver(*, determination_id, client_id) -> str:
    """Send one approval message (the Celery task's body): to the request's client about their own
    authorization, or to the other partner of a couple's packet about their joint treatment. The
    channel and consent are read now (they may have changed since the approval); a message already
    sent (a retried or redelivered task) is not sent again. Raises ProviderError for a retry."""
    determination = (
        Determination.objects.select_related("request__episode__client", "request__packet__couple", "authorization")
        .filter(pk=determination_id)
        .first()
    )
    client = Client.objects.filter(pk=client_id).first()
    if determination is None or client is None or not hasattr(determination, "authorization"):
        return "gone"
    request, authorization = determination.request, determination.authorization
    organization = request.organization
    if client.pk == request.episode.client_id:
        subject, body = client_approval_message(client=client, organization=organization, authorization=authorization)
    elif request.packet_id and client.pk in (request.packet.couple.partner_a_id, request.packet.couple.partner_b_id):
        subject, body = partner_approval_message(partner=client, organization=organization, authorization=authorization)
    else:
        return "not a recipient"
    address = _client_channel(client)
    if address is None:
        return "no consented channel"
    already = OutboundMessage.objects.filter(
        client=client, subject=subject, body=body, status__in=[OutboundStatus.SENT, OutboundStatus.RECORDED]
    )
    if already.exists():
        return "already sent"
    message_send(
        organization=organization, channel=address[0], to=address[1], subject=subject, body=body, client=client
    )
    return "sent"


def partner_approval_message(*, partner: Client, organization: Organization, authorization: Authorization):
    """Subject and body telling the other partner of a couple's packet that an authorization for
    their joint treatment was approved: dates only; whose it is, and what for, is not said."""
    window = f"{_d(authorization.start_date)} to {_d(authorization.end_date)}"
    first = partner.preferred_name or partner.first_name
    subject = "An authorization for your joint treatment was approved"
    body = (
        f"Hello {first}, an authorization for your joint treatment was approved for {window}. "
        f"Questions? Contact {organization.name}."
    )
    return subject, body


def _approval_notify(*, request: AuthorizationRequest, determination: Determination, authorization: Authorization):
    organization = request.organization
    client = request.episode.client
    # The client, and for a couple's packet both partners, each on their own consented channel:
    # sent by a worker once the approval is committed, with retries, never inside the request.
    recipients = [client]
    if request.packet_id:
        recipients.append(request.packet.couple.partner_of(client))
    for recipient in recipients:
        if _client_channel(recipient) is not None:
            approval_message_send.delay_on_commit(organization.pk, str(determination.pk), str(recipient.pk))
    destination = _client_channel(client)
    # The intake specialists and VAs, and whoever drafted the request (an org admin, say).
    recipients = list(
        Membership.objects.filter(organization=organization, is_active=True).filter(
            Q(role__in=[Role.INTAKE, Role.VA]) | Q(user_id=request.created_by_id)
        )
    )
    action = DeterminationAction(determination.action).label.lower()
    told = "client told" if destination else "client not messaged (no consented channel)"
    notices_send(
        organization=organization,
        notices=[
            Notice(
                recipient=member,
                kind="authorization_approved",
                title=f"Authorization approved: request {str(request.pk)[:8]}",
                body=f"{action.capitalize()}: {authorization.units_authorized} × "
                f"{authorization.get_unit_type_display().lower()}, {_d(authorization.start_date)} to "
                f"{_d(authorization.end_date)}; {told}.",
                link=reverse(
                    "authorizations:request_detail", kwargs={"org_slug": organization.slug, "request_id": request.pk}
                ),
                dedupe_key=f"determination:{determination.pk}",
            )
            for member in recipients
        ],
    )


# --- Couples' packets ---------------------------------------------------------------------------------


@transaction.atomic
def packet_create(
    *,
    couple: Couple,
    coverages: dict,
    joint_goals: str = "",
    actor,
    start_date: dt.date | None = None,
    urgency: str = Urgency.STANDARD,
) -> RequestPacket:
    """A couple's combined packet: one draft request per partner, each on the partner's own open
    episode and own coverage (`coverages` maps each partner's client id to it), sharing the joint
    goals; the couples-therapy line goes on the identified patient's request only. Errors name
    `coverage_a` / `coverage_b` (the couple's `partner_a` / `partner_b`)."""
    if couple.ended_on is not None:
        refuse(
            "The couple has ended: start a packet for a current couple.",
            code=AuthorizationsErrorCode.COUPLE_ENDED,
            field="__all__",
        )
    partners = (("coverage_a", couple.partner_a), ("coverage_b", couple.partner_b))
    by_client = {str(k): v for k, v in coverages.items()}
    errors: dict[str, list[str]] = {}
    plan = []
    for key, partner in partners:
        coverage = by_client.get(str(partner.pk))
        episode = open_episode_of(partner)
        if episode is None:
            errors.setdefault(key, []).append(f"{partner.display_name} has no open episode of care.")
        if coverage is None:
            errors.setdefault(key, []).append(f"Choose {partner.display_name}'s coverage.")
        elif coverage.client_id != partner.pk:
            owner = couple.partner_of(partner) if coverage.client_id == couple.partner_of(partner).pk else None
            errors.setdefault(key, []).append(
                f"That coverage belongs to {owner.display_name if owner else 'another client'}: "
                f"{partner.display_name}'s request must be against their own coverage."
            )
        plan.append((key, partner, episode, coverage))
    if errors:
        refuse(
            "Each partner needs an open episode and their own coverage.",
            code=AuthorizationsErrorCode.INVALID_PACKET,
            extra=errors,
        )
    packet = RequestPacket.objects.create(
        organization_id=couple.organization_id, couple=couple, joint_goals=(joint_goals or "").strip(), created_by=actor
    )
    for key, partner, episode, coverage in plan:
        try:
            request_create(
                episode=episode,
                coverage=coverage,
                actor=actor,
                start_date=start_date,
                urgency=urgency,
                packet=packet,
                couples_line=partner.pk == couple.identified_patient_id,
            )
        except ApplicationError as exc:
            # The partner's refusal keeps its rule (code) and message, shown on that partner's part
            # of the packet form.
            exc.extra = {
                key: [f"{partner.display_name}: {m}" for ms in exc.extra.values() for m in ms] or [exc.message]
            }
            raise
    return packet


@transaction.atomic
def packet_update(*, packet: RequestPacket, joint_goals: str, actor=None) -> RequestPacket:
    packet = RequestPacket.objects.select_for_update().get(pk=packet.pk)
    requests = list(packet.requests.all())
    if any(r.status not in EDITABLE_STATUSES for r in requests):
        refuse(
            "The packet was submitted: its goals can no longer change.",
            code=AuthorizationsErrorCode.NOT_EDITABLE,
            field="joint_goals",
        )
    packet.joint_goals = (joint_goals or "").strip()
    packet.save(update_fields=["joint_goals"])
    for request in requests:
        if request.status == RequestStatus.READY:
            request.status = RequestStatus.DRAFT
            request.save(update_fields=["status", "updated_at"])
    return packet


def _packet_requests(packet: RequestPacket) -> list[AuthorizationRequest]:
    requests = list(
        AuthorizationRequest.objects.select_for_update(of=("self",))
        .filter(packet=packet)
        .select_related("episode__client", "episode__treatment_plan", "coverage__payer", "packet", "organization")
        .order_by("episode__client__last_name", "episode__client__first_name", "pk")
    )
    return requests


@transaction.atomic
def packet_mark_ready(*, packet: RequestPacket, actor=None) -> list[AuthorizationRequest]:
    """Mark both partners' requests ready together, or neither (every partner's missing items)."""
    requests = _packet_requests(packet)
    problems = []
    for request in requests:
        name = request.episode.client.display_name
        if request.status not in EDITABLE_STATUSES:
            problems.append(f"{name}: the request is {request.get_status_display().lower()}.")
            continue
        problems.extend(f"{name}: {p}" for p in request_validate(request=request))
    if problems:
        refuse("The packet is not ready.", code=AuthorizationsErrorCode.INCOMPLETE, extra={"__all__": problems})
    for request in requests:
        request.status = RequestStatus.READY
        request.save(update_fields=["status", "updated_at"])
    return requests


@transaction.atomic
def packet_submit(
    *,
    packet: RequestPacket,
    channel: str,
    payer_references: dict | None = None,
    actor,
    submitted_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> list[AuthorizationRequest]:
    """Submit both partners' requests in one transaction; both must be ready, else nothing is
    submitted and every partner's missing items are listed. `payer_references` maps a request id
    to the payer's reference number for it; `submitted_at` (default now) is when they went out."""
    _check_channel(channel)
    requests = _packet_requests(packet)
    references = {str(k): v for k, v in (payer_references or {}).items()}
    problems = []
    for request in requests:
        name = request.episode.client.display_name
        missing = request_validate(request=request)
        if request.status != RequestStatus.READY:
            problems.append(f"{name}'s request is {request.get_status_display().lower()}, not ready.")
        problems.extend(f"{name}: {p}" for p in missing)
    if problems:
        refuse(
            "The packet was not submitted: both requests must be ready.",
            code=AuthorizationsErrorCode.NOT_READY,
            extra={"__all__": problems},
        )
    now = now or timezone.now()
    for request in requests:
        _submit_one(
            request,
            channel=channel,
            payer_reference=references.get(str(request.pk), ""),
            actor=actor,
            now=now,
            submitted_at=submitted_at,
        )
    return requests
