"""Organizations (tenants), their programs, staff memberships and the base of every tenant row."""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone

from .context import require_tenant_id


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"“{value}” is not a known time zone (e.g. America/New_York).")


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class Organization(models.Model):
    """A provider organization: the tenant. Holds no PHI, so it is the one table outside RLS; cross-
    tenant jobs fan out from it and re-enter each tenant."""

    slug = models.SlugField(max_length=50, unique=True, validators=[RegexValidator(r"^[a-z0-9-]+$")])
    name = models.CharField(max_length=200)
    timezone = models.CharField(max_length=64, default="America/New_York", validators=[validate_timezone])
    week_start = models.PositiveSmallIntegerField(choices=Weekday.choices, default=Weekday.MONDAY)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    @property
    def week_end_display(self) -> str:
        """The last weekday of the organization's week (the day before its week start)."""
        return Weekday((self.week_start - 1) % 7).label

    def local_today(self, now: dt.datetime | None = None) -> dt.date:
        """Today in the organization's zone (on a New York evening, UTC is already tomorrow)."""
        return (now or timezone.now()).astimezone(self.tzinfo).date()

    def local_datetime(self, day: dt.date, at: dt.time) -> dt.datetime:
        """The instant of a local wall-clock time, correct on both sides of a DST change."""
        return dt.datetime.combine(day, at, tzinfo=self.tzinfo)


class TenantManager(models.Manager):
    """`Model.objects`: fails loudly without a tenant context instead of returning nothing.

    RLS filters every query anyway; this manager adds the explicit `organization_id` filter (so the
    planner uses the org-leading indexes) and turns a forgotten context into an exception in
    development instead of a silently empty page.
    """

    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().filter(organization_id=require_tenant_id())


class TenantModel(models.Model):
    """Base of every tenant-owned row.

    - `organization` is NOT NULL; the database protections (RLS policy, composite foreign keys to
      other tenant tables, grants) are derived from this base by `iop.tenancy.rls` after migrate.
    - `all_objects` is declared first so it is the default manager: admin, related access and
      prefetch keep working, and RLS still limits them to the current tenant.
    - UUID keys: ids appear in URLs, and sequential ids would leak activity across tenants.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, editable=False)

    all_objects = models.Manager()
    objects = TenantManager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.organization_id is None:
            self.organization_id = require_tenant_id()
        super().save(*args, **kwargs)


class LevelOfCare(models.TextChoices):
    IOP = "iop", "Intensive outpatient (IOP)"
    PHP = "php", "Partial hospitalization (PHP)"
    OP = "op", "Outpatient (OP)"


class Program(TenantModel):
    name = models.CharField(max_length=120)
    level_of_care = models.CharField(max_length=8, choices=LevelOfCare.choices, default=LevelOfCare.IOP)
    default_min_weekly_hours = models.DecimalField(
        max_digits=4,
        decimal_places=1,
        default=9,
        validators=[MinValueValidator(0), MaxValueValidator(60)],
        help_text="Used when neither the payer nor the treatment plan sets weekly hours.",
    )
    default_min_days_per_week = models.PositiveSmallIntegerField(
        default=3, validators=[MinValueValidator(0), MaxValueValidator(7)]
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="program_unique_name_per_org"),
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    INTAKE = "intake", "Intake specialist"
    VA = "va", "Virtual assistant"
    CLINICIAN = "clinician", "Clinician"
    ORG_ADMIN = "org_admin", "Organization admin"


class Membership(TenantModel):
    """A staff user's role in one organization. A user may belong to several organizations."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organization__name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="membership_unique_user_per_org"),
        ]
        indexes = [models.Index(fields=["user", "organization"], name="membership_user_org_idx")]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"


class StaffProfile(TenantModel):
    """Professional details of a staff member in one organization (facilitators, clinicians)."""

    membership = models.OneToOneField(Membership, on_delete=models.CASCADE, related_name="staff_profile")
    credentials = models.CharField(max_length=80, blank=True, help_text="e.g. LCSW, LPC, PsyD")
    license_number = models.CharField(max_length=60, blank=True)
    license_state = models.CharField(max_length=2, blank=True)
    can_facilitate = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"Staff profile of {self.membership.user}"
