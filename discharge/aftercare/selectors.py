"""Reads for aftercare: the directory (with its filters), a plan's appointments and follow-up
checks, the rule that says aftercare is booked (checklist item `aftercare_booked`), and the
worklist's two sections.

The rule (HEDIS FUH/FUA, domain §5.1, and payer guidance to book before the last IOP day): an
appointment counts when it is booked or kept, was booked no later than the last day of care (the
booking is part of the discharge, not a call made afterwards), and starts in the
`aftercare_within_days` days AFTER the last day — a visit on the last day itself does not count.
Every date is the organization's local date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from discharge.models import (
    AftercareAppointment,
    AftercareProvider,
    AppointmentStatus,
    DischargeSettings,
    FollowUpCheck,
    FollowUpOutcome,
    PlanStatus,
    TransitionPlan,
)
from iop.common.dates import date_short, datetime_short
from iop.tenancy.models import Organization

DEFAULT_WITHIN_DAYS = DischargeSettings._meta.get_field("aftercare_within_days").get_default()
FOLLOW_UP_THRESHOLDS = (7, 30)
# The worklist's "not booked" section: plans ending in the next two weeks.
NOT_BOOKED_HORIZON_DAYS = 14
COUNTING_STATUSES = (AppointmentStatus.BOOKED, AppointmentStatus.KEPT)


# --- Settings and formatting -------------------------------------------------------------------------


def aftercare_within_days(organization_id) -> int:
    """The organization's window for the aftercare visit (its DischargeSettings, or the default)."""
    value = (
        DischargeSettings.objects.filter(organization_id=organization_id)
        .values_list("aftercare_within_days", flat=True)
        .first()
    )
    return value or DEFAULT_WITHIN_DAYS


def local_label(organization: Organization, instant: dt.datetime) -> str:
    """ "Tue 8 Dec 10:00" in the organization's zone."""
    local = instant.astimezone(organization.tzinfo)
    return datetime_short(local)


def plan_last_day(plan: TransitionPlan) -> dt.date | None:
    """The last day of care: the actual one once discharged, else the planned one."""
    return plan.last_day or plan.target_date


# --- The rule ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    """Where an appointment falls against the last day of care."""

    counts: bool
    same_day: bool = False
    before_last_day: bool = False
    too_late: bool = False
    booked_late: bool = False


def appointment_timing(*, appointment: AftercareAppointment, last_day: dt.date | None, within_days: int, tz) -> Timing:
    if last_day is None or appointment.status not in COUNTING_STATUSES:
        return Timing(counts=False)
    day = appointment.starts_at.astimezone(tz).date()
    booked_on = appointment.created_at.astimezone(tz).date() if appointment.created_at else None
    same_day = day == last_day
    before = day < last_day
    too_late = day > last_day + dt.timedelta(days=within_days)
    booked_late = booked_on is not None and booked_on > last_day
    counts = not (same_day or before or too_late or booked_late)
    return Timing(counts=counts, same_day=same_day, before_last_day=before, too_late=too_late, booked_late=booked_late)


def aftercare_booked(plan: TransitionPlan, *, within_days: int | None = None) -> bool:
    """Contract 2 (checklist item `aftercare_booked`): an appointment booked (or kept) with a
    provider no later than the last day, starting 1 to `aftercare_within_days` days after it.
    Reads `plan.appointments` (prefetched by a list, one query otherwise)."""
    last_day = plan_last_day(plan)
    if last_day is None:
        return False
    if within_days is None:
        within_days = aftercare_within_days(plan.organization_id)
    tz = plan.organization.tzinfo
    return any(
        appointment_timing(appointment=a, last_day=last_day, within_days=within_days, tz=tz).counts
        for a in plan.appointments.all()
    )


def appointment_warnings(*, appointment: AftercareAppointment, plan: TransitionPlan) -> list[str]:
    """What staff should know about a booking that was accepted: the provider is not taking new
    clients, the visit does not count for the 7-day follow-up (same day, too late, booked late)."""
    organization = plan.organization
    within = aftercare_within_days(plan.organization_id)
    last_day = plan_last_day(plan)
    warnings = []
    if not appointment.provider.accepts_new_clients:
        warnings.append(
            f"{appointment.provider.name} is listed as not taking new clients: confirm they will see this client."
        )
    timing = appointment_timing(appointment=appointment, last_day=last_day, within_days=within, tz=organization.tzinfo)
    if last_day is not None and timing.same_day:
        warnings.append(
            "A visit on the last day of care does not count as the follow-up (HEDIS): "
            f"book one between the day after and {within} days after {date_short(last_day)}."
        )
    elif last_day is not None and timing.too_late:
        warnings.append(
            f"This visit is more than {within} days after the last day ({date_short(last_day)}): "
            "it does not count as the 7-day follow-up."
        )
    elif last_day is not None and timing.booked_late:
        warnings.append(
            "Booked after the last day of care: the checklist counts only aftercare booked before discharge."
        )
    return warnings


# --- Directory ---------------------------------------------------------------------------------------


def provider_list(
    *,
    organization: Organization,
    level: str = "",
    payer_id=None,
    accepting: bool | None = None,
    active_only: bool = False,
) -> QuerySet[AftercareProvider]:
    """The directory, filtered by level of care, a payer accepted and whether it takes new clients;
    each row's payers prefetched (two queries whatever the size)."""
    providers = AftercareProvider.objects.filter(organization=organization)
    if level:
        providers = providers.filter(levels_of_care__contains=[level])
    if payer_id:
        providers = providers.filter(payer_links__payer_id=payer_id)
    if accepting is not None:
        providers = providers.filter(accepts_new_clients=accepting)
    if active_only:
        providers = providers.filter(is_active=True)
    return providers.prefetch_related("payers_accepted").order_by("name").distinct()


def provider_get(*, organization: Organization, provider_id) -> AftercareProvider | None:
    return AftercareProvider.objects.filter(organization=organization, pk=provider_id).first()


# --- A plan's appointments and checks ------------------------------------------------------------------------


def plan_appointments(*, plan: TransitionPlan) -> list[AftercareAppointment]:
    return list(
        AftercareAppointment.objects.filter(organization_id=plan.organization_id, plan=plan)
        .select_related("provider")
        .order_by("-starts_at")
    )


def plan_follow_up_checks(*, plan: TransitionPlan) -> list[FollowUpCheck]:
    return list(
        FollowUpCheck.objects.filter(organization_id=plan.organization_id, plan=plan)
        .select_related("checked_by")
        .order_by("days")
    )


def appointment_get(*, plan: TransitionPlan, appointment_id) -> AftercareAppointment | None:
    return (
        AftercareAppointment.objects.filter(organization_id=plan.organization_id, plan=plan, pk=appointment_id)
        .select_related("provider", "plan__organization")
        .first()
    )


def follow_up_check_get(*, plan: TransitionPlan, check_id) -> FollowUpCheck | None:
    return FollowUpCheck.objects.filter(organization_id=plan.organization_id, plan=plan, pk=check_id).first()


def appointment_list(*, organization: Organization) -> QuerySet[AftercareAppointment]:
    """The organization's appointments (for the API), with what their rows name."""
    return AftercareAppointment.objects.filter(organization=organization).select_related(
        "provider", "plan__episode", "plan__organization"
    )


def follow_up_check_list(*, organization: Organization) -> QuerySet[FollowUpCheck]:
    return FollowUpCheck.objects.filter(organization=organization).select_related("plan__episode")


@dataclass
class Panel:
    """The discharge page's aftercare panel."""

    current: list[AftercareAppointment]  # booked, soonest first
    past: list[AftercareAppointment]  # kept, missed, cancelled
    checks: list[FollowUpCheck]
    booked: bool
    within_days: int
    last_day: dt.date | None


def aftercare_panel(*, plan: TransitionPlan) -> Panel:
    appointments = plan_appointments(plan=plan)
    within = aftercare_within_days(plan.organization_id)
    current = sorted((a for a in appointments if a.status == AppointmentStatus.BOOKED), key=lambda a: a.starts_at)
    past = [a for a in appointments if a.status != AppointmentStatus.BOOKED]
    last_day = plan_last_day(plan)
    tz = plan.organization.tzinfo
    booked = any(
        appointment_timing(appointment=a, last_day=last_day, within_days=within, tz=tz).counts for a in appointments
    )
    return Panel(
        current=current,
        past=past,
        checks=plan_follow_up_checks(plan=plan),
        booked=booked,
        within_days=within,
        last_day=last_day,
    )


# --- Follow-up checks due to be raised -----------------------------------------------------------------------


def kept_within(*, appointments: Iterable[AftercareAppointment], last_day: dt.date, days: int, tz):
    """The first kept appointment 1..`days` days after the last day, or None."""
    for appointment in sorted(appointments, key=lambda a: a.starts_at):
        day = appointment.starts_at.astimezone(tz).date()
        if appointment.status == AppointmentStatus.KEPT and last_day < day <= last_day + dt.timedelta(days=days):
            return appointment
    return None


def plans_for_follow_up(*, organization: Organization, today: dt.date, lookback_days: int) -> list[TransitionPlan]:
    """Completed discharges whose 7- or 30-day check falls due between `lookback_days` ago and
    today, with their appointments (two queries)."""
    earliest = today - dt.timedelta(days=max(FOLLOW_UP_THRESHOLDS) + lookback_days)
    latest = today - dt.timedelta(days=min(FOLLOW_UP_THRESHOLDS))
    return list(
        TransitionPlan.objects.filter(
            organization=organization,
            status=PlanStatus.COMPLETED,
            last_day__gte=earliest,
            last_day__lte=latest,
        )
        .select_related("organization")
        .prefetch_related(Prefetch("appointments", queryset=AftercareAppointment.objects.order_by("starts_at")))
    )


# --- Worklist (contract 3) -------------------------------------------------------------------------------------


def aftercare_worklist(*, organization: Organization, today: dt.date) -> dict:
    """The Discharges worklist's aftercare sections, in four queries whatever their size:

    - "not_booked": plans still in planning whose target date falls in the next 14 days (today
      included) without an appointment satisfying the rule, soonest first;
    - "follow_ups_due": pending follow-up checks due on or before today, oldest first.
    """
    within = aftercare_within_days(organization.pk)
    horizon = today + dt.timedelta(days=NOT_BOOKED_HORIZON_DAYS)
    plans = (
        TransitionPlan.objects.filter(
            organization=organization,
            status=PlanStatus.PLANNING,
            target_date__gte=today,
            target_date__lte=horizon,
        )
        .select_related("episode__client", "receiving_provider", "organization")
        .prefetch_related(
            Prefetch(
                "appointments",
                queryset=AftercareAppointment.objects.filter(status__in=COUNTING_STATUSES).order_by("starts_at"),
            )
        )
        .order_by("target_date", "pk")
    )
    not_booked = [plan for plan in plans if not aftercare_booked(plan, within_days=within)]
    follow_ups_due = list(
        FollowUpCheck.objects.filter(organization=organization, outcome=FollowUpOutcome.PENDING, due_date__lte=today)
        .select_related("plan__episode__client", "plan__receiving_provider")
        .order_by("due_date", "days", "pk")
    )
    return {"not_booked": not_booked, "follow_ups_due": follow_ups_due}
