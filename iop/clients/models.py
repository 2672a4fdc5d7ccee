"""Clients, their episodes of care, treatment plans and couples — shared by every domain app.

PHI lives here. `__str__` never renders a name: admin log rows (`django_admin_log.object_repr`)
and error reports are global, not tenant-scoped. Every change is kept by pghistory triggers
(including bulk updates and admin edits) in RLS-protected event tables.
"""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower

from iop.common.dates import time_hm
from iop.common.text import record_ref
from iop.tenancy.models import LevelOfCare, Program, TenantModel, Weekday


def _history():
    # Fresh tracker instances per model: pghistory binds a tracker to the model it decorates.
    return (pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())


class ReminderChannel(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "Text message (SMS)"
    NONE = "none", "No reminders"


@pghistory.track(*_history())
class Client(TenantModel):
    first_name = models.CharField(max_length=80)
    last_name = models.CharField(max_length=80)
    preferred_name = models.CharField(max_length=80, blank=True)
    date_of_birth = models.DateField()
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=32, blank=True)
    reminder_channel = models.CharField(max_length=8, choices=ReminderChannel.choices, default=ReminderChannel.NONE)
    reminder_consent = models.BooleanField(
        default=False, help_text="The client agreed to receive reminders on the chosen channel."
    )
    reminder_consent_at = models.DateTimeField(null=True, blank=True)
    emergency_contact_name = models.CharField(max_length=120, blank=True)
    emergency_contact_phone = models.CharField(max_length=32, blank=True)
    emergency_contact_relationship = models.CharField(max_length=60, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["last_name", "first_name"]
        indexes = [
            models.Index("organization", Lower("last_name"), Lower("first_name"), name="client_org_name_idx"),
            models.Index(fields=["organization", "date_of_birth"], name="client_org_dob_idx"),
        ]

    def __str__(self) -> str:
        return f"Client {record_ref(self.pk)}"

    @property
    def display_name(self) -> str:
        first = self.preferred_name or self.first_name
        return f"{first} {self.last_name}"

    @property
    def sort_name(self) -> str:
        return self.sort_name_of(
            last_name=self.last_name, first_name=self.first_name, preferred_name=self.preferred_name
        )

    @staticmethod
    def sort_name_of(*, last_name: str, first_name: str, preferred_name: str) -> str:
        """`sort_name` from the columns alone (a list of names read without whole clients)."""
        return f"{last_name}, {preferred_name or first_name}"


class EpisodeStatus(models.TextChoices):
    REFERRED = "referred", "Referred"
    INTAKE = "intake", "Intake"
    ACTIVE = "active", "Active"
    STEP_DOWN = "step_down", "Stepped down"
    DISCHARGED = "discharged", "Discharged"


OPEN_EPISODE_STATUSES = (EpisodeStatus.REFERRED, EpisodeStatus.INTAKE, EpisodeStatus.ACTIVE)

# The only ways an episode moves. Stepping down ends IOP care for the episode (the client continues
# at a lower level elsewhere); a stepped-down client may return (re-escalation) or be discharged.
EPISODE_TRANSITIONS: dict[str, tuple[str, ...]] = {
    EpisodeStatus.REFERRED: (EpisodeStatus.INTAKE, EpisodeStatus.DISCHARGED),
    EpisodeStatus.INTAKE: (EpisodeStatus.ACTIVE, EpisodeStatus.DISCHARGED),
    EpisodeStatus.ACTIVE: (EpisodeStatus.STEP_DOWN, EpisodeStatus.DISCHARGED),
    EpisodeStatus.STEP_DOWN: (EpisodeStatus.ACTIVE, EpisodeStatus.DISCHARGED),
    EpisodeStatus.DISCHARGED: (),
}


@pghistory.track(*_history())
class Episode(TenantModel):
    """One episode of care of a client in a program, from referral to discharge."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="episodes")
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="episodes")
    status = models.CharField(max_length=12, choices=EpisodeStatus.choices, default=EpisodeStatus.REFERRED)
    level_of_care = models.CharField(max_length=8, choices=LevelOfCare.choices, default=LevelOfCare.IOP)
    # What the payer last authorized, kept apart from the clinical level above: a payer may approve
    # a step-down the clinicians do not (yet) agree with. Set by the authorizations app's outcomes.
    authorized_level_of_care = models.CharField(max_length=8, choices=LevelOfCare.choices, blank=True)
    referral_date = models.DateField()
    admission_date = models.DateField(null=True, blank=True)
    step_down_date = models.DateField(null=True, blank=True)
    discharge_date = models.DateField(null=True, blank=True)
    primary_clinician = models.ForeignKey(
        "tenancy.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-referral_date", "-created_at"]
        indexes = [
            models.Index(fields=["organization", "status", "program"], name="episode_org_status_idx"),
            models.Index(fields=["organization", "client", "-referral_date"], name="episode_org_client_idx"),
        ]
        constraints = [
            # One open episode per client at a time: two would split rosters, hours and authorizations.
            models.UniqueConstraint(
                fields=["organization", "client"],
                condition=models.Q(status__in=["referred", "intake", "active"]),
                name="episode_one_open_per_client",
            ),
            models.CheckConstraint(
                condition=models.Q(admission_date__isnull=True)
                | models.Q(admission_date__gte=models.F("referral_date")),
                name="episode_admission_after_referral",
            ),
            models.CheckConstraint(
                condition=models.Q(discharge_date__isnull=True)
                | models.Q(admission_date__isnull=True)
                | models.Q(discharge_date__gte=models.F("admission_date")),
                name="episode_discharge_after_admission",
            ),
        ]

    def __str__(self) -> str:
        return f"Episode {record_ref(self.pk)} ({self.get_status_display().lower()})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_EPISODE_STATUSES

    def allowed_transitions(self) -> tuple[str, ...]:
        return EPISODE_TRANSITIONS[self.status]


class EpisodeStatusChange(TenantModel):
    """Who moved an episode from which status to which, when, and effective which date."""

    append_only = True

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=12, choices=EpisodeStatus.choices)
    to_status = models.CharField(max_length=12, choices=EpisodeStatus.choices)
    effective_date = models.DateField()
    note = models.CharField(max_length=500, blank=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-changed_at"]
        indexes = [models.Index(fields=["organization", "episode", "-changed_at"], name="status_change_ep_idx")]

    def __str__(self) -> str:
        return f"Status change: {self.get_from_status_display()} → {self.get_to_status_display()}"


class TherapyTrack(models.TextChoices):
    GROUP = "group", "Group therapy"
    INDIVIDUAL = "individual", "Individual therapy"
    COUPLES = "couples", "Couples therapy"
    SUD_COUNSELING = "sud_counseling", "Substance-use counseling"
    MEDICATION_MANAGEMENT = "medication_management", "Medication management"


@pghistory.track(*_history())
class TreatmentPlan(TenantModel):
    """The plan for an episode: the hours and days it requires, its tracks and goals, and when the
    client can attend. Scheduling places clients from it; attendance measures against it."""

    episode = models.OneToOneField(Episode, on_delete=models.CASCADE, related_name="treatment_plan")
    required_hours_per_week = models.DecimalField(
        max_digits=4, decimal_places=1, validators=[MinValueValidator(0), MaxValueValidator(60)]
    )
    required_days_per_week = models.PositiveSmallIntegerField(validators=[MinValueValidator(0), MaxValueValidator(7)])
    tracks = ArrayField(models.CharField(max_length=24, choices=TherapyTrack.choices), default=list, blank=True)
    goals = models.TextField(blank=True)
    emotional_support_animal_note = models.TextField(
        blank=True, help_text="Documented clinical necessity of an emotional support animal, where one applies."
    )
    effective_from = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    def __str__(self) -> str:
        return (
            f"Treatment plan {record_ref(self.pk)}: "
            f"{self.required_hours_per_week} h over {self.required_days_per_week} days a week"
        )


class AvailabilityWindow(TenantModel):
    """A weekly window in which the client can attend groups (e.g. Monday 09:00–12:30)."""

    treatment_plan = models.ForeignKey(TreatmentPlan, on_delete=models.CASCADE, related_name="availability")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start_time = models.TimeField()
    end_time = models.TimeField()

    class Meta:
        ordering = ["weekday", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_time__gt=models.F("start_time")), name="availability_end_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {time_hm(self.start_time)}–{time_hm(self.end_time)}"


@pghistory.track(*_history())
class Couple(TenantModel):
    """Two clients of the same organization treated together. `partner_a` is the one with the
    smaller id, so a pair is stored once whichever way it was entered. The identified patient is
    the partner couples-therapy lines are coded on (family psychotherapy is billed under one
    identified patient; the other partner is a participant)."""

    partner_a = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="+")
    partner_b = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="+")
    identified_patient = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="+")
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-started_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(partner_a__lt=models.F("partner_b")), name="couple_two_distinct_partners"
            ),
            models.UniqueConstraint(
                fields=["organization", "partner_a", "partner_b"],
                condition=models.Q(ended_on__isnull=True),
                name="couple_unique_open_pair",
            ),
        ]

    def __str__(self) -> str:
        return f"Couple {record_ref(self.pk)}"

    def partner_of(self, client: Client) -> Client:
        return self.partner_b if client.pk == self.partner_a_id else self.partner_a


class ClientListPreference(TenantModel):
    """The columns a member chose to see on the client list (keys of the columns other apps
    register: iop.clients.hooks). No row: the columns their role sees by default."""

    membership = models.OneToOneField("tenancy.Membership", on_delete=models.CASCADE, related_name="+")
    columns = ArrayField(models.CharField(max_length=60), default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Client list columns {record_ref(self.pk)}"
