"""Writes for aftercare: the directory, a plan's appointments (book, reschedule, cancel, kept or
missed), the 7- and 30-day follow-up checks (raised by the worker, answered by staff), and the
demo's providers and appointments.

- Booking is refused when the provider is inactive, the level is not one it offers, the time has
  passed or falls before the last day of care, or the plan has nothing to time it against. A
  provider not taking new clients, a visit on the last day itself (it does not count for HEDIS)
  or after the window is accepted with a warning (`selectors.appointment_warnings`): staff may
  know better (the client is already theirs; the only slot there is).
- Rescheduling and cancelling change the row; pghistory keeps the earlier versions.
- The follow-up checks are raised once per plan and threshold whatever the job repeats: the
  database keeps one row per (plan, days) and the job inserts with ON CONFLICT DO NOTHING. A kept
  appointment staff recorded in the window answers the check at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from authorizations.models import Payer
from discharge.errors import DischargeErrorCode
from discharge.models import (
    AftercareAppointment,
    AftercareLevel,
    AftercareProvider,
    AftercareProviderPayer,
    AppointmentStatus,
    FollowUpCheck,
    FollowUpOutcome,
    PlanStatus,
    TransitionPlan,
)
from iop.common.dates import date_short, time_hm
from iop.common.exceptions import refuse
from iop.tenancy.models import Organization

from . import selectors

if TYPE_CHECKING:
    from iop.accounts.models import User

# The worker raises checks whose due date is at most this many days behind (a plan completed
# long before the job ran is not chased any more).
FOLLOW_UP_LOOKBACK_DAYS = 30
_PROVIDER_FIELDS = ("name", "npi", "phone", "fax", "email", "address", "levels_of_care", "accepts_new_clients")


# --- Directory -----------------------------------------------------------------------------------------


def _provider_check(provider: AftercareProvider) -> None:
    if provider.npi and not (len(provider.npi) == 10 and provider.npi.isdigit()):
        refuse("An NPI is ten digits.", code=DischargeErrorCode.PROVIDER_NPI_INVALID, field="npi")
    unknown = [level for level in provider.levels_of_care if level not in AftercareLevel.values]
    if unknown:
        refuse(
            f"Unknown level of care: {', '.join(unknown)}.",
            code=DischargeErrorCode.PROVIDER_FIELDS,
            field="levels_of_care",
        )
    try:
        provider.full_clean(exclude=["organization", "payers_accepted", "levels_of_care"], validate_unique=False)
    except ValidationError as exc:
        errors = exc.message_dict
        first = next(iter(errors.values()))[0]
        refuse(first, code=DischargeErrorCode.PROVIDER_FIELDS, extra=errors)
    taken = AftercareProvider.objects.filter(organization_id=provider.organization_id, name__iexact=provider.name)
    if provider.pk:
        taken = taken.exclude(pk=provider.pk)
    if taken.exists():
        refuse(f"The directory already has {provider.name}.", code=DischargeErrorCode.PROVIDER_NAME_TAKEN, field="name")


def _payers_set(provider: AftercareProvider, payers: Iterable[Payer]) -> None:
    wanted = {p.pk for p in payers if p.organization_id == provider.organization_id}
    AftercareProviderPayer.objects.filter(organization_id=provider.organization_id, provider=provider).exclude(
        payer_id__in=wanted
    ).delete()
    have = set(
        AftercareProviderPayer.objects.filter(organization_id=provider.organization_id, provider=provider).values_list(
            "payer_id", flat=True
        )
    )
    AftercareProviderPayer.objects.bulk_create(
        [
            AftercareProviderPayer(organization_id=provider.organization_id, provider=provider, payer_id=pk)
            for pk in wanted - have
        ]
    )


@transaction.atomic
def aftercare_provider_create(
    *,
    organization: Organization,
    name: str,
    npi: str = "",
    phone: str = "",
    fax: str = "",
    email: str = "",
    address: str = "",
    levels_of_care: Iterable[str] = (),
    payers: Iterable[Payer] = (),
    accepts_new_clients: bool = True,
    notes: str = "",
    actor: User | None = None,
) -> AftercareProvider:
    """Add a receiving provider to the organization's directory."""
    provider = AftercareProvider(
        organization=organization,
        name=name.strip(),
        npi=npi.strip(),
        phone=phone.strip(),
        fax=fax.strip(),
        email=email.strip(),
        address=address.strip(),
        levels_of_care=list(dict.fromkeys(levels_of_care)),
        accepts_new_clients=accepts_new_clients,
        notes=notes.strip(),
    )
    _provider_check(provider)
    provider.save()
    _payers_set(provider, payers)
    return provider


@transaction.atomic
def aftercare_provider_update(
    *, provider: AftercareProvider, payers: Iterable[Payer] | None = None, actor: User | None = None, **changes
) -> AftercareProvider:
    """Change a provider's details (those given); `payers` replaces the payers accepted.
    Deactivating keeps its appointments (history) and takes it out of the booking choices."""
    provider = AftercareProvider.objects.select_for_update().get(
        organization_id=provider.organization_id, pk=provider.pk
    )
    allowed = {*_PROVIDER_FIELDS, "notes", "is_active"}
    for name, value in changes.items():
        if name not in allowed:
            raise TypeError(f"aftercare_provider_update() got an unexpected field {name!r}")
        if isinstance(value, str):
            value = value.strip()
        if name == "levels_of_care":
            value = list(dict.fromkeys(value))
        setattr(provider, name, value)
    _provider_check(provider)
    provider.save()
    if payers is not None:
        _payers_set(provider, payers)
    return provider


# --- Appointments --------------------------------------------------------------------------------------------


def appointment_local_start(*, organization: Organization, day: dt.date, time: dt.time) -> dt.datetime:
    """The instant of a local date and time typed on a page, refused when that wall-clock time
    does not exist (the hour skipped when clocks go forward)."""
    instant = organization.local_datetime(day, time)
    back = instant.astimezone(dt.UTC).astimezone(organization.tzinfo)
    if (back.date(), back.time().replace(tzinfo=None)) != (day, time.replace(tzinfo=None)):
        refuse(
            f"{time_hm(time)} does not exist on {date_short(day)} here: the clocks go forward then.",
            code=DischargeErrorCode.APPOINTMENT_TIME_NONEXISTENT,
            field="time",
        )
    return instant


def _open_plan(plan: TransitionPlan) -> TransitionPlan:
    """The plan, locked (one aftercare change at a time); a cancelled plan takes no booking, and
    one without a (target or last) day has nothing to time the visit against."""
    plan = (
        TransitionPlan.objects.select_for_update(of=("self",))
        .select_related("organization")
        .get(organization_id=plan.organization_id, pk=plan.pk)
    )
    if plan.status == PlanStatus.CANCELLED:
        refuse("This transition plan was cancelled.", code=DischargeErrorCode.APPOINTMENT_PLAN_NOT_OPEN)
    if selectors.plan_last_day(plan) is None:
        refuse(
            "Set the plan's target date (the last day of care) first: aftercare is timed from it.",
            code=DischargeErrorCode.APPOINTMENT_LAST_DAY_REQUIRED,
        )
    return plan


def _check_time(*, plan: TransitionPlan, starts_at: dt.datetime, now: dt.datetime) -> None:
    if starts_at <= now:
        refuse(
            "The appointment's time has passed: give the time ahead it was booked for.",
            code=DischargeErrorCode.APPOINTMENT_IN_PAST,
            field="starts_at",
        )
    last_day = selectors.plan_last_day(plan)
    assert last_day is not None
    day = starts_at.astimezone(plan.organization.tzinfo).date()
    if day < last_day:
        refuse(
            f"Aftercare starts after the last day of care ({date_short(last_day)}): "
            "a visit before it is not aftercare.",
            code=DischargeErrorCode.APPOINTMENT_BEFORE_LAST_DAY,
            field="starts_at",
        )


def _check_provider(*, plan: TransitionPlan, provider: AftercareProvider, level: str) -> AftercareProvider:
    found = selectors.provider_get(organization=plan.organization, provider_id=provider.pk)
    if found is None:
        refuse("That provider is not in the directory.", code=DischargeErrorCode.PROVIDER_UNKNOWN, field="provider")
    provider = found
    if not provider.is_active:
        refuse(
            f"{provider.name} is no longer active in the directory: choose another provider.",
            code=DischargeErrorCode.PROVIDER_INACTIVE,
            field="provider",
        )
    if level and level not in AftercareLevel.values:
        refuse("Unknown level of care.", code=DischargeErrorCode.INVALID_LEVEL_OF_CARE, field="level_of_care")
    if level and provider.levels_of_care and level not in provider.levels_of_care:
        refuse(
            f"{provider.name} does not offer {AftercareLevel(level).label}.",
            code=DischargeErrorCode.LEVEL_NOT_OFFERED,
            field="level_of_care",
        )
    return provider


def _booked(appointment: AftercareAppointment) -> AftercareAppointment:
    appointment = AftercareAppointment.objects.select_for_update().get(
        organization_id=appointment.organization_id, pk=appointment.pk
    )
    if appointment.status != AppointmentStatus.BOOKED:
        refuse(
            f"This appointment is {appointment.get_status_display().lower()}: book a new one instead.",
            code=DischargeErrorCode.APPOINTMENT_NOT_BOOKED,
        )
    return appointment


@transaction.atomic
def aftercare_appointment_book(
    *,
    plan: TransitionPlan,
    provider: AftercareProvider,
    starts_at: dt.datetime,
    level_of_care: str = "",
    confirmed: bool = False,
    confirmation_number: str = "",
    note: str = "",
    actor: User | None,
    now: dt.datetime | None = None,
) -> AftercareAppointment:
    """Book the client's aftercare appointment with a provider of the directory."""
    now = now or timezone.now()
    plan = _open_plan(plan)
    provider = _check_provider(plan=plan, provider=provider, level=level_of_care)
    _check_time(plan=plan, starts_at=starts_at, now=now)
    if AftercareAppointment.objects.filter(
        organization_id=plan.organization_id, plan=plan, provider=provider, status=AppointmentStatus.BOOKED
    ).exists():
        refuse(
            f"An appointment with {provider.name} is booked already: reschedule that one instead.",
            code=DischargeErrorCode.APPOINTMENT_ALREADY_BOOKED,
            field="provider",
        )
    appointment = AftercareAppointment(
        organization_id=plan.organization_id,
        plan=plan,
        provider=provider,
        starts_at=starts_at,
        level_of_care=level_of_care,
        confirmed=confirmed or bool(confirmation_number.strip()),
        confirmation_number=confirmation_number.strip(),
        note=note.strip(),
        booked_by=actor,
    )
    appointment.save()
    # created_at is the booking instant the rule reads; under a fixed clock (tests, the demo's
    # "now") it must be that clock's, not the database's.
    AftercareAppointment.objects.filter(pk=appointment.pk).update(created_at=now)
    appointment.created_at = now
    return appointment


@transaction.atomic
def aftercare_appointment_reschedule(
    *,
    appointment: AftercareAppointment,
    starts_at: dt.datetime,
    confirmed: bool | None = None,
    confirmation_number: str | None = None,
    actor: User | None,
    now: dt.datetime | None = None,
) -> AftercareAppointment:
    """Move a booked appointment (and change its confirmation, when given); the earlier time stays
    in its history."""
    now = now or timezone.now()
    plan = _open_plan(appointment.plan)
    appointment = _booked(appointment)
    _check_time(plan=plan, starts_at=starts_at, now=now)
    changes: dict[str, object] = {"starts_at": starts_at}
    if confirmation_number is not None:
        changes["confirmation_number"] = confirmation_number.strip()
    if confirmed is not None:
        changes["confirmed"] = confirmed or bool(changes.get("confirmation_number"))
    if all(getattr(appointment, name) == value for name, value in changes.items()):
        refuse("Nothing changed: give the new time.", code=DischargeErrorCode.APPOINTMENT_UNCHANGED, field="starts_at")
    for name, value in changes.items():
        setattr(appointment, name, value)
    appointment.save(update_fields=list(changes))
    return appointment


@transaction.atomic
def aftercare_appointment_cancel(
    *, appointment: AftercareAppointment, reason: str, actor: User | None
) -> AftercareAppointment:
    """Cancel a booked appointment, with the reason (kept in its note)."""
    if not reason.strip():
        refuse(
            "Say why the appointment is cancelled.",
            code=DischargeErrorCode.APPOINTMENT_CANCEL_REASON_REQUIRED,
            field="reason",
        )
    appointment = _booked(appointment)
    appointment.status = AppointmentStatus.CANCELLED
    appointment.note = f"Cancelled: {reason.strip()}"[:500]
    appointment.save(update_fields=["status", "note"])
    return appointment


@transaction.atomic
def aftercare_appointment_outcome_record(
    *,
    appointment: AftercareAppointment,
    outcome: str,
    note: str = "",
    actor: User | None,
    now: dt.datetime | None = None,
) -> AftercareAppointment:
    """Record whether the client went (kept) or not (missed), once its time has come. A correction
    (kept ↔ missed) is allowed; the history keeps the first answer. A kept visit answers the plan's
    pending follow-up checks whose window it falls in."""
    now = now or timezone.now()
    if outcome not in (AppointmentStatus.KEPT, AppointmentStatus.MISSED):
        refuse(
            "Say whether the appointment was kept or missed.", code=DischargeErrorCode.OUTCOME_INVALID, field="outcome"
        )
    appointment = AftercareAppointment.objects.select_for_update().get(
        organization_id=appointment.organization_id, pk=appointment.pk
    )
    if appointment.status == AppointmentStatus.CANCELLED:
        refuse("This appointment was cancelled.", code=DischargeErrorCode.APPOINTMENT_NOT_BOOKED)
    if appointment.starts_at > now:
        refuse(
            "The appointment's time has not come yet: record whether it was kept afterwards.",
            code=DischargeErrorCode.OUTCOME_TOO_EARLY,
            field="outcome",
        )
    appointment.status = outcome
    appointment.outcome_recorded_at = now
    appointment.outcome_recorded_by = actor
    if note.strip():
        appointment.note = note.strip()[:500]
    appointment.save(update_fields=["status", "outcome_recorded_at", "outcome_recorded_by", "note"])
    if outcome == AppointmentStatus.KEPT:
        _checks_answer_from(appointment=appointment, actor=actor, now=now)
    return appointment


def _kept_note(organization: Organization, appointment: AftercareAppointment) -> str:
    return f"Kept: {appointment.provider.name}, {selectors.local_label(organization, appointment.starts_at)}."[:500]


def _checks_answer_from(*, appointment: AftercareAppointment, actor: User | None, now: dt.datetime) -> None:
    plan = TransitionPlan.objects.select_related("organization").get(
        organization_id=appointment.organization_id, pk=appointment.plan_id
    )
    last_day = plan.last_day
    if last_day is None:
        return
    day = appointment.starts_at.astimezone(plan.organization.tzinfo).date()
    for check in FollowUpCheck.objects.select_for_update().filter(
        organization_id=plan.organization_id, plan=plan, outcome=FollowUpOutcome.PENDING
    ):
        if last_day < day <= last_day + dt.timedelta(days=check.days):
            check.outcome = FollowUpOutcome.KEPT
            check.checked_at = now
            check.checked_by = actor
            check.note = _kept_note(plan.organization, appointment)
            check.save(update_fields=["outcome", "checked_at", "checked_by", "note"])


# --- Follow-up checks ----------------------------------------------------------------------------------------


def _checks_for(
    *, organization: Organization, plans: Iterable[TransitionPlan], today: dt.date, now: dt.datetime, earliest: dt.date
) -> list[FollowUpCheck]:
    tz = organization.tzinfo
    rows = []
    for plan in plans:
        assert plan.last_day is not None
        for days in selectors.FOLLOW_UP_THRESHOLDS:
            due = plan.last_day + dt.timedelta(days=days)
            if not earliest <= due <= today:
                continue
            kept = selectors.kept_within(appointments=plan.appointments.all(), last_day=plan.last_day, days=days, tz=tz)
            rows.append(
                FollowUpCheck(
                    organization=organization,
                    plan=plan,
                    days=days,
                    due_date=due,
                    raised_at=now,
                    outcome=FollowUpOutcome.KEPT if kept else FollowUpOutcome.PENDING,
                    checked_at=now if kept else None,
                    note=_kept_note(organization, kept) if kept else "",
                )
            )
    return rows


def _insert_once(organization: Organization, rows: list[FollowUpCheck]) -> int:
    if not rows:
        return 0
    with transaction.atomic():
        before = FollowUpCheck.objects.filter(organization=organization).count()
        FollowUpCheck.objects.bulk_create(rows, ignore_conflicts=True)
        return FollowUpCheck.objects.filter(organization=organization).count() - before


def follow_up_checks_raise(*, organization: Organization, now: dt.datetime | None = None) -> int:
    """Raise the 7- and 30-day follow-up checks now due for completed discharges (the due date is
    the last day + 7 or + 30, local). Each is raised once per plan and threshold: a repeat run,
    or two workers at once, insert nothing more. A kept appointment staff already recorded in the
    window answers the check ("kept"). Returns how many were raised by this run."""
    now = now or timezone.now()
    today = organization.local_today(now)
    plans = selectors.plans_for_follow_up(organization=organization, today=today, lookback_days=FOLLOW_UP_LOOKBACK_DAYS)
    earliest = today - dt.timedelta(days=FOLLOW_UP_LOOKBACK_DAYS)
    return _insert_once(
        organization, _checks_for(organization=organization, plans=plans, today=today, now=now, earliest=earliest)
    )


@transaction.atomic
def follow_up_check_record(
    *, check: FollowUpCheck, outcome: str, note: str = "", actor: User | None, now: dt.datetime | None = None
) -> FollowUpCheck:
    """Staff's answer to a follow-up check: kept, no follow-up, or could not confirm (a correction
    replaces the answer; who and when are kept on the row and in the audit)."""
    choices = (FollowUpOutcome.KEPT, FollowUpOutcome.NOT_KEPT, FollowUpOutcome.UNREACHABLE)
    if outcome not in choices:
        refuse(
            "Say whether the follow-up was kept, did not happen, or could not be confirmed.",
            code=DischargeErrorCode.FOLLOW_UP_OUTCOME_INVALID,
            field="outcome",
        )
    check = FollowUpCheck.objects.select_for_update().get(organization_id=check.organization_id, pk=check.pk)
    check.outcome = outcome
    check.note = note.strip()[:500]
    check.checked_at = now or timezone.now()
    check.checked_by = actor
    check.save(update_fields=["outcome", "note", "checked_at", "checked_by"])
    return check


# --- Demo data ----------------------------------------------------------------------------------------------------

DEMO_PROVIDERS = (
    {
        "name": "Lakeside Counseling Group",
        "npi": "1427053318",
        "phone": "+1 617 555 0140",
        "fax": "+1 617 555 0141",
        "email": "intake@lakeside.example",
        "address": "12 Harbor Street, Suite 4, Boston MA 02110",
        "levels_of_care": [AftercareLevel.OP],
    },
    {
        "name": "Bayview Intensive Outpatient",
        "npi": "1538162094",
        "phone": "+1 617 555 0150",
        "fax": "+1 617 555 0151",
        "email": "referrals@bayview.example",
        "address": "300 Atlantic Avenue, Boston MA 02210",
        "levels_of_care": [AftercareLevel.IOP, AftercareLevel.PHP],
    },
    {
        "name": "Northgate Psychiatry",
        "npi": "1649271850",
        "phone": "+1 617 555 0160",
        "fax": "+1 617 555 0161",
        "email": "frontdesk@northgate.example",
        "address": "88 Beacon Street, Boston MA 02108",
        "levels_of_care": [AftercareLevel.PSYCHIATRY],
    },
    {
        "name": "Harborlight Recovery Clinic",
        "npi": "1750380616",
        "phone": "+1 617 555 0170",
        "fax": "+1 617 555 0171",
        "email": "mat@harborlight.example",
        "address": "5 Tremont Place, Boston MA 02111",
        "levels_of_care": [AftercareLevel.MAT, AftercareLevel.OP],
        "accepts_new_clients": False,
    },
)


def aftercare_seed(
    *,
    organization: Organization,
    plans: Iterable[TransitionPlan] = (),
    kept_plan: TransitionPlan | None = None,
    actor: User | None = None,
    now: dt.datetime | None = None,
) -> list[AftercareProvider]:
    """The demo directory (outpatient therapy, IOP, psychiatry, MAT), every payer of the
    organization accepted; an appointment for each of `plans` still planning (10:00 on the next
    working day after its target date, with its receiving provider, confirmed); and for
    `kept_plan` (a completed discharge) an appointment kept 4 days after its last day, so its 7-
    and 30-day checks are answered. Idempotent: a provider of the same name is reused, a plan with
    an appointment is left as it is."""
    now = now or timezone.now()
    payers = list(Payer.objects.filter(organization=organization))
    providers = []
    for data in DEMO_PROVIDERS:
        provider = AftercareProvider.objects.filter(organization=organization, name=data["name"]).first()
        if provider is None:
            provider = aftercare_provider_create(organization=organization, payers=payers, actor=actor, **data)
        providers.append(provider)
    for index, plan in enumerate(plans):
        if plan.status != PlanStatus.PLANNING or plan.target_date is None or plan.appointments.exists():
            continue
        day = plan.target_date + dt.timedelta(days=1)
        while day.weekday() >= 5:  # the next working day after the last day
            day += dt.timedelta(days=1)
        starts_at = organization.local_datetime(day, dt.time(10, 0))
        if starts_at <= now:
            continue
        receiving = plan.receiving_provider
        provider = receiving if receiving is not None and receiving.is_active else providers[index % 3]
        level = plan.receiving_level_of_care
        if level not in provider.levels_of_care:
            level = provider.levels_of_care[0] if provider.levels_of_care else ""
        aftercare_appointment_book(
            plan=plan,
            provider=provider,
            starts_at=starts_at,
            level_of_care=level,
            confirmed=True,
            confirmation_number=f"AC-{48210 + index}",
            actor=actor,
            now=now,
        )
    if kept_plan is not None and kept_plan.last_day is not None and not kept_plan.appointments.exists():
        provider = providers[0]
        starts_at = organization.local_datetime(kept_plan.last_day + dt.timedelta(days=4), dt.time(15, 0))
        appointment = AftercareAppointment(
            organization=organization,
            plan=kept_plan,
            provider=provider,
            starts_at=starts_at,
            level_of_care=AftercareLevel.OP,
            confirmed=True,
            confirmation_number="AC-48199",
            booked_by=actor,
        )
        appointment.save()
        # Booked the day before the last day, as the rule wants (the demo writes history directly).
        booked_at = organization.local_datetime(kept_plan.last_day - dt.timedelta(days=1), dt.time(11, 0))
        AftercareAppointment.objects.filter(pk=appointment.pk).update(created_at=booked_at)
        if starts_at <= now:
            aftercare_appointment_outcome_record(
                appointment=appointment, outcome=AppointmentStatus.KEPT, actor=actor, now=now
            )
    if kept_plan is not None and kept_plan.last_day is not None and kept_plan.status == PlanStatus.COMPLETED:
        # Its checks whatever its age (the job only looks a month back), answered by the kept visit.
        plan = TransitionPlan.objects.prefetch_related("appointments").get(organization=organization, pk=kept_plan.pk)
        checks = _checks_for(
            organization=organization,
            plans=[plan],
            today=organization.local_today(now),
            now=now,
            earliest=kept_plan.last_day,
        )
        _insert_once(organization, checks)
    follow_up_checks_raise(organization=organization, now=now)
    return providers
