"""Payers and their rules, clients' coverage and benefit verification, pre-authorization requests
(single, or a couple's combined packet), the payer's determinations, the authorizations they
create, and the tasks that chase expiring ones.

Every number a payer sets — weekly hours, daily minimum, review cadence, decision clocks, appeal
window, fees — is an effective-dated row here, never a constant in code. Determinations use X12
278 terms (HCR01 action codes). Authorization is member-specific (an X12 278 carries one patient
and one coverage): a couple's packet holds one request per partner, each against that partner's
own coverage.
"""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

from authorizations.coverage import x12_codes
from iop.clients.models import Client, Couple, Episode, TherapyTrack
from iop.common.text import record_ref
from iop.tenancy.models import LevelOfCare, TenantModel


def _history():
    return (pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())


def _effective_range(prefix: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=models.Q(effective_to__isnull=True) | models.Q(effective_to__gte=models.F("effective_from")),
        name=f"{prefix}_effective_range",
    )


# A code of an X12 code list (EB01, EB02, EB03…), stored as the payer sent it.
X12_CODE = RegexValidator(r"^[A-Z0-9]{1,3}$", "An X12 code is one to three capital letters or digits.")


# --- Payers -----------------------------------------------------------------------------------------


class PlanType(models.TextChoices):
    PPO = "ppo", "PPO"
    HMO = "hmo", "HMO"
    EPO = "epo", "EPO"
    POS = "pos", "POS"
    MEDICAID_MCO = "medicaid_mco", "Medicaid managed care"
    MEDICARE_ADVANTAGE = "medicare_advantage", "Medicare Advantage"
    OTHER = "other", "Other"


class Payer(TenantModel):
    name = models.CharField(max_length=120)
    payer_id = models.CharField(max_length=40, blank=True, help_text="Clearinghouse / electronic payer id.")
    phone = models.CharField(max_length=32, blank=True)
    fax = models.CharField(max_length=32, blank=True)
    portal_url = models.URLField(blank=True)
    regime = models.ForeignKey(
        "ReviewRegime",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payers",
        help_text="Whose decision and appeal clocks apply to this payer's plans (a plan may name its own).",
    )
    eligibility_service_types = ArrayField(
        models.CharField(max_length=2, validators=[X12_CODE]),
        default=list,
        blank=True,
        help_text="270 EQ01 service types this payer answers best; empty: the organization's.",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="payer_unique_name")]

    def __str__(self) -> str:
        return self.name


class PayerPlan(TenantModel):
    payer = models.ForeignKey(Payer, on_delete=models.CASCADE, related_name="plans")
    name = models.CharField(max_length=120)
    plan_type = models.CharField(max_length=20, choices=PlanType.choices)
    regime = models.ForeignKey(
        "ReviewRegime",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="plans",
        help_text="Overrides the payer's regime (e.g. its Medicare Advantage plan).",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organization", "payer", "name"], name="plan_unique_name")]

    def __str__(self) -> str:
        return f"{self.payer} — {self.name}"


class PayerRule(TenantModel):
    """What a payer requires and how fast it decides, for IOP, from a date. A rule for a plan wins
    over the payer's rule for all its plans (`plan` empty)."""

    payer = models.ForeignKey(Payer, on_delete=models.CASCADE, related_name="rules")
    plan = models.ForeignKey(PayerPlan, null=True, blank=True, on_delete=models.CASCADE, related_name="rules")
    level_of_care = models.CharField(max_length=8, choices=LevelOfCare.choices, default=LevelOfCare.IOP)
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True)
    min_hours_per_week = models.DecimalField(
        max_digits=4, decimal_places=1, validators=[MinValueValidator(0), MaxValueValidator(60)]
    )
    min_days_per_week = models.PositiveSmallIntegerField(validators=[MaxValueValidator(7)])
    min_minutes_per_day = models.PositiveSmallIntegerField(
        default=180, help_text="A per-diem day counts only at or above this many attended minutes."
    )
    review_cadence_days = models.PositiveSmallIntegerField(default=7, validators=[MinValueValidator(1)])
    initial_authorization_days = models.PositiveSmallIntegerField(default=14, validators=[MinValueValidator(1)])
    standard_decision_hours = models.PositiveSmallIntegerField(default=168, validators=[MinValueValidator(1)])
    expedited_decision_hours = models.PositiveSmallIntegerField(default=72, validators=[MinValueValidator(1)])
    appeal_window_days = models.PositiveSmallIntegerField(
        default=180, validators=[MinValueValidator(1)], help_text="Days from a denial to file the first appeal."
    )
    review_submission_lead_hours = models.PositiveSmallIntegerField(
        default=24,
        validators=[MaxValueValidator(720)],
        help_text="A continued-stay review is submitted at least this many hours before the authorization ends.",
    )
    p2p_window_hours = models.PositiveSmallIntegerField(
        default=48,
        validators=[MinValueValidator(1), MaxValueValidator(720)],
        help_text="Hours from the denial letter within which a peer-to-peer must be requested.",
    )

    class Meta:
        ordering = ["payer", "-effective_from"]
        indexes = [models.Index(fields=["organization", "payer", "effective_from"], name="payerrule_org_payer_idx")]
        constraints = [_effective_range("payerrule")]

    def __str__(self) -> str:
        return f"{self.payer} rule from {self.effective_from}"


class CodeSystem(models.TextChoices):
    CPT = "cpt", "CPT"
    HCPCS = "hcpcs", "HCPCS"
    REVENUE = "rev", "Revenue code"


class UnitType(models.TextChoices):
    PER_DIEM = "per_diem", "Day (per diem)"
    PER_SESSION = "per_session", "Session"
    PER_15_MIN = "per_15_min", "15 minutes"
    PER_EVALUATION = "per_evaluation", "Evaluation"
    PER_INSTRUMENT = "per_instrument", "Instrument"


class ServiceTrack(models.TextChoices):
    """The tracks a request itemizes: the treatment plan's, plus assessments."""

    GROUP = TherapyTrack.GROUP.value, TherapyTrack.GROUP.label
    INDIVIDUAL = TherapyTrack.INDIVIDUAL.value, TherapyTrack.INDIVIDUAL.label
    COUPLES = TherapyTrack.COUPLES.value, TherapyTrack.COUPLES.label
    SUD_COUNSELING = TherapyTrack.SUD_COUNSELING.value, TherapyTrack.SUD_COUNSELING.label
    MEDICATION_MANAGEMENT = TherapyTrack.MEDICATION_MANAGEMENT.value, TherapyTrack.MEDICATION_MANAGEMENT.label
    ASSESSMENT = "assessment", "Assessment"
    PROGRAM = "program", "Program per diem"


class ServiceCode(TenantModel):
    """The organization's code list for request lines. Until it saves any, the defaults in
    `authorizations.codes.DEFAULT_SERVICE_CODES` apply."""

    code_system = models.CharField(max_length=5, choices=CodeSystem.choices)
    code = models.CharField(max_length=10)
    descriptor = models.CharField(max_length=200)
    track = models.CharField(max_length=24, choices=ServiceTrack.choices)
    unit_type = models.CharField(max_length=16, choices=UnitType.choices)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["track", "code"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "code_system", "code"], name="servicecode_unique")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.descriptor}"


class FeeScheduleEntry(TenantModel):
    """The rate a payer pays per unit of a code, from a date (cost projections)."""

    payer = models.ForeignKey(Payer, on_delete=models.CASCADE, related_name="fees")
    code = models.CharField(max_length=10)
    rate = models.DecimalField(max_digits=9, decimal_places=2, validators=[MinValueValidator(0)])
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["payer", "code", "-effective_from"]
        verbose_name_plural = "fee schedule entries"
        indexes = [models.Index(fields=["organization", "payer", "code"], name="fee_org_payer_code_idx")]
        constraints = [_effective_range("fee")]

    def __str__(self) -> str:
        return f"{self.code} at {self.rate} a unit"


# --- Coverage and verification -----------------------------------------------------------------------


class SubscriberRelationship(models.TextChoices):
    SELF = "self", "Self"
    SPOUSE = "spouse", "Spouse or partner"
    CHILD = "child", "Child"
    OTHER = "other", "Other"


class CoveragePriority(models.TextChoices):
    PRIMARY = "primary", "Primary"
    SECONDARY = "secondary", "Secondary"


@pghistory.track(*_history())
class Coverage(TenantModel):
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="coverages")
    payer = models.ForeignKey(Payer, on_delete=models.PROTECT, related_name="coverages")
    plan = models.ForeignKey(PayerPlan, null=True, blank=True, on_delete=models.PROTECT, related_name="coverages")
    member_id = models.CharField(max_length=40)
    group_number = models.CharField(max_length=40, blank=True)
    subscriber_name = models.CharField(max_length=160, blank=True)
    subscriber_relationship = models.CharField(
        max_length=8, choices=SubscriberRelationship.choices, default=SubscriberRelationship.SELF
    )
    subscriber_date_of_birth = models.DateField(null=True, blank=True)
    priority = models.CharField(max_length=10, choices=CoveragePriority.choices, default=CoveragePriority.PRIMARY)
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["priority", "-effective_from"]
        indexes = [models.Index(fields=["organization", "client", "effective_from"], name="coverage_org_client_idx")]
        constraints = [_effective_range("coverage")]

    def __str__(self) -> str:
        return f"{self.payer} coverage {record_ref(self.pk)}"


class VerificationMethod(models.TextChoices):
    PORTAL = "portal", "Payer portal"
    PHONE = "phone", "Phone call"
    ELECTRONIC = "electronic", "Electronic (X12 271)"


class Answer(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    UNKNOWN = "unknown", "Unknown"


class NetworkStatus(models.TextChoices):
    IN_NETWORK = "in", "In network"
    OUT_OF_NETWORK = "out", "Out of network"
    UNKNOWN = "unknown", "Unknown"


@pghistory.track(*_history())
class BenefitVerification(TenantModel):
    coverage = models.ForeignKey(Coverage, on_delete=models.CASCADE, related_name="verifications")
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verified_at = models.DateTimeField()
    method = models.CharField(max_length=12, choices=VerificationMethod.choices)
    reference_number = models.CharField(max_length=60, blank=True)
    network_status = models.CharField(max_length=8, choices=NetworkStatus.choices, default=NetworkStatus.UNKNOWN)
    mental_health_iop = models.CharField(max_length=8, choices=Answer.choices, default=Answer.UNKNOWN)
    substance_use_iop = models.CharField(max_length=8, choices=Answer.choices, default=Answer.UNKNOWN)
    deductible = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)
    deductible_met = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)
    out_of_pocket_max = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)
    out_of_pocket_met = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)
    copay = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)
    coinsurance_percent = models.DecimalField(
        max_digits=5, decimal_places=2, null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    authorization_required = models.CharField(max_length=8, choices=Answer.choices, default=Answer.UNKNOWN)
    visit_limit = models.PositiveIntegerField(null=True, blank=True)
    day_limit = models.PositiveIntegerField(null=True, blank=True)
    plan_year_start = models.DateField(null=True, blank=True, help_text="Benefits (deductible, limits) reset on it.")
    plan_name = models.CharField(max_length=50, blank=True, help_text="The payer's name of the plan (271 EB05).")
    coverage_level = models.CharField(
        max_length=3, blank=True, validators=[X12_CODE], help_text="Whose coverage: IND, FAM… (271 EB02)."
    )
    notes = models.TextField(blank=True)
    raw_271 = models.TextField(blank=True, help_text="The X12 271 file this verification was read from, as received.")
    eligibility_request = models.ForeignKey(
        "InteropMessage",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="verifications",
        help_text="The X12 270 this imported 271 answers (matched by its TRN trace number).",
    )

    class Meta:
        ordering = ["-verified_at"]
        indexes = [models.Index(fields=["organization", "coverage", "-verified_at"], name="verification_org_cov_idx")]

    def __str__(self) -> str:
        return f"Benefit verification {record_ref(self.pk)}"

    @property
    def coverage_level_label(self) -> str:
        return x12_codes.label(x12_codes.COVERAGE_LEVELS, self.coverage_level)


class BenefitNetwork(models.TextChoices):
    """A 271 benefit's EB12: the plan's in-network or out-of-network benefit."""

    IN_NETWORK = "in", "In network"  # Y
    OUT_OF_NETWORK = "out", "Out of network"  # N
    EITHER = "either", "In or out of network"  # W: not applicable, the same either way
    NOT_STATED = "unknown", "Network not stated"  # U, or no EB12


class BenefitLine(TenantModel):
    """One benefit (EB segment, with the MSG and DTP of its loop) of the person a 271 verification
    is about, as the payer sent it: codes kept as codes (named by `x12_codes`), amounts as money,
    EB08 as a percentage. Written once, with its verification, by the 271 import; never changed.
    The rows of other people in the file, and rows the payer could not answer (AAA), are not kept
    (the raw file is)."""

    verification = models.ForeignKey(BenefitVerification, on_delete=models.CASCADE, related_name="benefit_lines")
    position = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)], help_text="Order in the file.")
    benefit = models.CharField(max_length=2, validators=[X12_CODE], help_text="EB01: 1 active, B copay, C deductible…")
    coverage_level = models.CharField(max_length=3, blank=True, validators=[X12_CODE], help_text="EB02")
    service_types = ArrayField(
        models.CharField(max_length=2, validators=[X12_CODE]), default=list, blank=True, help_text="EB03"
    )
    insurance_type = models.CharField(max_length=3, blank=True, validators=[X12_CODE], help_text="EB04")
    plan_name = models.CharField(max_length=50, blank=True, help_text="EB05")
    time_period = models.CharField(max_length=2, blank=True, validators=[X12_CODE], help_text="EB06")
    amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True, help_text="EB07")
    percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="EB08, as a percentage (20.00 is 20 %).",
    )
    quantity_qualifier = models.CharField(max_length=2, blank=True, validators=[X12_CODE], help_text="EB09")
    quantity = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True, help_text="EB10")
    authorization_required = models.CharField(
        max_length=8, choices=Answer.choices, default=Answer.UNKNOWN, help_text="EB11"
    )
    network = models.CharField(
        max_length=8, choices=BenefitNetwork.choices, default=BenefitNetwork.NOT_STATED, help_text="EB12"
    )
    period_start = models.DateField(null=True, blank=True, help_text="The benefit's own dates (DTP), if given.")
    period_end = models.DateField(null=True, blank=True)
    messages = ArrayField(models.CharField(max_length=264), default=list, blank=True, help_text="MSG")

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "verification", "position"], name="benefitline_position"),
            models.CheckConstraint(
                condition=models.Q(percent__isnull=True) | models.Q(percent__gte=0, percent__lte=100),
                name="benefitline_percent_range",
            ),
        ]

    def __str__(self) -> str:
        return f"Benefit line {self.position}"

    @property
    def benefit_label(self) -> str:
        return x12_codes.label(x12_codes.BENEFIT_CODES, self.benefit)

    @property
    def coverage_level_label(self) -> str:
        return x12_codes.label(x12_codes.COVERAGE_LEVELS, self.coverage_level)

    @property
    def time_period_label(self) -> str:
        return x12_codes.label(x12_codes.TIME_PERIODS, self.time_period)

    @property
    def quantity_qualifier_label(self) -> str:
        return x12_codes.label(x12_codes.QUANTITY_QUALIFIERS, self.quantity_qualifier)

    @property
    def service_type_labels(self) -> list[str]:
        return [x12_codes.service_type_label(code) for code in self.service_types]

    @property
    def is_cost_sharing(self) -> bool:
        return self.benefit in x12_codes.COST_SHARING


# --- Requests --------------------------------------------------------------------------------------


class RequestStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    READY = "ready", "Ready to submit"
    SUBMITTED = "submitted", "Submitted"
    PENDED = "pended", "Pended (information requested)"
    DETERMINED = "determined", "Determined"


class Urgency(models.TextChoices):
    STANDARD = "standard", "Standard"
    EXPEDITED = "expedited", "Expedited"


class CertificationType(models.TextChoices):
    """X12 278 UM02."""

    INITIAL = "I", "Initial"
    RENEWAL = "R", "Renewal (concurrent review)"
    EXTENSION = "4", "Extension"
    REVISED = "S", "Revised"


class SubmissionChannel(models.TextChoices):
    PORTAL = "portal", "Payer portal"
    FAX = "fax", "Fax"
    PHONE = "phone", "Phone"
    X12_278 = "x12_278", "Electronic (X12 278)"
    FHIR_PAS = "fhir_pas", "Electronic (FHIR PAS)"


@pghistory.track(*_history())
class RequestPacket(TenantModel):
    """A couple's combined request: one request per partner, prepared and submitted together,
    sharing the joint treatment goals; each partner's determination stands on its own."""

    couple = models.ForeignKey(Couple, on_delete=models.PROTECT, related_name="request_packets")
    joint_goals = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Request packet {record_ref(self.pk)}"


@pghistory.track(*_history())
class AuthorizationRequest(TenantModel):
    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="authorization_requests")
    coverage = models.ForeignKey(Coverage, on_delete=models.PROTECT, related_name="requests")
    packet = models.ForeignKey(RequestPacket, null=True, blank=True, on_delete=models.PROTECT, related_name="requests")
    prior_authorization = models.ForeignKey(
        "Authorization",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="renewal_requests",
        help_text="The authorization a renewal, extension or revision continues (278 REF prior authorization).",
    )
    status = models.CharField(max_length=12, choices=RequestStatus.choices, default=RequestStatus.DRAFT)
    certification_type = models.CharField(
        max_length=1, choices=CertificationType.choices, default=CertificationType.INITIAL
    )
    urgency = models.CharField(max_length=10, choices=Urgency.choices, default=Urgency.STANDARD)
    level_of_care = models.CharField(max_length=8, choices=LevelOfCare.choices, default=LevelOfCare.IOP)
    start_date = models.DateField()
    end_date = models.DateField()
    why_not_lower_level = models.TextField(blank=True, help_text="Why a lower level of care is not enough.")
    why_not_higher_level = models.TextField(blank=True, help_text="Why a higher level of care is not needed.")
    clinical_summary = models.TextField(blank=True)
    emotional_support_animal_note = models.TextField(blank=True)
    other_components = models.JSONField(
        default=list, blank=True, help_text="Other requested components the plan covers (stay, meals, …)."
    )
    channel = models.CharField(max_length=10, choices=SubmissionChannel.choices, blank=True)
    payer_reference = models.CharField(max_length=60, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision_due_at = models.DateTimeField(null=True, blank=True)
    information_requested = models.TextField(blank=True)
    information_due = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["organization", "status", "decision_due_at"], name="authreq_org_status_idx"),
            models.Index(fields=["organization", "episode"], name="authreq_org_episode_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(end_date__gte=models.F("start_date")), name="authreq_dates"),
        ]

    def __str__(self) -> str:
        return f"Authorization request {record_ref(self.pk)}"


class Diagnosis(TenantModel):
    """An ICD-10-CM diagnosis of a request; sequence 1 is the primary."""

    request = models.ForeignKey(AuthorizationRequest, on_delete=models.CASCADE, related_name="diagnoses")
    code = models.CharField(max_length=8)
    description = models.CharField(max_length=200, blank=True)
    sequence = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])

    class Meta:
        ordering = ["sequence"]
        verbose_name_plural = "diagnoses"
        constraints = [
            models.UniqueConstraint(fields=["organization", "request", "sequence"], name="diagnosis_unique_sequence"),
            models.UniqueConstraint(fields=["organization", "request", "code"], name="diagnosis_unique_code"),
        ]

    def __str__(self) -> str:
        return f"Diagnosis {self.code}{' (primary)' if self.sequence == 1 else ''}"


class ServiceLine(TenantModel):
    """One itemized line of a request: a code for a track, units per occurrence, how often a week,
    for which dates; its session count and projected cost are computed when it is saved."""

    request = models.ForeignKey(AuthorizationRequest, on_delete=models.CASCADE, related_name="lines")
    track = models.CharField(max_length=24, choices=ServiceTrack.choices)
    code_system = models.CharField(max_length=5, choices=CodeSystem.choices)
    code = models.CharField(max_length=10)
    description = models.CharField(max_length=200, blank=True)
    unit_type = models.CharField(max_length=16, choices=UnitType.choices)
    units = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)], help_text="Units per occurrence.")
    frequency_per_week = models.DecimalField(
        max_digits=4, decimal_places=1, validators=[MinValueValidator(0.1), MaxValueValidator(14)]
    )
    start_date = models.DateField()
    end_date = models.DateField()
    estimated_sessions = models.PositiveIntegerField(default=0)
    unit_rate = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)
    projected_cost = models.DecimalField(max_digits=11, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["track", "code"]
        constraints = [
            models.CheckConstraint(condition=models.Q(end_date__gte=models.F("start_date")), name="line_dates"),
            models.CheckConstraint(condition=models.Q(units__gte=1), name="line_units_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_track_display()}: {self.code} × {self.units}"


def _attachment_path(instance, filename: str) -> str:
    # Private storage keyed by organization and a random id: never the client's name.
    return f"private/{instance.organization_id}/requests/{instance.request_id}/{instance.pk}"


class RequestAttachment(TenantModel):
    request = models.ForeignKey(AuthorizationRequest, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=_attachment_path, max_length=300)
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at"]

    def __str__(self) -> str:
        return f"Attachment {record_ref(self.pk)}"


# --- Electronic interchange (X12 278/270, Da Vinci PAS) -----------------------------------------------

NPI = RegexValidator(r"^\d{10}$", "An NPI is ten digits.")
# ISA05/07 interchange id qualifiers: 01 DUNS, 14 DUNS+suffix, 20 HIN, 27/28 Medicare, 30 federal tax id,
# ZZ mutually defined (what most clearinghouses assign).
ISA_QUALIFIER = RegexValidator(r"^(01|14|20|27|28|29|30|33|ZZ)$", "An ISA id qualifier is 01, 14, 20, 27–30, 33 or ZZ.")
ISA_ID = RegexValidator(r"^[A-Za-z0-9 ]{1,15}$", "An ISA id is one to fifteen letters, digits or spaces.")
DEFAULT_ELIGIBILITY_SERVICE_TYPES = ("30", "MH", "AI", "CB")


def _default_eligibility_service_types() -> list[str]:
    return list(DEFAULT_ELIGIBILITY_SERVICE_TYPES)


class InteropSettings(TenantModel):
    """How this organization appears in the files it sends: its clearinghouse envelope ids, the
    requesting provider, the 270's service types; and the counter its interchange control numbers
    come from (locked with the row in the transaction that writes a file, so two downloads at
    once never share a number). One row per organization."""

    requester_name = models.CharField(max_length=60, blank=True, help_text="Requesting provider (278 2010B NM103).")
    requester_npi = models.CharField(max_length=10, blank=True, validators=[NPI], help_text="Its NPI (NM109, XX).")
    submitter_qualifier = models.CharField(max_length=2, default="ZZ", validators=[ISA_QUALIFIER], help_text="ISA05")
    submitter_id = models.CharField(
        max_length=15, blank=True, validators=[ISA_ID], help_text="ISA06: the id the clearinghouse assigned."
    )
    receiver_qualifier = models.CharField(max_length=2, default="ZZ", validators=[ISA_QUALIFIER], help_text="ISA07")
    receiver_id = models.CharField(
        max_length=15, blank=True, validators=[ISA_ID], help_text="ISA08: the clearinghouse."
    )
    application_sender_code = models.CharField(max_length=15, blank=True, help_text="GS02 (ISA06 when empty).")
    application_receiver_code = models.CharField(max_length=15, blank=True, help_text="GS03 (ISA08 when empty).")
    production = models.BooleanField(default=False, help_text="ISA15 P when set, T (test) otherwise.")
    facility_code = models.CharField(
        max_length=2,
        default="11",
        validators=[RegexValidator(r"^\d{2}$", "A place of service code is two digits.")],
        help_text="Place of service the 278 names (UM04): 11 office, 52 psychiatric facility partial hospitalization…",
    )
    eligibility_service_types = ArrayField(
        models.CharField(max_length=2, validators=[X12_CODE]),
        default=_default_eligibility_service_types,
        blank=True,
        help_text="270 EQ01 service types asked about (a payer may name its own).",
    )
    last_control_number = models.PositiveBigIntegerField(
        default=0, validators=[MaxValueValidator(999_999_999)], editable=False
    )

    class Meta:
        verbose_name = "interoperability settings"
        verbose_name_plural = "interoperability settings"
        constraints = [models.UniqueConstraint(fields=["organization"], name="interopsettings_one_per_org")]

    def __str__(self) -> str:
        return "Interoperability settings"


class InteropFormat(models.TextChoices):
    X12_278_REQUEST = "x12_278_request", "X12 278 request"
    X12_278_RESPONSE = "x12_278_response", "X12 278 response"
    X12_270_REQUEST = "x12_270_request", "X12 270 eligibility request"
    FHIR_PAS_BUNDLE = "fhir_pas_bundle", "FHIR Da Vinci PAS bundle"
    FHIR_CLAIM_RESPONSE = "fhir_claim_response", "FHIR ClaimResponse"


class InteropDirection(models.TextChoices):
    OUTBOUND = "outbound", "Sent"
    INBOUND = "inbound", "Received"


class InteropMessage(TenantModel):
    """Every file sent or received on either rail, kept as it was sent or received: what a payer
    was told and what it answered. Written once; never changed."""

    format = models.CharField(max_length=20, choices=InteropFormat.choices)
    direction = models.CharField(max_length=8, choices=InteropDirection.choices)
    request = models.ForeignKey(
        AuthorizationRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="interop_messages"
    )
    packet = models.ForeignKey(
        RequestPacket, null=True, blank=True, on_delete=models.PROTECT, related_name="interop_messages"
    )
    coverage = models.ForeignKey(
        Coverage, null=True, blank=True, on_delete=models.PROTECT, related_name="interop_messages"
    )
    interchange_control_number = models.CharField(max_length=9, null=True, blank=True, help_text="ISA13")
    group_control_number = models.CharField(max_length=9, null=True, blank=True, help_text="GS06")
    transaction_set_control_number = models.CharField(
        max_length=9, null=True, blank=True, help_text="ST02 (the first, when a file holds several)."
    )
    trace_number = models.CharField(max_length=64, blank=True, help_text="TRN02, or the FHIR identifier.")
    content = models.TextField(help_text="The file as sent or received.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["organization", "request", "-created_at"], name="interop_org_request_idx"),
            models.Index(fields=["organization", "format", "trace_number"], name="interop_org_trace_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "interchange_control_number"],
                condition=models.Q(direction="outbound", interchange_control_number__isnull=False),
                name="interop_outbound_icn_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_format_display()} {record_ref(self.pk)}"


# --- Determinations and authorizations ---------------------------------------------------------------


class DeterminationAction(models.TextChoices):
    """X12 278 HCR01."""

    CERTIFIED = "A1", "Certified in total"
    PARTIAL = "A2", "Certified — partial"
    NOT_CERTIFIED = "A3", "Not certified"
    PENDED = "A4", "Pended"
    MODIFIED = "A6", "Modified"
    CANCELLED = "C", "Cancelled"


APPROVING_ACTIONS = (DeterminationAction.CERTIFIED, DeterminationAction.PARTIAL, DeterminationAction.MODIFIED)


@pghistory.track(*_history())
class Determination(TenantModel):
    request = models.ForeignKey(AuthorizationRequest, on_delete=models.PROTECT, related_name="determinations")
    action = models.CharField(max_length=2, choices=DeterminationAction.choices)
    authorization_number = models.CharField(max_length=60, blank=True)
    approved_code = models.CharField(max_length=10, blank=True)
    approved_units = models.PositiveIntegerField(null=True, blank=True)
    unit_type = models.CharField(max_length=16, choices=UnitType.choices, blank=True)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    reason = models.TextField(blank=True)
    reason_code = models.CharField(
        max_length=3, blank=True, validators=[X12_CODE], help_text="The payer's review decision reason (HCR03)."
    )
    administrative_reference = models.CharField(
        max_length=60, blank=True, help_text="The payer's reference for a decision that approves nothing (REF)."
    )
    recommended_level_of_care = models.CharField(
        max_length=8,
        choices=LevelOfCare.choices,
        blank=True,
        help_text="A step-down (or step-up) the payer recommends with this decision.",
    )
    next_review_date = models.DateField(null=True, blank=True)
    decided_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    source_message = models.ForeignKey(
        InteropMessage,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="determinations",
        help_text="The payer's file (278 response, ClaimResponse) this decision was imported from.",
    )

    class Meta:
        ordering = ["-decided_at"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} ({self.authorization_number or 'no number'})"


class AuthorizationStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    ENDED = "ended", "Ended"
    CANCELLED = "cancelled", "Cancelled"


@pghistory.track(*_history())
class Authorization(TenantModel):
    """An approved window of units for one member, from a determination."""

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="authorizations")
    coverage = models.ForeignKey(Coverage, on_delete=models.PROTECT, related_name="authorizations")
    determination = models.OneToOneField(Determination, on_delete=models.PROTECT, related_name="authorization")
    number = models.CharField(max_length=60)
    prior = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="continuations",
        help_text="The authorization this one continues (a continued stay approved under a new number).",
    )
    code = models.CharField(max_length=10)
    unit_type = models.CharField(max_length=16, choices=UnitType.choices)
    units_authorized = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    start_date = models.DateField()
    end_date = models.DateField()
    next_review_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=AuthorizationStatus.choices, default=AuthorizationStatus.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-start_date"]
        indexes = [
            models.Index(fields=["organization", "status", "end_date"], name="auth_org_status_end_idx"),
            models.Index(fields=["organization", "episode", "start_date"], name="auth_org_episode_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(end_date__gte=models.F("start_date")), name="auth_dates"),
        ]

    def __str__(self) -> str:
        return f"Authorization {self.number}"


class ChaseKind(models.TextChoices):
    ENDS_IN_14 = "ends_14", "Ends within 14 days"
    ENDS_IN_7 = "ends_7", "Ends within 7 days"
    ENDS_IN_3 = "ends_3", "Ends within 3 days"
    UNITS_BEFORE_REVIEW = "units_out", "Units run out before the next review"
    DECISION_OVERDUE = "decision_overdue", "Decision overdue"
    INFORMATION_DUE = "information_due", "Requested information due"


class ChaseTask(TenantModel):
    """A to-do raised by the morning chase: one per authorization and kind, or per request, kind
    and due date, so a second run of the job raises nothing."""

    kind = models.CharField(max_length=20, choices=ChaseKind.choices)
    authorization = models.ForeignKey(
        Authorization, null=True, blank=True, on_delete=models.CASCADE, related_name="chase_tasks"
    )
    request = models.ForeignKey(
        AuthorizationRequest, null=True, blank=True, on_delete=models.CASCADE, related_name="chase_tasks"
    )
    due_date = models.DateField()
    created_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["due_date", "created_at"]
        indexes = [models.Index(fields=["organization", "done_at", "due_date"], name="chase_org_open_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "authorization", "kind"],
                condition=models.Q(authorization__isnull=False),
                name="chase_one_per_authorization_kind",
            ),
            # A request pended again with a new date is chased again for it.
            models.UniqueConstraint(
                fields=["organization", "request", "kind", "due_date"],
                condition=models.Q(request__isnull=False),
                name="chase_one_per_request_kind_due",
            ),
            models.CheckConstraint(
                condition=models.Q(authorization__isnull=False) | models.Q(request__isnull=False),
                name="chase_about_something",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} task"


class CoverageGapKind(models.TextChoices):
    NO_AUTHORIZATION = "none", "No authorization"
    OUTSIDE_WINDOW = "outside", "Outside the authorization window"


class UnauthorizedDay(TenantModel):
    """A day a client attended with no authorization covering it: flagged the moment attendance
    is saved (unique per episode and day)."""

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="unauthorized_days")
    local_date = models.DateField()
    kind = models.CharField(max_length=8, choices=CoverageGapKind.choices)
    flagged_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-local_date"]
        indexes = [models.Index(fields=["organization", "resolved_at", "local_date"], name="unauth_day_org_open_idx")]
        constraints = [
            models.UniqueConstraint(fields=["organization", "episode", "local_date"], name="unauthorized_day_once")
        ]

    def __str__(self) -> str:
        return f"Unauthorized day {self.local_date}"


class AuthorizationLineStatus(models.TextChoices):
    """X12 278 HCR01 per service line."""

    CERTIFIED = "A1", "Certified in total"
    PARTIAL = "A2", "Certified — partial"
    MODIFIED = "A6", "Modified"


@pghistory.track(*_history())
class AuthorizationLine(TenantModel):
    """One approved code of an authorization, as a 278 response's service loop (2000F) carries it:
    its own units, delivery pattern and window. `units_requested`/`requested_end_date` keep what
    the request asked for, so a partial approval shows its difference."""

    authorization = models.ForeignKey(Authorization, on_delete=models.CASCADE, related_name="lines")
    determination = models.ForeignKey(
        Determination, on_delete=models.PROTECT, related_name="approved_lines", help_text="The decision that set it."
    )
    service_line = models.ForeignKey(
        ServiceLine, null=True, blank=True, on_delete=models.SET_NULL, related_name="approvals"
    )
    status = models.CharField(
        max_length=2, choices=AuthorizationLineStatus.choices, default=AuthorizationLineStatus.CERTIFIED
    )
    code_system = models.CharField(max_length=5, choices=CodeSystem.choices, default=CodeSystem.HCPCS)
    code = models.CharField(max_length=10)
    unit_type = models.CharField(max_length=16, choices=UnitType.choices)
    units_authorized = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    frequency_per_week = models.DecimalField(
        max_digits=4, decimal_places=1, null=True, blank=True, validators=[MinValueValidator(0.1)]
    )
    start_date = models.DateField()
    end_date = models.DateField()
    units_requested = models.PositiveIntegerField(null=True, blank=True)
    requested_end_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["start_date", "code"]
        indexes = [models.Index(fields=["organization", "authorization"], name="authline_org_auth_idx")]
        constraints = [
            models.CheckConstraint(condition=models.Q(end_date__gte=models.F("start_date")), name="authline_dates"),
            models.CheckConstraint(condition=models.Q(units_authorized__gte=1), name="authline_units_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.code} × {self.units_authorized} authorized"

    @property
    def is_partial(self) -> bool:
        fewer = self.units_requested is not None and self.units_authorized < self.units_requested
        shorter = self.requested_end_date is not None and self.end_date < self.requested_end_date
        return fewer or shorter


# --- Regimes: whose clocks -------------------------------------------------------------------------


class DayCount(models.TextChoices):
    CALENDAR = "calendar", "Calendar days"
    BUSINESS = "business", "Business days (Monday to Friday)"


class ReviewRegime(TenantModel):
    """The decision and appeal clocks a plan is under: ERISA/ACA commercial, Medicare Advantage or
    Medicaid under CMS-0057-F, or a state's stricter rule. Data an admin edits, never constants:
    a plan names its regime (else its payer's; else the organization's default). Hour clocks run
    around the clock; day clocks end at the end of the organization's local day."""

    name = models.CharField(max_length=120)
    is_default = models.BooleanField(default=False, help_text="Applies where neither plan nor payer names one.")
    day_count = models.CharField(max_length=8, choices=DayCount.choices, default=DayCount.CALENDAR)
    internal_appeal_levels = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(2)]
    )
    internal_appeal_standard_days = models.PositiveSmallIntegerField(default=30, validators=[MinValueValidator(1)])
    internal_appeal_expedited_hours = models.PositiveSmallIntegerField(default=72, validators=[MinValueValidator(1)])
    external_review_filing_days = models.PositiveSmallIntegerField(
        default=120, validators=[MinValueValidator(1)], help_text="Days from the final internal denial to ask."
    )
    external_review_standard_days = models.PositiveSmallIntegerField(default=45, validators=[MinValueValidator(1)])
    external_review_expedited_hours = models.PositiveSmallIntegerField(default=72, validators=[MinValueValidator(1)])
    notes = models.TextField(blank=True, help_text="Where the numbers come from.")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="regime_unique_name"),
            models.UniqueConstraint(
                fields=["organization"], condition=models.Q(is_default=True), name="regime_one_default"
            ),
        ]

    def __str__(self) -> str:
        return self.name


# --- Concurrent review -----------------------------------------------------------------------------


class ReviewStatus(models.TextChoices):
    UPCOMING = "upcoming", "Upcoming"
    SUBMITTED = "submitted", "Submitted"
    PENDED = "pended", "Pended (information requested)"
    DECIDED = "decided", "Decided"
    CANCELLED = "cancelled", "Cancelled"


OPEN_REVIEW_STATUSES = (ReviewStatus.UPCOMING, ReviewStatus.SUBMITTED, ReviewStatus.PENDED)


@pghistory.track(*_history())
class ConcurrentReview(TenantModel):
    """A continued-stay review of an authorization on its review date. Its renewal request
    (certification type R, linked to the authorization it continues) carries the units asked for,
    the submission and the payer's outcome; the review adds what the clinician tells the reviewer
    this time."""

    authorization = models.ForeignKey(Authorization, on_delete=models.PROTECT, related_name="reviews")
    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="reviews")
    request = models.OneToOneField(
        AuthorizationRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="review"
    )
    review_date = models.DateField()
    status = models.CharField(max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.UPCOMING)
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submission_due_at = models.DateTimeField(null=True, blank=True)
    progress_since_last_review = models.TextField(blank=True)
    risk_note = models.TextField(blank=True, help_text="Current risk: suicidal or homicidal ideation, self-harm.")
    medications_note = models.TextField(blank=True)
    standardized_scores = models.JSONField(
        default=list, blank=True, help_text='[{"instrument": "PHQ-9", "score": 14, "date": "2026-12-01"}]'
    )
    discharge_plan = models.TextField(blank=True, help_text="Step-down or discharge plan: target date, aftercare.")
    criteria_cited = models.CharField(max_length=120, blank=True, help_text="ASAM, LOCUS, InterQual, MCG…")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["review_date"]
        indexes = [
            models.Index(fields=["organization", "status", "review_date"], name="review_org_status_date_idx"),
            models.Index(fields=["organization", "episode"], name="review_org_episode_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "authorization"],
                condition=models.Q(status__in=["upcoming", "submitted", "pended"]),
                name="review_one_open_per_authorization",
            )
        ]

    def __str__(self) -> str:
        return f"Review {self.review_date}"


class CallStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    HELD = "held", "Held"
    CANCELLED = "cancelled", "Cancelled"


@pghistory.track(*_history())
class ReviewCall(TenantModel):
    """The call with the payer's reviewer. Rescheduling and cancelling change this row; its
    history (pghistory) keeps every earlier time."""

    review = models.ForeignKey(ConcurrentReview, on_delete=models.CASCADE, related_name="calls")
    starts_at = models.DateTimeField()
    duration_minutes = models.PositiveSmallIntegerField(
        default=30, validators=[MinValueValidator(5), MaxValueValidator(240)]
    )
    dial_in = models.CharField(max_length=300, help_text="The phone number (and code) or the meeting link.")
    reviewer_name = models.CharField(max_length=120, blank=True)
    reviewer_reference = models.CharField(max_length=60, blank=True, help_text="The payer's case or call reference.")
    participants = models.CharField(max_length=300, blank=True, help_text="Who else joins.")
    status = models.CharField(max_length=10, choices=CallStatus.choices, default=CallStatus.SCHEDULED)
    cancel_reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["organization", "status", "starts_at"], name="reviewcall_org_start_idx")]

    def __str__(self) -> str:
        return f"Review call {record_ref(self.pk)}"


class PacketElement(models.TextChoices):
    ATTENDANCE = "attendance", "Attendance report for the review window"
    HOURS = "hours", "Hours against the payer's minimum"
    DIAGNOSES = "diagnoses", "Diagnoses (ICD-10)"
    GOALS = "goals", "Treatment-plan goals"
    PROGRESS = "progress", "Progress since the last review"
    RISK = "risk", "Current risk"
    MEDICATIONS = "medications", "Medications"
    SCORES = "scores", "Standardized scores"
    DISCHARGE_PLAN = "discharge_plan", "Discharge or step-down plan"
    UNITS_REQUESTED = "units_requested", "Units asked for"
    CRITERIA = "criteria", "Criteria set cited"


class PacketChecklistItem(TenantModel):
    """What a payer's reviewers expect in a review packet (payer empty: every payer's). Until an
    organization saves any, `authorizations.reviews.checklist.DEFAULT_ELEMENTS` apply."""

    payer = models.ForeignKey(Payer, null=True, blank=True, on_delete=models.CASCADE, related_name="packet_items")
    element = models.CharField(max_length=20, choices=PacketElement.choices)
    is_required = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "element"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "payer", "element"], name="packetitem_unique"),
        ]

    def __str__(self) -> str:
        return self.get_element_display()


class ReviewPacket(TenantModel):
    """The review's packet, prepared the evening before (or on demand): one PDF, and what is
    missing by the payer's checklist. The PDF lives in this RLS-protected row, served only by an
    audited view."""

    review = models.OneToOneField(ConcurrentReview, on_delete=models.CASCADE, related_name="packet")
    prepared_at = models.DateTimeField()
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    missing = ArrayField(models.CharField(max_length=20), default=list, blank=True)
    pdf = models.BinaryField(null=True, blank=True, editable=False)
    page_count = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-prepared_at"]

    def __str__(self) -> str:
        return f"Review packet {record_ref(self.pk)}"

    @property
    def is_ready(self) -> bool:
        return not self.missing and self.pdf is not None


# --- Denials, peer-to-peer and appeals ---------------------------------------------------------------


class CaseStatus(models.TextChoices):
    OPEN = "open", "Open"
    OVERTURNED = "overturned", "Overturned"
    PARTIALLY_OVERTURNED = "partial", "Partially overturned"
    UPHELD = "upheld", "Upheld (final)"
    NOT_PURSUED = "not_pursued", "Not pursued"


@pghistory.track(*_history())
class DenialCase(TenantModel):
    """A denial and everything done about it — peer-to-peer, internal appeals, external review —
    as one case with its clocks."""

    determination = models.OneToOneField(Determination, on_delete=models.PROTECT, related_name="denial_case")
    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="denial_cases")
    authorization = models.ForeignKey(
        Authorization, null=True, blank=True, on_delete=models.PROTECT, related_name="denial_cases"
    )
    regime = models.ForeignKey(ReviewRegime, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    letter_received_at = models.DateTimeField(help_text="When the denial letter (or call) reached the program.")
    denied_from = models.DateField(null=True, blank=True)
    denied_to = models.DateField(null=True, blank=True)
    denied_units = models.PositiveIntegerField(null=True, blank=True)
    reason = models.TextField()
    criteria_cited = models.CharField(max_length=200, blank=True)
    expedited = models.BooleanField(default=False, help_text="Delay could seriously jeopardize health or function.")
    p2p_due_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome_note = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-letter_received_at"]
        indexes = [models.Index(fields=["organization", "status"], name="denialcase_org_status_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(denied_to__isnull=True)
                | models.Q(denied_from__isnull=True)
                | models.Q(denied_to__gte=models.F("denied_from")),
                name="denialcase_dates",
            )
        ]

    def __str__(self) -> str:
        return f"Denial case {record_ref(self.pk)}"


class PeerToPeerStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    HELD = "held", "Held"
    MISSED = "missed", "Missed"
    CANCELLED = "cancelled", "Cancelled"


class PeerToPeerOutcome(models.TextChoices):
    OVERTURNED = "overturned", "Denial overturned"
    PARTIAL = "partial", "Partly overturned"
    UPHELD = "upheld", "Denial upheld"


@pghistory.track(*_history(), meta={"verbose_name": "peer-to-peer call event"})
class PeerToPeer(TenantModel):
    """A peer-to-peer call between the treating clinician and the payer's physician."""

    case = models.ForeignKey(DenialCase, on_delete=models.CASCADE, related_name="peer_to_peers")
    scheduled_at = models.DateTimeField()
    clinician = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    payer_physician = models.CharField(max_length=120, blank=True)
    dial_in = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=10, choices=PeerToPeerStatus.choices, default=PeerToPeerStatus.SCHEDULED)
    outcome = models.CharField(max_length=10, choices=PeerToPeerOutcome.choices, blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["scheduled_at"]
        verbose_name = "peer-to-peer call"

    def __str__(self) -> str:
        return f"Peer-to-peer call {record_ref(self.pk)}"


class AppealLevel(models.TextChoices):
    INTERNAL_1 = "internal_1", "Internal appeal, level 1"
    INTERNAL_2 = "internal_2", "Internal appeal, level 2"
    EXTERNAL = "external", "External review (IRO)"


class AppealOutcome(models.TextChoices):
    PENDING = "pending", "Awaiting decision"
    OVERTURNED = "overturned", "Overturned"
    PARTIAL = "partial", "Partly overturned"
    UPHELD = "upheld", "Upheld"
    WITHDRAWN = "withdrawn", "Withdrawn"


@pghistory.track(*_history())
class Appeal(TenantModel):
    """One level of the appeals ladder: filed by its deadline, decided by the regime's clock."""

    case = models.ForeignKey(DenialCase, on_delete=models.CASCADE, related_name="appeals")
    level = models.CharField(max_length=12, choices=AppealLevel.choices)
    expedited = models.BooleanField(default=False)
    filing_due_at = models.DateTimeField()
    filed_at = models.DateTimeField(null=True, blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField(max_length=10, choices=SubmissionChannel.choices, blank=True)
    reference = models.CharField(max_length=60, blank=True)
    decision_due_at = models.DateTimeField(null=True, blank=True)
    letter = models.TextField(blank=True, help_text="The appeal letter's argument, in the clinician's words.")
    outcome = models.CharField(max_length=10, choices=AppealOutcome.choices, default=AppealOutcome.PENDING)
    decided_at = models.DateTimeField(null=True, blank=True)
    outcome_note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["filing_due_at"]
        indexes = [models.Index(fields=["organization", "outcome", "decision_due_at"], name="appeal_org_due_idx")]
        constraints = [models.UniqueConstraint(fields=["organization", "case", "level"], name="appeal_one_per_level")]

    def __str__(self) -> str:
        return f"{self.get_level_display()} {record_ref(self.pk)}"


class ClockKind(models.TextChoices):
    REVIEW_SUBMISSION = "review_submission", "Review submission due"
    P2P_WINDOW = "p2p_window", "Peer-to-peer window closes"
    APPEAL_FILING = "appeal_filing", "Appeal filing deadline"
    APPEAL_DECISION = "appeal_decision", "Appeal decision due"


class ClockEscalation(TenantModel):
    """One row per clock, deadline and threshold ("24 h before", "4 h before", "past due"): the
    hourly escalation inserts it before it tells anyone, so a repeated job escalates once. A moved
    deadline is a new clock."""

    kind = models.CharField(max_length=20, choices=ClockKind.choices)
    subject_id = models.UUIDField(help_text="The review, case or appeal the clock belongs to.")
    due_at = models.DateTimeField()
    threshold_hours = models.SmallIntegerField(help_text="Hours before the deadline; 0 when it has passed.")
    escalated_at = models.DateTimeField()

    class Meta:
        ordering = ["-escalated_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "kind", "subject_id", "due_at", "threshold_hours"], name="escalation_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.threshold_hours} h)"
