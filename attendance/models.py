"""Attendance: what happened in each session for each client on its roster, and what the program
must act on because of it.

- `AttendanceRecord` — one per roster entry: status, arrival and departure, the minutes attended
  (bounded by the session) and the minutes that count toward therapy hours (0 for group types
  that do not count). Every change is kept by pghistory triggers, with who made it.
- `ThresholdFlag` — raised on the first transition of an episode's week into a pace state
  (unique per episode, week and state, so a re-run of the evaluation is a no-op).
- `AbsenceRule` / `AbsenceAlert` — org-configurable absence patterns and the alerts they raise.
- `AttendanceReport` — a generated PDF kept in the database (tenant-isolated by RLS like any PHI)
  until a clinician downloads it.
Numbers payers set (hours, days) are data: see `attendance.hours.requirements`.
"""

from __future__ import annotations

import datetime as dt

import pghistory
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from iop.clients.models import Episode
from iop.common.text import record_ref
from iop.tenancy.models import TenantModel


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", "Present"
    LATE = "late", "Late"
    LEFT_EARLY = "left_early", "Left early"
    ABSENT_EXCUSED = "absent_excused", "Absent (excused)"
    ABSENT_UNEXCUSED = "absent_unexcused", "Absent (unexcused)"
    NO_SHOW = "no_show", "No-show"


ABSENT_STATUSES = frozenset(
    {AttendanceStatus.ABSENT_EXCUSED, AttendanceStatus.ABSENT_UNEXCUSED, AttendanceStatus.NO_SHOW}
)
UNEXCUSED_STATUSES = frozenset({AttendanceStatus.ABSENT_UNEXCUSED, AttendanceStatus.NO_SHOW})


class AbsenceReason(models.TextChoices):
    ILLNESS = "illness", "Illness"
    MEDICAL = "medical", "Medical appointment"
    TRANSPORTATION = "transportation", "Transportation"
    WORK_SCHOOL = "work_school", "Work or school"
    FAMILY = "family", "Family emergency or childcare"
    TECHNOLOGY = "technology", "Connection or technology problem"
    CRISIS = "crisis", "Crisis or hospitalization"
    NO_CONTACT = "no_contact", "No contact from the client"
    OTHER = "other", "Other (see note)"


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class AttendanceRecord(TenantModel):
    """A client's attendance at one session. `session` and `episode` repeat the roster entry's so
    weekly sums and timelines are one indexed query."""

    roster_entry = models.OneToOneField("scheduling.RosterEntry", on_delete=models.PROTECT, related_name="attendance")
    session = models.ForeignKey("scheduling.Session", on_delete=models.PROTECT, related_name="attendance_records")
    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="attendance_records")
    status = models.CharField(max_length=20, choices=AttendanceStatus.choices)
    arrived_at = models.DateTimeField(null=True, blank=True)
    departed_at = models.DateTimeField(null=True, blank=True)
    attended_minutes = models.PositiveSmallIntegerField(default=0)
    counted_minutes = models.PositiveSmallIntegerField(
        default=0, help_text="Minutes that count toward weekly therapy hours (0 for non-counting group types)."
    )
    absence_reason = models.CharField(max_length=20, choices=AbsenceReason.choices, blank=True)
    note = models.CharField(max_length=300, blank=True)
    is_late_entry = models.BooleanField(
        default=False, help_text="Recorded or changed more than the allowed time after the session ended."
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField()

    class Meta:
        # No default ordering: it would join the session into every query; readers order by it.
        indexes = [
            models.Index(fields=["organization", "episode", "session"], name="attendance_org_episode_idx"),
            models.Index(fields=["organization", "session"], name="attendance_org_session_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(departed_at__isnull=True)
                | models.Q(arrived_at__isnull=True)
                | models.Q(departed_at__gte=models.F("arrived_at")),
                name="attendance_departure_after_arrival",
            ),
        ]

    def __str__(self) -> str:
        return f"Attendance {record_ref(self.pk)} ({self.get_status_display().lower()})"

    @property
    def is_absent(self) -> bool:
        return self.status in ABSENT_STATUSES


class PaceState(models.TextChoices):
    ON_TRACK = "on_track", "On track"
    AT_RISK = "at_risk", "At risk"
    CANNOT_REACH = "cannot_reach", "Cannot reach"
    BELOW_MINIMUM = "below_minimum", "Below minimum"


FLAGGED_STATES = (PaceState.AT_RISK, PaceState.CANNOT_REACH, PaceState.BELOW_MINIMUM)


class ThresholdFlag(TenantModel):
    """The first time an episode's week entered a flagged pace state. Open until the week's pace
    moves to another state (then `resolved_at` is set automatically) or, for a closed week, until
    staff resolve it with a note."""

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="threshold_flags")
    week_start = models.DateField()
    state = models.CharField(max_length=16, choices=PaceState.choices)
    required_minutes = models.PositiveIntegerField()
    required_days = models.PositiveSmallIntegerField()
    attended_minutes = models.PositiveIntegerField()
    remaining_minutes = models.PositiveIntegerField()
    days_attended = models.PositiveSmallIntegerField()
    requirement_source = models.CharField(max_length=20)
    raised_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolution = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-week_start", "-raised_at"]
        indexes = [models.Index(fields=["organization", "resolved_at", "week_start"], name="flag_org_open_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "episode", "week_start", "state"], name="flag_one_per_episode_week_state"
            ),
            models.CheckConstraint(condition=~models.Q(state="on_track"), name="flag_state_is_flagged"),
        ]

    def __str__(self) -> str:
        return f"{self.get_state_display()} flag, week of {self.week_start}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class AbsenceRuleKind(models.TextChoices):
    CONSECUTIVE_UNEXCUSED = "consecutive_unexcused", "Consecutive unexcused absences"
    ABSENCES_IN_WINDOW = "absences_in_window", "Absences of any kind within a window"
    NO_REASON = "no_reason", "Absence without a reason"


class AbsenceRule(TenantModel):
    """A pattern of absences that alerts the clinical team. Until an organization saves rules of
    its own, `DEFAULT_ABSENCE_RULES` apply (attendance.patterns.selectors.absence_rules)."""

    kind = models.CharField(max_length=24, choices=AbsenceRuleKind.choices)
    count = models.PositiveSmallIntegerField(
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text="How many absences trigger the rule (unused for “absence without a reason”).",
    )
    window_days = models.PositiveSmallIntegerField(
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text="For “absences within a window”: the window in days.",
    )
    after_hours = models.PositiveSmallIntegerField(
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(336)],
        help_text="For “absence without a reason”: hours after the session before it alerts.",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["kind"]
        constraints = [models.UniqueConstraint(fields=["organization", "kind"], name="absence_rule_one_per_kind")]

    def __str__(self) -> str:
        return self.describe()

    def describe(self) -> str:
        if self.kind == AbsenceRuleKind.CONSECUTIVE_UNEXCUSED:
            return f"{self.count} program days in a row missed without an excuse"
        if self.kind == AbsenceRuleKind.ABSENCES_IN_WINDOW:
            return f"absences of any kind on {self.count} days within {self.window_days} days"
        return f"An absence still without a reason {self.after_hours} hours after the session"


class AlertAction(models.TextChoices):
    OUTREACH_CALL = "outreach_call", "Outreach call to the client"
    TEAM_REVIEW = "team_review", "Treatment-team review"
    SAFETY_CHECK = "safety_check", "Safety check / welfare call"
    REASON_DOCUMENTED = "reason_documented", "Absence reason documented"
    SCHEDULE_CHANGED = "schedule_changed", "Schedule changed to fit the client"
    OTHER = "other", "Other (see note)"


class AbsenceAlert(TenantModel):
    """An absence pattern found in an episode's attendance. `record` is the absence that completed
    the pattern: the unique constraint makes a re-evaluation a no-op."""

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="absence_alerts")
    kind = models.CharField(max_length=24, choices=AbsenceRuleKind.choices)
    record = models.ForeignKey(AttendanceRecord, on_delete=models.CASCADE, related_name="alerts")
    summary = models.CharField(max_length=300)
    raised_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action_taken = models.CharField(max_length=20, choices=AlertAction.choices, blank=True)
    action_note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-raised_at"]
        indexes = [models.Index(fields=["organization", "acknowledged_at", "-raised_at"], name="alert_org_open_idx")]
        constraints = [
            models.UniqueConstraint(fields=["organization", "kind", "record"], name="alert_one_per_kind_record"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} alert {record_ref(self.pk)}"

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None


class ReportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class AttendanceReport(TenantModel):
    """An attendance report generated in the background (e.g. the night before a review call).
    The PDF lives in this RLS-protected row, and is served only by an audited view."""

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="attendance_reports")
    start_date = models.DateField()
    end_date = models.DateField()
    purpose = models.CharField(max_length=120, blank=True)
    status = models.CharField(max_length=8, choices=ReportStatus.choices, default=ReportStatus.QUEUED)
    pdf = models.BinaryField(null=True, blank=True, editable=False)
    page_count = models.PositiveSmallIntegerField(default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    generated_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organization", "episode", "-created_at"], name="report_org_episode_idx")]
        constraints = [
            models.CheckConstraint(condition=models.Q(end_date__gte=models.F("start_date")), name="report_date_range"),
        ]

    def __str__(self) -> str:
        return f"Attendance report {record_ref(self.pk)}"


class AttendanceSettings(TenantModel):
    """Per-organization attendance knobs (one row; defaults apply until an admin saves one)."""

    late_entry_hours = models.PositiveSmallIntegerField(
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(168)],
        help_text="Attendance recorded or changed this many hours after a session ends is marked a late entry.",
    )
    missing_notice_time = models.TimeField(
        default=dt.time(8, 0), help_text="Local time of the morning notice about sessions without attendance."
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization"], name="attendance_settings_one_per_org")]
        verbose_name_plural = "attendance settings"

    def __str__(self) -> str:
        return "Attendance settings"
