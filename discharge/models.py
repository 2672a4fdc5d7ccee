"""Discharge and step-down: each episode's transition plan and its checklist, the aftercare
directory and appointments with the 7- and 30-day follow-up checks, consents and disclosures under
42 CFR Part 2 and HIPAA, and the episode's billing reconciliation.

The top domain app: it reads and writes through scheduling, attendance and authorizations services;
nothing below imports it (it listens to their hooks).
"""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

from authorizations.models import AuthorizationLine, Determination, Payer
from iop.clients.models import Client, Episode
from iop.common.text import record_ref
from iop.tenancy.models import TenantModel
from scheduling.models import Session


def _history():
    return (pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())


NPI = RegexValidator(r"^\d{10}$", "An NPI is ten digits.")


# --- Settings ---------------------------------------------------------------------------------------


class DischargeSettings(TenantModel):
    """Per-organization discharge knobs (one row; defaults apply until an admin saves one). The
    summary deadline is set by the state the program is licensed in."""

    summary_due_days = models.PositiveSmallIntegerField(
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text="Days after the last day of care by which the discharge summary must be signed (state rule).",
    )
    aftercare_within_days = models.PositiveSmallIntegerField(
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
        help_text="The aftercare appointment must fall within this many days after the last day (HEDIS 7-day).",
    )

    class Meta:
        verbose_name_plural = "discharge settings"
        constraints = [models.UniqueConstraint(fields=["organization"], name="discharge_settings_one")]

    def __str__(self) -> str:
        return "Discharge settings"


# --- Aftercare directory ------------------------------------------------------------------------------


class AftercareLevel(models.TextChoices):
    PHP = "php", "Partial hospitalization (PHP)"
    IOP = "iop", "Intensive outpatient (IOP)"
    OP = "op", "Outpatient therapy"
    PSYCHIATRY = "psychiatry", "Psychiatry / medication management"
    MAT = "mat", "Medication for addiction treatment (MAT)"
    RESIDENTIAL = "residential", "Residential"
    INPATIENT = "inpatient", "Inpatient"
    PEER_SUPPORT = "peer", "Peer support / recovery community"
    PRIMARY_CARE = "primary_care", "Primary care"


class AftercareProvider(TenantModel):
    """A provider the program refers clients to."""

    name = models.CharField(max_length=160)
    npi = models.CharField(max_length=10, blank=True, validators=[NPI])
    phone = models.CharField(max_length=32, blank=True)
    fax = models.CharField(max_length=32, blank=True)
    email = models.EmailField(blank=True)
    address = models.CharField(max_length=300, blank=True)
    levels_of_care = ArrayField(models.CharField(max_length=16, choices=AftercareLevel.choices), default=list)
    payers_accepted = models.ManyToManyField(Payer, through="AftercareProviderPayer", related_name="+", blank=True)
    accepts_new_clients = models.BooleanField(default=True)
    is_active = models.BooleanField(default=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="aftercare_provider_name")]

    def __str__(self) -> str:
        return self.name


class AftercareProviderPayer(TenantModel):
    provider = models.ForeignKey(AftercareProvider, on_delete=models.CASCADE, related_name="payer_links")
    payer = models.ForeignKey(Payer, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = "accepted payer"
        constraints = [
            models.UniqueConstraint(fields=["organization", "provider", "payer"], name="aftercare_provider_payer")
        ]

    def __str__(self) -> str:
        return f"{self.payer} accepted by {self.provider}"


# --- Transition plan and checklist ------------------------------------------------------------------


class TransitionType(models.TextChoices):
    COMPLETED = "completed", "Completed treatment"
    STEP_DOWN = "step_down", "Step-down to a lower level of care"
    TRANSFER = "transfer", "Transfer to another provider"
    STEP_UP = "step_up", "Step-up to a higher level of care"
    AGAINST_ADVICE = "ama", "Left against advice"
    ADMINISTRATIVE = "administrative", "Administrative discharge"
    NON_ATTENDANCE = "non_attendance", "Non-attendance"
    INSURANCE_LOSS = "insurance_loss", "Loss of insurance"


class PlanOrigin(models.TextChoices):
    CLINICIAN = "clinician", "Started by a clinician"
    PAYER = "payer", "From a payer's step-down recommendation"
    STAFF = "staff", "Started by staff"
    ADMISSION = "admission", "Started at admission"


class PlanStatus(models.TextChoices):
    PLANNING = "planning", "Planning"
    COMPLETED = "completed", "Discharge completed"
    CANCELLED = "cancelled", "Cancelled"


@pghistory.track(*_history())
class TransitionPlan(TenantModel):
    """How and when an episode ends, started at admission and updated as care goes. One per episode."""

    episode = models.OneToOneField(Episode, on_delete=models.PROTECT, related_name="transition_plan")
    transition_type = models.CharField(max_length=16, choices=TransitionType.choices, blank=True)
    target_date = models.DateField(null=True, blank=True, help_text="The planned last day of care.")
    reason = models.TextField(blank=True)
    receiving_provider = models.ForeignKey(
        AftercareProvider, null=True, blank=True, on_delete=models.PROTECT, related_name="transitions"
    )
    receiving_level_of_care = models.CharField(max_length=16, choices=AftercareLevel.choices, blank=True)
    origin = models.CharField(max_length=10, choices=PlanOrigin.choices, default=PlanOrigin.ADMISSION)
    payer_recommendation = models.ForeignKey(
        Determination, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=10, choices=PlanStatus.choices, default=PlanStatus.PLANNING)
    last_day = models.DateField(null=True, blank=True, help_text="The actual last day of care, once discharged.")
    summary = models.TextField(blank=True, help_text="The discharge summary.")
    summary_due_date = models.DateField(null=True, blank=True)
    summary_signed_at = models.DateTimeField(null=True, blank=True)
    summary_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    override_reason = models.TextField(
        blank=True, help_text="Why an org admin completed the discharge with required items open."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["target_date"]
        indexes = [models.Index(fields=["organization", "status", "target_date"], name="transition_org_status_idx")]

    def __str__(self) -> str:
        return f"Transition plan {record_ref(self.pk)}"


class ChecklistKey(models.TextChoices):
    """The items a discharge checklist can hold. Items marked automatic in
    `discharge.checklist.AUTOMATIC` are done by what happened (a session booked, an appointment
    made, a packet sent…), not by a tick."""

    TERMINATION_SESSION = "termination_session", "Termination session scheduled"
    AFTERCARE_BOOKED = "aftercare_booked", "Aftercare appointment booked"
    RECORDS_SENT = "records_sent", "Records packet sent to the receiving provider"
    MEDICATION_CONTINUITY = "medication_continuity", "Medication continuity noted"
    CRISIS_RESOURCES = "crisis_resources", "Crisis and relapse-prevention resources given"
    FINAL_AUTHORIZATION = "final_authorization", "Final review / authorization closed with the payer"
    SUMMARY_SIGNED = "summary_signed", "Discharge summary signed"
    CLIENT_NOTIFIED = "client_notified", "Client (and partner) notified"
    CUSTOM = "custom", "Other"


class ChecklistTemplateItem(TenantModel):
    """The organization's discharge checklist. Until it saves any, `discharge.checklist.DEFAULT_ITEMS` apply."""

    key = models.CharField(max_length=24, choices=ChecklistKey.choices)
    label = models.CharField(max_length=200, blank=True, help_text="Required for 'Other'; overrides the name.")
    is_required = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "key"]

    def __str__(self) -> str:
        return self.label or self.get_key_display()


@pghistory.track(*_history())
class ChecklistItem(TenantModel):
    """One item of one plan's checklist, copied from the template when the plan starts."""

    plan = models.ForeignKey(TransitionPlan, on_delete=models.CASCADE, related_name="items")
    key = models.CharField(max_length=24, choices=ChecklistKey.choices)
    label = models.CharField(max_length=200)
    is_required = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["position", "key"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "plan", "key"],
                condition=~models.Q(key="custom"),
                name="checklist_item_once",
            )
        ]

    def __str__(self) -> str:
        return self.label


class TerminationSession(TenantModel):
    """The real session (on the roster) a client's termination happens in."""

    plan = models.OneToOneField(TransitionPlan, on_delete=models.CASCADE, related_name="termination")
    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="+")
    booked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    booked_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Termination session {record_ref(self.pk)}"


# --- Aftercare appointments and follow-up -------------------------------------------------------------


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", "Booked"
    KEPT = "kept", "Kept"
    MISSED = "missed", "Missed"
    CANCELLED = "cancelled", "Cancelled"


@pghistory.track(*_history())
class AftercareAppointment(TenantModel):
    plan = models.ForeignKey(TransitionPlan, on_delete=models.CASCADE, related_name="appointments")
    provider = models.ForeignKey(AftercareProvider, on_delete=models.PROTECT, related_name="appointments")
    starts_at = models.DateTimeField()
    level_of_care = models.CharField(max_length=16, choices=AftercareLevel.choices, blank=True)
    confirmed = models.BooleanField(default=False)
    confirmation_number = models.CharField(max_length=60, blank=True)
    status = models.CharField(max_length=10, choices=AppointmentStatus.choices, default=AppointmentStatus.BOOKED)
    outcome_recorded_at = models.DateTimeField(null=True, blank=True)
    outcome_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(max_length=500, blank=True)
    booked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["organization", "status", "starts_at"], name="aftercare_appt_org_idx")]

    def __str__(self) -> str:
        return f"Aftercare appointment {record_ref(self.pk)}"


class FollowUpOutcome(models.TextChoices):
    PENDING = "pending", "To check"
    KEPT = "kept", "Follow-up kept"
    NOT_KEPT = "not_kept", "No follow-up"
    UNREACHABLE = "unreachable", "Could not confirm"


class FollowUpCheck(TenantModel):
    """Whether the client was seen by aftercare within 7 (and 30) days of the last day (HEDIS FUH/FUA):
    raised once per episode and threshold by the worker, answered by staff."""

    plan = models.ForeignKey(TransitionPlan, on_delete=models.CASCADE, related_name="follow_up_checks")
    days = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    due_date = models.DateField()
    raised_at = models.DateTimeField()
    outcome = models.CharField(max_length=12, choices=FollowUpOutcome.choices, default=FollowUpOutcome.PENDING)
    checked_at = models.DateTimeField(null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["due_date"]
        indexes = [models.Index(fields=["organization", "outcome", "due_date"], name="followup_org_open_idx")]
        constraints = [models.UniqueConstraint(fields=["organization", "plan", "days"], name="followup_once")]
        verbose_name = "follow-up check"

    def __str__(self) -> str:
        return f"{self.days}-day follow-up check"


# --- Consent and disclosure (42 CFR Part 2 §2.31, HIPAA) ---------------------------------------------


class InformationKind(models.TextChoices):
    DEMOGRAPHICS = "demographics", "Demographics and contact"
    DIAGNOSES = "diagnoses", "Diagnoses"
    TREATMENT_PLAN = "treatment_plan", "Treatment plan and progress"
    ATTENDANCE = "attendance", "Attendance summary"
    MEDICATIONS = "medications", "Medications"
    RISK_SAFETY = "risk_safety", "Risk assessment and safety plan"
    DISCHARGE_SUMMARY = "discharge_summary", "Discharge summary"
    SUD_RECORDS = "sud_records", "Substance use disorder treatment records (Part 2)"


class DisclosurePurpose(models.TextChoices):
    CONTINUITY = "continuity", "Continuity of care / treatment"
    PAYMENT = "payment", "Payment"
    HEALTH_CARE_OPERATIONS = "operations", "Health care operations"
    LEGAL = "legal", "Legal / court"
    PERSONAL = "personal", "At the client's request"
    OTHER = "other", "Other"


class SignatureMethod(models.TextChoices):
    ELECTRONIC = "electronic", "Electronic signature"
    WET = "wet", "Signed on paper (scanned)"


@pghistory.track(*_history())
class Consent(TenantModel):
    """A client's written consent to disclose (42 CFR 2.31): who may disclose, what, to whom, for
    what purpose, until when, the right to revoke, and the signature. Never edited once signed:
    a change is a new consent; revocation is recorded on it."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="consents")
    disclosing_party = models.CharField(max_length=200, help_text="Who may disclose (the program, by name).")
    information = ArrayField(models.CharField(max_length=20, choices=InformationKind.choices))
    information_detail = models.CharField(max_length=500, blank=True, help_text="How much and what kind, in words.")
    recipient_provider = models.ForeignKey(
        AftercareProvider, null=True, blank=True, on_delete=models.PROTECT, related_name="consents"
    )
    recipient_client = models.ForeignKey(
        Client,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="A person in the program (a partner) the client consents to share with.",
    )
    recipient_name = models.CharField(max_length=200, help_text="The recipient, by name (or a general designation).")
    purpose = models.CharField(max_length=12, choices=DisclosurePurpose.choices)
    purpose_detail = models.CharField(max_length=300, blank=True)
    expires_on = models.DateField(null=True, blank=True)
    expiry_event = models.CharField(max_length=200, blank=True, help_text="An event that ends the consent.")
    expiry_event_occurred_at = models.DateTimeField(null=True, blank=True)
    right_to_revoke_explained = models.BooleanField(default=False)
    signed_name = models.CharField(max_length=160)
    signed_at = models.DateTimeField()
    signature_method = models.CharField(max_length=10, choices=SignatureMethod.choices)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revocation_note = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-signed_at"]
        indexes = [models.Index(fields=["organization", "client", "-signed_at"], name="consent_org_client_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(expires_on__isnull=True, expiry_event=""), name="consent_has_expiry"
            ),
            models.CheckConstraint(
                condition=models.Q(recipient_provider__isnull=True) | models.Q(recipient_client__isnull=True),
                name="consent_one_recipient",
            ),
        ]

    def __str__(self) -> str:
        return f"Consent {record_ref(self.pk)}"


class TransmissionChannel(models.TextChoices):
    FAX = "fax", "Fax"
    SECURE_EMAIL = "secure_email", "Secure email"
    DIRECT = "direct", "Direct secure messaging"
    PORTAL = "portal", "Provider portal"
    MAIL = "mail", "Mail"
    HAND = "hand", "Handed to the client"


class Disclosure(TenantModel):
    """One disclosure of a client's records: what, to whom, why, under which consent, by whom,
    when, by which channel, and the document sent (with the 42 CFR 2.32 notice). The disclosure
    log and the accounting of disclosures read these rows. Written once, never changed."""

    # The accounting of disclosures (42 CFR 2.24, HIPAA 164.528) is an audit log: the app role may
    # only add to it (grants in iop.tenancy.rls).
    append_only = True

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="disclosures")
    episode = models.ForeignKey(Episode, null=True, blank=True, on_delete=models.PROTECT, related_name="disclosures")
    consent = models.ForeignKey(Consent, on_delete=models.PROTECT, related_name="disclosures")
    recipient_provider = models.ForeignKey(
        AftercareProvider, null=True, blank=True, on_delete=models.PROTECT, related_name="disclosures"
    )
    recipient_name = models.CharField(max_length=200)
    purpose = models.CharField(max_length=12, choices=DisclosurePurpose.choices)
    information = ArrayField(models.CharField(max_length=20, choices=InformationKind.choices))
    channel = models.CharField(max_length=12, choices=TransmissionChannel.choices)
    sent_at = models.DateTimeField()
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    document = models.BinaryField(null=True, blank=True, editable=False)
    page_count = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-sent_at"]
        indexes = [models.Index(fields=["organization", "client", "-sent_at"], name="disclosure_org_client_idx")]

    def __str__(self) -> str:
        return f"Disclosure {record_ref(self.pk)}"


# --- Billing reconciliation -----------------------------------------------------------------------


class BillingSource(models.TextChoices):
    CSV = "csv", "CSV import"
    X12_835 = "x12_835", "X12 835 remittance"
    MANUAL = "manual", "Entered by hand"


class BillingImport(TenantModel):
    """A billing file as received (kept raw), and what it produced."""

    source = models.CharField(max_length=8, choices=BillingSource.choices)
    file_name = models.CharField(max_length=200)
    raw = models.TextField()
    line_count = models.PositiveIntegerField(default=0)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-imported_at"]

    def __str__(self) -> str:
        return f"{self.get_source_display()} {record_ref(self.pk)}"


class ClaimStatus(models.TextChoices):
    BILLED = "billed", "Billed"
    PAID = "paid", "Paid"
    PARTIAL = "partial", "Partly paid"
    DENIED = "denied", "Denied"


class BillingLine(TenantModel):
    """One billed service line (837 / 835 service line): date of service, code, units, amounts,
    and the payer's adjustment reason codes (CARC) when it was denied or reduced."""

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="billing_lines")
    source_import = models.ForeignKey(
        BillingImport, null=True, blank=True, on_delete=models.PROTECT, related_name="lines"
    )
    authorization_line = models.ForeignKey(
        AuthorizationLine,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="billing_lines",
        help_text="The authorization line the claim cited (matched on import when it can be).",
    )
    authorization_number = models.CharField(max_length=60, blank=True, help_text="REF*G1 on the claim.")
    claim_number = models.CharField(max_length=60, blank=True)
    service_date = models.DateField()
    code = models.CharField(max_length=10)
    units = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    billed_amount = models.DecimalField(max_digits=11, decimal_places=2)
    paid_amount = models.DecimalField(max_digits=11, decimal_places=2, null=True, blank=True)
    status = models.CharField(max_length=8, choices=ClaimStatus.choices, default=ClaimStatus.BILLED)
    adjustment_reasons = ArrayField(models.CharField(max_length=5), default=list, blank=True, help_text="CARC codes")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["service_date", "code"]
        indexes = [models.Index(fields=["organization", "episode", "service_date"], name="billing_org_episode_idx")]

    def __str__(self) -> str:
        return f"Billing line {self.service_date} {self.code}"


class ReconciliationStatus(models.TextChoices):
    OPEN = "open", "Open"
    RECONCILED = "reconciled", "Reconciled"
    WRITTEN_OFF = "written_off", "Written off"


@pghistory.track(*_history())
class EpisodeReconciliation(TenantModel):
    """The episode's billing closed: reconciled (no discrepancy left) or written off with a reason."""

    episode = models.OneToOneField(Episode, on_delete=models.PROTECT, related_name="reconciliation")
    status = models.CharField(max_length=12, choices=ReconciliationStatus.choices, default=ReconciliationStatus.OPEN)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    write_off_reason = models.TextField(blank=True)
    write_off_amount = models.DecimalField(max_digits=11, decimal_places=2, null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["organization", "status"], name="reconciliation_org_status_idx")]

    def __str__(self) -> str:
        return f"Billing reconciliation {record_ref(self.pk)}"
