"""Groups, their weekly schedule, the concrete sessions, facilitators and rosters.

Invariants the database enforces, not only the forms:
- a facilitator is never booked into two overlapping sessions (exclusion constraint on
  `SessionFacilitator`);
- a client is never booked into two overlapping sessions (exclusion constraint on `RosterEntry`);
- a session's booked seats never exceed its capacity: every booking locks the session row first
  (`services._session_lock`), so concurrent bookings are serialised and counted correctly;
- materialisation is idempotent (unique slot + local date).
Times are stored in UTC; `local_date` is the occurrence's date in the organization's zone.
"""

from __future__ import annotations

import datetime as dt

import pghistory
from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeOperators
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from iop.clients.models import Episode, ReminderChannel, TherapyTrack
from iop.common.dates import time_hm
from iop.common.text import record_ref
from iop.tenancy.models import Program, StaffProfile, TenantModel, Weekday


class SchedulingSettings(TenantModel):
    """Per-organization scheduling knobs (one row; defaults apply until an admin saves one)."""

    reminder_time = models.TimeField(default=dt.time(18, 0), help_text="Local time of the evening reminders.")
    horizon_weeks = models.PositiveSmallIntegerField(
        default=8, validators=[MinValueValidator(1), MaxValueValidator(26)]
    )
    uncovered_alert_hours = models.PositiveSmallIntegerField(default=48)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization"], name="scheduling_settings_one_per_org")]
        verbose_name_plural = "scheduling settings"

    def __str__(self) -> str:
        return "Scheduling settings"


class GroupType(TenantModel):
    name = models.CharField(max_length=80)
    counts_toward_hours = models.BooleanField(
        default=True, help_text="Whether attended time in this type counts toward weekly therapy hours."
    )
    track = models.CharField(
        max_length=24,
        choices=TherapyTrack.choices,
        default=TherapyTrack.GROUP,
        help_text="The treatment-plan track this group type serves.",
    )
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    qualified_facilitators = models.ManyToManyField(
        StaffProfile, through="FacilitatorQualification", related_name="qualified_group_types", blank=True
    )

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="grouptype_unique_name")]

    def __str__(self) -> str:
        return self.name


class FacilitatorQualification(TenantModel):
    staff_profile = models.ForeignKey(StaffProfile, on_delete=models.CASCADE, related_name="qualifications")
    group_type = models.ForeignKey(GroupType, on_delete=models.CASCADE, related_name="qualifications")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "staff_profile", "group_type"], name="qualification_unique")
        ]

    def __str__(self) -> str:
        return f"{self.staff_profile} — {self.group_type}"


class Delivery(models.TextChoices):
    TELEHEALTH = "telehealth", "Telehealth (video)"
    IN_PERSON = "in_person", "In person"


class Group(TenantModel):
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="groups")
    group_type = models.ForeignKey(GroupType, on_delete=models.PROTECT, related_name="groups")
    name = models.CharField(max_length=120)
    capacity = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(100)])
    lead_facilitator = models.ForeignKey(
        StaffProfile, null=True, blank=True, on_delete=models.SET_NULL, related_name="led_groups"
    )
    co_facilitator = models.ForeignKey(
        StaffProfile, null=True, blank=True, on_delete=models.SET_NULL, related_name="co_led_groups"
    )
    delivery = models.CharField(max_length=12, choices=Delivery.choices, default=Delivery.TELEHEALTH)
    telehealth_url = models.URLField(blank=True)
    room = models.CharField(max_length=80, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="group_unique_name")]

    def __str__(self) -> str:
        return self.name

    @property
    def location(self) -> str:
        return self.telehealth_url if self.delivery == Delivery.TELEHEALTH else self.room


class WeeklySlot(TenantModel):
    """A recurring meeting of a group: weekday, local start time, duration, effective dates."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="slots")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start_time = models.TimeField()
    duration_minutes = models.PositiveSmallIntegerField(validators=[MinValueValidator(15), MaxValueValidator(480)])
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["weekday", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(effective_to__isnull=True) | models.Q(effective_to__gte=models.F("effective_from")),
                name="slot_effective_range",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {time_hm(self.start_time)} ({self.duration_minutes} min)"

    @property
    def end_time(self) -> dt.time:
        start = dt.datetime.combine(dt.date(2000, 1, 3), self.start_time)  # any date: only the time counts
        return (start + dt.timedelta(minutes=self.duration_minutes)).time()

    def is_effective_on(self, day: dt.date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or self.effective_to >= day)


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    CANCELLED = "cancelled", "Cancelled"


class Session(TenantModel):
    """One meeting of a group. Created from a weekly slot by materialisation (or one-off). A change
    to one session (cancel, move, facilitator, topic) marks it `is_modified` and leaves the
    recurrence alone; re-materialisation never overwrites a modified session."""

    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="sessions")
    slot = models.ForeignKey(WeeklySlot, null=True, blank=True, on_delete=models.SET_NULL, related_name="sessions")
    local_date = models.DateField(help_text="The session's date in the organization's time zone.")
    # Which occurrence of the weekly slot this is (its original date, like iCalendar's
    # RECURRENCE-ID): a session moved to another day keeps it, so materialisation never
    # recreates the occurrence it came from.
    occurrence_date = models.DateField()
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    capacity = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(100)])
    status = models.CharField(max_length=12, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED)
    topic = models.CharField(max_length=200, blank=True)
    is_modified = models.BooleanField(default=False)
    cancelled_reason = models.CharField(max_length=200, blank=True)
    # When each kind of change last happened: reminders flag what changed since the last one sent.
    cancelled_at = models.DateTimeField(null=True, blank=True)
    moved_at = models.DateTimeField(null=True, blank=True)
    facilitator_changed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at"]
        indexes = [
            models.Index(fields=["organization", "starts_at"], name="session_org_start_idx"),
            models.Index(fields=["organization", "group", "starts_at"], name="session_org_group_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "slot", "occurrence_date"], name="session_unique_occurrence"
            ),
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="session_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group} on {self.local_date:%Y-%m-%d}"

    @property
    def duration_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    @property
    def is_cancelled(self) -> bool:
        return self.status == SessionStatus.CANCELLED


class FacilitatorRole(models.TextChoices):
    LEAD = "lead", "Lead"
    CO = "co", "Co-facilitator"


class SessionFacilitator(TenantModel):
    """A facilitator booked into a session. The time range is copied from the session so Postgres
    can refuse overlapping bookings of one facilitator (exclusion constraint)."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="facilitators")
    staff_profile = models.ForeignKey(StaffProfile, on_delete=models.PROTECT, related_name="session_bookings")
    role = models.CharField(max_length=4, choices=FacilitatorRole.choices)
    during = DateTimeRangeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "session", "role"], name="session_one_facilitator_per_role"
            ),
            ExclusionConstraint(
                name="facilitator_no_double_booking",
                expressions=[("staff_profile", RangeOperators.EQUAL), ("during", RangeOperators.OVERLAPS)],
            ),
        ]
        indexes = [models.Index(fields=["organization", "staff_profile"], name="sessionfac_org_staff_idx")]

    def __str__(self) -> str:
        return f"{self.get_role_display()} of {self.session}"


class Placement(TenantModel):
    """An episode placed into a group for a date range; it books the client into every session of
    the group in that range (roster entries)."""

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="placements")
    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="placements")
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey("accounts.User", null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["start_date"]
        indexes = [models.Index(fields=["organization", "episode", "is_active"], name="placement_org_episode_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True) | models.Q(end_date__gte=models.F("start_date")),
                name="placement_date_range",
            )
        ]

    def __str__(self) -> str:
        return f"Placement {record_ref(self.pk)} in {self.group}"


class RosterStatus(models.TextChoices):
    BOOKED = "booked", "Booked"
    WAITLISTED = "waitlisted", "Waitlisted"
    REMOVED = "removed", "Removed"
    CANCELLED = "cancelled", "Session cancelled"


class RosterSource(models.TextChoices):
    PLACEMENT = "placement", "Placement"
    MANUAL = "manual", "Added by staff"
    WAITLIST = "waitlist", "Promoted from waitlist"
    WALK_IN = "walk_in", "Joined without being on the roster"


class RosterEntry(TenantModel):
    """A client's seat in a session (or their place on that session's waitlist)."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="roster_entries")
    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="roster_entries")
    placement = models.ForeignKey(
        Placement, null=True, blank=True, on_delete=models.SET_NULL, related_name="roster_entries"
    )
    status = models.CharField(max_length=12, choices=RosterStatus.choices, default=RosterStatus.BOOKED)
    source = models.CharField(max_length=12, choices=RosterSource.choices, default=RosterSource.PLACEMENT)
    reason = models.CharField(max_length=200, blank=True)
    during = DateTimeRangeField()
    added_at = models.DateTimeField(auto_now_add=True)
    added_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["added_at"]
        indexes = [
            models.Index(fields=["organization", "session", "status"], name="roster_org_session_idx"),
            models.Index(fields=["organization", "episode", "status"], name="roster_org_episode_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "session", "episode"],
                condition=models.Q(status__in=["booked", "waitlisted"]),
                name="roster_one_live_entry_per_client",
            ),
            ExclusionConstraint(
                name="roster_no_overlapping_sessions",
                expressions=[("episode", RangeOperators.EQUAL), ("during", RangeOperators.OVERLAPS)],
                condition=models.Q(status="booked"),
            ),
        ]
        verbose_name_plural = "roster entries"

    def __str__(self) -> str:
        return f"Roster entry {record_ref(self.pk)} ({self.get_status_display().lower()})"


class FacilitatorAbsence(TenantModel):
    staff_profile = models.ForeignKey(StaffProfile, on_delete=models.CASCADE, related_name="absences")
    start_date = models.DateField()
    end_date = models.DateField()
    reason = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey("accounts.User", null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-start_date"]
        constraints = [
            models.CheckConstraint(condition=models.Q(end_date__gte=models.F("start_date")), name="absence_date_range")
        ]

    def __str__(self) -> str:
        return f"Absence {self.start_date}–{self.end_date}"


class ReminderStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    DELIVERING = "delivering", "Delivering"
    SENT = "sent", "Sent"
    SKIPPED = "skipped", "Skipped"
    FAILED = "failed", "Failed"
    UNKNOWN = "unknown", "Status unknown"


# Every status change (who resent an unknown reminder, when) is kept; the message itself is not
# copied into the history: the outbox holds it.
@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), exclude=["lineup", "body"])
class ReminderDispatch(TenantModel):
    """One reminder per client per day per channel: the unique constraint makes a second run of the
    job, a retry or a redelivered task a no-op. A delivery is claimed (`queued → delivering`) in the
    same committed transaction that records its message in the outbox under `idempotency_key`, so
    nothing leaves unrecorded; a dispatch stuck in `delivering` (its worker died) is retried under
    the same key when the channel's provider deduplicates, and otherwise marked `unknown` for a VA
    to check and resend (scheduling/reminders/services.py)."""

    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="reminder_dispatches")
    local_date = models.DateField(help_text="The day whose sessions the reminder announces.")
    channel = models.CharField(max_length=8)
    status = models.CharField(max_length=12, choices=ReminderStatus.choices, default=ReminderStatus.QUEUED)
    lineup = models.JSONField(default=list, blank=True)
    body = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=200, blank=True)
    resends = models.PositiveSmallIntegerField(default=0, help_text="Times a VA resent it after an unknown outcome.")
    resent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-local_date", "client"]
        verbose_name_plural = "reminder dispatches"
        indexes = [models.Index(fields=["organization", "local_date", "status"], name="reminder_org_date_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "client", "local_date", "channel"], name="reminder_one_per_client_day_channel"
            )
        ]

    def __str__(self) -> str:
        channel = ReminderChannel(self.channel).label if self.channel in ReminderChannel.values else self.channel
        return f"{channel} reminder for {self.local_date}"

    @property
    def idempotency_key(self) -> str:
        """The outbox key of the current delivery: the dispatch id, the same for every retry of it;
        a VA's resend is a new message, so it gets a key of its own."""
        return str(self.pk) if not self.resends else f"{self.pk}.{self.resends}"


class CalendarFeed(TenantModel):
    """A facilitator's secret, revocable iCalendar subscription. Only a digest of the secret is stored."""

    staff_profile = models.ForeignKey(StaffProfile, on_delete=models.CASCADE, related_name="calendar_feeds")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Calendar feed of {self.staff_profile.membership.user}"
