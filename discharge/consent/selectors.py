"""Reads for consents and disclosures: a client's consents with their state, the consent that
covers a transmission, the records packet's content (`packet_data`), the disclosure log, the
accounting of disclosures, and `records_sent(plan)` for the discharge checklist.

The packet reads each kind of information from where it is recorded — the client and episode,
the latest authorization request's diagnoses, the treatment plan, the last concurrent review's
notes, the attendance report's own numbers (`attendance_report_data`, never recomputed here), the
transition plan's summary — and only the kinds being sent: what the consent does not cover is not
even read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from attendance.hours.selectors import episode_for_attendance
from attendance.reports.periods import MAX_REPORT_WEEKS
from attendance.reports.selectors import ReportData, attendance_report_data
from authorizations.models import AuthorizationRequest, ConcurrentReview, Diagnosis, ReviewStatus
from discharge.models import (
    ChecklistItem,
    ChecklistKey,
    Consent,
    Disclosure,
    DisclosurePurpose,
    InformationKind,
    TransitionPlan,
)
from iop.clients.models import Client, Episode, TherapyTrack
from iop.common.dates import date_full
from iop.tenancy.models import Organization

from .scope import STATE_LABELS, ConsentState, Coverage, Recipient, consent_state, coverage_of, kind_label

# The packet's sections in the order they are printed; SUD records are not a section of their
# own: they are what every section is when the episode is Part 2 treatment.
PACKET_KINDS = (
    InformationKind.DEMOGRAPHICS,
    InformationKind.DIAGNOSES,
    InformationKind.TREATMENT_PLAN,
    InformationKind.ATTENDANCE,
    InformationKind.MEDICATIONS,
    InformationKind.RISK_SAFETY,
    InformationKind.DISCHARGE_SUMMARY,
)

# ICD-10-CM F10–F19: mental and behavioural disorders due to psychoactive substance use.
_SUD_DIAGNOSIS_PREFIXES = tuple(f"F1{d}" for d in range(10))


# --- Consents -------------------------------------------------------------------------------------


def _consents() -> QuerySet[Consent]:
    return Consent.objects.select_related("recipient_provider", "recipient_client", "recorded_by", "revoked_by")


def client_consents(*, organization: Organization, client_id) -> list[Consent]:
    """The client's consents, newest signature first (one query)."""
    return list(_consents().filter(organization=organization, client_id=client_id).order_by("-signed_at", "pk"))


def consent_get(*, organization: Organization, consent_id) -> Consent | None:
    """A consent of the organization (another organization's id is None, like an unknown one)."""
    return _consents().filter(organization=organization, pk=consent_id).select_related("client").first()


@dataclass(frozen=True)
class ConsentRow:
    consent: Consent
    state: ConsentState

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def kind_labels(self) -> list[str]:
        return [kind_label(k) for k in self.consent.information]


def consent_rows(consents: list[Consent], *, today: dt.date) -> list[ConsentRow]:
    return [ConsentRow(consent=c, state=consent_state(c, today=today)) for c in consents]


def transmission_coverage(
    *,
    organization: Organization,
    client: Client,
    recipient: Recipient,
    purpose: str,
    kinds: list[str],
    now: dt.datetime | None = None,
) -> Coverage:
    """Whether one valid consent of this client covers the transmission (see `scope.coverage_of`)."""
    return coverage_of(
        client_consents(organization=organization, client_id=client.pk),
        client_id=client.pk,
        recipient=recipient,
        purpose=purpose,
        kinds=kinds,
        today=organization.local_today(now),
        tz=organization.tzinfo,
    )


def part2_applies(*, episode: Episode, diagnoses: list[Diagnosis] | None = None) -> bool:
    """Whether the episode's records are Part 2 records (SUD treatment): a substance-use
    counseling track in the treatment plan, or a substance-use diagnosis (F10–F19) on its latest
    request. Then everything the packet holds — even the fact of being a patient — is SUD
    treatment information, and the consent must name it."""
    plan = getattr(episode, "treatment_plan", None)
    if plan is not None and TherapyTrack.SUD_COUNSELING in (plan.tracks or []):
        return True
    if diagnoses is None:
        diagnoses = latest_diagnoses(episode=episode)[1]
    return any(d.code.upper().startswith(_SUD_DIAGNOSIS_PREFIXES) for d in diagnoses)


def latest_diagnoses(*, episode: Episode) -> tuple[AuthorizationRequest | None, list[Diagnosis]]:
    """The episode's latest authorization request and its diagnoses (primary first)."""
    request = (
        AuthorizationRequest.objects.filter(organization_id=episode.organization_id, episode=episode)
        .prefetch_related(Prefetch("diagnoses", queryset=Diagnosis.objects.order_by("sequence")))
        .order_by("-created_at")
        .first()
    )
    return request, (list(request.diagnoses.all()) if request is not None else [])


# --- The records packet ---------------------------------------------------------------------------


@dataclass
class PacketData:
    organization: Organization
    episode: Episode
    client: Client
    consent: Consent
    recipient_name: str
    purpose: str
    kinds: list[str]
    generated_at: dt.datetime
    part2: bool
    diagnoses: list[Diagnosis] = field(default_factory=list)
    diagnoses_source: AuthorizationRequest | None = None
    review: ConcurrentReview | None = None
    attendance: ReportData | None = None
    plan: TransitionPlan | None = None
    crisis_item: ChecklistItem | None = None

    def has(self, kind: str) -> bool:
        return kind in self.kinds

    # Template-friendly switches (a template cannot call `has` with an argument).
    @property
    def show_demographics(self) -> bool:
        return self.has(InformationKind.DEMOGRAPHICS)

    @property
    def show_diagnoses(self) -> bool:
        return self.has(InformationKind.DIAGNOSES)

    @property
    def show_treatment_plan(self) -> bool:
        return self.has(InformationKind.TREATMENT_PLAN)

    @property
    def show_attendance(self) -> bool:
        return self.has(InformationKind.ATTENDANCE)

    @property
    def show_medications(self) -> bool:
        return self.has(InformationKind.MEDICATIONS)

    @property
    def show_risk(self) -> bool:
        return self.has(InformationKind.RISK_SAFETY)

    @property
    def show_summary(self) -> bool:
        return self.has(InformationKind.DISCHARGE_SUMMARY)

    @property
    def kind_labels(self) -> list[str]:
        return [kind_label(k) for k in self.kinds]

    @property
    def consent_kind_labels(self) -> list[str]:
        return [kind_label(k) for k in self.consent.information]

    @property
    def purpose_label(self) -> str:
        return DisclosurePurpose(self.purpose).label

    @property
    def treatment_plan(self):
        return getattr(self.episode, "treatment_plan", None)

    @property
    def title(self) -> str:
        # The PDF's metadata title: no client name (file lists and desktop search index it).
        return f"Records disclosed {date_full(self.generated_at)}"


def _last_review(episode: Episode) -> ConcurrentReview | None:
    """The latest review (not cancelled) with progress, risk or medications written."""
    return (
        ConcurrentReview.objects.filter(organization_id=episode.organization_id, episode=episode)
        .exclude(status=ReviewStatus.CANCELLED)
        .filter(~Q(progress_since_last_review="") | ~Q(risk_note="") | ~Q(medications_note=""))
        .order_by("-review_date")
        .first()
    )


def _attendance(organization: Organization, episode: Episode, now: dt.datetime) -> ReportData | None:
    """The attendance report's own data from admission to the last day (or today), at most the
    report's longest period (its latest weeks)."""
    if episode.admission_date is None:
        return None
    today = organization.local_today(now)
    end = min(episode.discharge_date or today, today)
    start = max(episode.admission_date, end - dt.timedelta(weeks=MAX_REPORT_WEEKS) + dt.timedelta(days=1))
    if end < start:
        return None
    full = episode_for_attendance(organization=organization, episode_id=episode.pk)
    if full is None:
        return None
    return attendance_report_data(organization=organization, episode=full, start=start, end=end, now=now)


def packet_data(
    *,
    organization: Organization,
    episode: Episode,
    consent: Consent,
    recipient_name: str,
    purpose: str,
    kinds: list[str],
    now: dt.datetime | None = None,
) -> PacketData:
    """What the records packet shows: only the sections of `kinds` are read."""
    now = now or timezone.now()
    request, diagnoses = latest_diagnoses(episode=episode)
    data = PacketData(
        organization=organization,
        episode=episode,
        client=episode.client,
        consent=consent,
        recipient_name=recipient_name,
        purpose=purpose,
        kinds=list(kinds),
        generated_at=now.astimezone(organization.tzinfo),
        part2=part2_applies(episode=episode, diagnoses=diagnoses),
    )
    if data.show_diagnoses:
        data.diagnoses, data.diagnoses_source = diagnoses, request
    if data.show_treatment_plan or data.show_medications or data.show_risk:
        data.review = _last_review(episode)
    if data.show_attendance:
        data.attendance = _attendance(organization, episode, now)
    if data.show_summary or data.show_risk:
        data.plan = TransitionPlan.objects.filter(organization=organization, episode=episode).first()
    if data.show_risk and data.plan is not None:
        data.crisis_item = data.plan.items.filter(key=ChecklistKey.CRISIS_RESOURCES, done_at__isnull=False).first()
    return data


def packet_kinds(*, episode: Episode, consent: Consent) -> list[str]:
    """What a packet under `consent` holds when the sender does not choose: every section the
    consent covers (and the SUD records kind when it names it)."""
    kinds: list[str] = [k for k in PACKET_KINDS if k in consent.information]
    if InformationKind.SUD_RECORDS in consent.information:
        kinds.append(InformationKind.SUD_RECORDS)
    return kinds


def episode_for_packet(*, organization: Organization, episode_id) -> Episode | None:
    return (
        Episode.objects.filter(organization=organization, pk=episode_id)
        .select_related("client", "program", "treatment_plan", "primary_clinician__user")
        .first()
    )


# --- Disclosures ----------------------------------------------------------------------------------


def _disclosures() -> QuerySet[Disclosure]:
    return Disclosure.objects.select_related("sent_by", "recipient_provider", "consent").defer("document")


def client_disclosures(
    *,
    organization: Organization,
    client_id,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    limit: int | None = None,
) -> list[Disclosure]:
    """The client's disclosure log, newest first, without the documents (one query)."""
    rows = _disclosures().filter(organization=organization, client_id=client_id)
    if since is not None:
        rows = rows.filter(sent_at__gte=since)
    if until is not None:
        rows = rows.filter(sent_at__lt=until)
    rows = rows.order_by("-sent_at", "pk")
    return list(rows[:limit] if limit else rows)


def disclosure_get(*, organization: Organization, disclosure_id) -> Disclosure | None:
    return _disclosures().filter(organization=organization, pk=disclosure_id).first()


def disclosure_file(*, organization: Organization, disclosure_id) -> Disclosure | None:
    """A disclosure with its document (the audited download), or None without one."""
    return Disclosure.objects.filter(organization=organization, pk=disclosure_id, document__isnull=False).first()


def records_sent(plan: TransitionPlan) -> bool:
    """Contract 2 (the checklist's `records_sent`): a disclosure of this episode's records to the
    plan's receiving provider exists."""
    if plan.receiving_provider_id is None:
        return False
    return Disclosure.objects.filter(
        organization_id=plan.organization_id,
        episode_id=plan.episode_id,
        recipient_provider_id=plan.receiving_provider_id,
    ).exists()


# --- The accounting of disclosures ------------------------------------------------------------------


# HIPAA 164.528(a): an accounting covers the six years before the request.
ACCOUNTING_YEARS = 6


def accounting_default_period(*, organization: Organization, now: dt.datetime | None = None) -> tuple[dt.date, dt.date]:
    today = organization.local_today(now)
    try:
        start = today.replace(year=today.year - ACCOUNTING_YEARS)
    except ValueError:  # 29 February
        start = today.replace(year=today.year - ACCOUNTING_YEARS, day=28)
    return start + dt.timedelta(days=1), today


def accounting_period_validate(*, organization: Organization, start: dt.date, end: dt.date, now=None) -> None:
    """An accounting's period: in order, and not past today."""
    from discharge.errors import DischargeErrorCode
    from iop.common.exceptions import refuse

    if end < start:
        refuse("The end date is before the start date.", code=DischargeErrorCode.ACCOUNTING_PERIOD_INVALID, field="end")
    if end > organization.local_today(now):
        refuse("The period cannot end after today.", code=DischargeErrorCode.ACCOUNTING_PERIOD_INVALID, field="end")


@dataclass(frozen=True)
class DisclosureRow:
    disclosure: Disclosure

    @property
    def kind_labels(self) -> list[str]:
        return [kind_label(k) for k in self.disclosure.information]


@dataclass
class AccountingData:
    organization: Organization
    client: Client
    start: dt.date
    end: dt.date
    generated_at: dt.datetime
    rows: list[DisclosureRow]

    @property
    def title(self) -> str:
        return f"Accounting of disclosures, {date_full(self.start)} to {date_full(self.end)}"

    @property
    def filename(self) -> str:
        return f"disclosures-{str(self.client.pk)[:8]}-{self.start:%Y-%m-%d}-{self.end:%Y-%m-%d}.pdf"


def accounting_data(
    *, organization: Organization, client: Client, start: dt.date, end: dt.date, now: dt.datetime | None = None
) -> AccountingData:
    """The client's disclosures from `start` to `end` (the organization's local dates, inclusive),
    oldest first as an accounting reads."""
    now = now or timezone.now()
    accounting_period_validate(organization=organization, start=start, end=end, now=now)
    since = organization.local_datetime(start, dt.time.min)
    until = organization.local_datetime(end + dt.timedelta(days=1), dt.time.min)
    rows = client_disclosures(organization=organization, client_id=client.pk, since=since, until=until)
    return AccountingData(
        organization=organization,
        client=client,
        start=start,
        end=end,
        generated_at=now.astimezone(organization.tzinfo),
        rows=[DisclosureRow(d) for d in sorted(rows, key=lambda d: (d.sent_at, str(d.pk)))],
    )


# --- The discharge page's consent panel ---------------------------------------------------------------


def plan_consent_panel(*, plan: TransitionPlan, now: dt.datetime | None = None) -> dict:
    """For the receiving provider of the plan: the valid consent that covers it for continuity of
    care (the latest), what it covers and whether it names the SUD records a Part 2 episode needs;
    the client's other consents to that provider (expired, revoked); and what was sent to it for
    this episode. Three queries (consents, the Part 2 check, disclosures)."""
    organization = plan.organization
    episode = plan.episode
    provider = plan.receiving_provider
    today = organization.local_today(now)
    result: dict = {
        "provider": provider,
        "consent": None,
        "consent_kinds": [],
        "missing": [],
        "lapsed": [],
        "message": "",
        "part2": False,
        "sent": [],
    }
    if provider is None:
        return result
    part2 = part2_applies(episode=episode)
    recipient = Recipient(name=provider.name, provider_id=provider.pk)
    consents = [
        c
        for c in client_consents(organization=organization, client_id=episode.client_id)
        if recipient.matches(c) and c.purpose == DisclosurePurpose.CONTINUITY
    ]
    needed = [InformationKind.SUD_RECORDS] if part2 else []
    coverage = coverage_of(
        consents,
        client_id=episode.client_id,
        recipient=recipient,
        purpose=DisclosurePurpose.CONTINUITY,
        kinds=needed,
        today=today,
        tz=organization.tzinfo,
    )
    result.update(
        part2=part2,
        consent=coverage.consent,
        consent_kinds=[kind_label(k) for k in coverage.consent.information] if coverage.consent else [],
        missing=[kind_label(k) for k in coverage.missing],
        message=coverage.message,
        lapsed=[row for row in consent_rows(consents, today=today) if row.state != ConsentState.VALID],
        sent=list(
            _disclosures()
            .filter(organization=organization, episode=episode, recipient_provider=provider)
            .order_by("-sent_at")
        ),
    )
    return result


def client_consent_panel(*, organization: Organization, client, episode, can, form_state) -> dict:
    """The client page's consents panel: every consent with its state and the last disclosures
    (two queries, however many the client has)."""
    today = organization.local_today()
    return {
        "rows": consent_rows(client_consents(organization=organization, client_id=client.pk), today=today),
        "disclosures": client_disclosures(organization=organization, client_id=client.pk, limit=5),
    }
