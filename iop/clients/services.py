"""Writes for clients, episodes, treatment plans and couples (and the columns a member keeps on
the client list). Each runs in one transaction and either changes everything it promises or
nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from iop.common.exceptions import refuse
from iop.common.services import model_update, validated_save
from iop.tenancy.models import LevelOfCare, Membership, Organization, Program
from iop.tenancy.permissions import membership_actions

from .errors import ClientsErrorCode
from .hooks import client_list_columns, episode_status_changed
from .models import (
    EPISODE_TRANSITIONS,
    AvailabilityWindow,
    Client,
    ClientListPreference,
    Couple,
    Episode,
    EpisodeStatus,
    EpisodeStatusChange,
    TherapyTrack,
    TreatmentPlan,
)

if TYPE_CHECKING:
    from iop.accounts.models import User

CLIENT_EDITABLE_FIELDS = [
    "first_name",
    "last_name",
    "preferred_name",
    "date_of_birth",
    "email",
    "phone",
    "reminder_channel",
    "reminder_consent",
    "emergency_contact_name",
    "emergency_contact_phone",
    "emergency_contact_relationship",
]


@dataclass(frozen=True)
class Availability:
    weekday: int
    start_time: dt.time
    end_time: dt.time


def _refuse_validation(exc: ValidationError, message: str, *, code: ClientsErrorCode):
    extra = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    refuse(message, code=code, extra=extra)


def _check_date_of_birth(*, organization: Organization, date_of_birth: dt.date) -> None:
    if date_of_birth > organization.local_today():
        refuse(
            "Date of birth cannot be in the future.",
            code=ClientsErrorCode.DATE_OF_BIRTH_IN_FUTURE,
            field="date_of_birth",
        )
    if date_of_birth.year < 1900:
        refuse(
            "Check the date of birth.",
            code=ClientsErrorCode.DATE_OF_BIRTH_BEFORE_1900,
            extra={"date_of_birth": ["Enter a year after 1900."]},
        )


def _apply_consent_timestamp(client: Client, *, consent_before: bool) -> None:
    if client.reminder_consent and not consent_before:
        client.reminder_consent_at = timezone.now()
    elif not client.reminder_consent:
        client.reminder_consent_at = None


@transaction.atomic
def client_create(*, organization: Organization, created_by, **fields: Any) -> Client:
    unknown = set(fields) - set(CLIENT_EDITABLE_FIELDS)
    if unknown:
        refuse(f"Unknown client fields: {', '.join(sorted(unknown))}.", code=ClientsErrorCode.UNKNOWN_CLIENT_FIELD)
    _check_date_of_birth(organization=organization, date_of_birth=fields["date_of_birth"])
    client = Client(organization=organization, created_by=created_by, **fields)
    _apply_consent_timestamp(client, consent_before=False)
    return validated_save(client, invalid="Check the client's details.", code=ClientsErrorCode.CLIENT_FIELDS_REJECTED)


@transaction.atomic
def client_update(*, client: Client, data: dict[str, Any]) -> Client:
    if "date_of_birth" in data:
        _check_date_of_birth(organization=client.organization, date_of_birth=data["date_of_birth"])
    consent_before = client.reminder_consent
    try:
        client, changed = model_update(instance=client, fields=CLIENT_EDITABLE_FIELDS, data=data)
    except ValidationError as exc:
        _refuse_validation(exc, "Check the client's details.", code=ClientsErrorCode.CLIENT_FIELDS_REJECTED)
    if client.reminder_consent != consent_before:
        _apply_consent_timestamp(client, consent_before=consent_before)
        client.save(update_fields=["reminder_consent_at"])
    return client


def _check_program(*, organization: Organization, program: Program | None) -> Program:
    if program is None or program.organization_id != organization.id or not program.is_active:
        refuse(
            "Choose one of your active programs.",
            code=ClientsErrorCode.PROGRAM_NOT_ACTIVE,
            extra={"program": ["Unknown program."]},
        )
    return program


@transaction.atomic
def episode_create(
    *,
    organization: Organization,
    client: Client,
    program: Program,
    referral_date: dt.date,
    actor: User | None,
    level_of_care: str | None = None,
    primary_clinician=None,
) -> Episode:
    _check_program(organization=organization, program=program)
    if referral_date > organization.local_today():
        refuse(
            "The referral date cannot be in the future.",
            code=ClientsErrorCode.REFERRAL_DATE_IN_FUTURE,
            extra={"referral_date": ["Cannot be in the future."]},
        )
    if client.episodes.filter(status__in=["referred", "intake", "active"]).exists():
        refuse("This client already has an open episode of care.", code=ClientsErrorCode.OPEN_EPISODE_EXISTS)
    episode = Episode(
        organization=organization,
        client=client,
        program=program,
        referral_date=referral_date,
        level_of_care=level_of_care or program.level_of_care,
        primary_clinician=primary_clinician,
        status=EpisodeStatus.REFERRED,
        status_changed_at=timezone.now(),
        status_changed_by=actor,
    )
    validated_save(
        episode,
        invalid="Check the episode's details.",
        code=ClientsErrorCode.EPISODE_FIELDS_REJECTED,
        conflict="This client already has an open episode of care.",
        conflict_code=ClientsErrorCode.OPEN_EPISODE_EXISTS,
    )
    EpisodeStatusChange.objects.create(
        organization=organization,
        episode=episode,
        from_status="",
        to_status=EpisodeStatus.REFERRED,
        effective_date=referral_date,
        changed_by=actor,
    )
    return episode


# Keyed by plain str: callers pass the status as the form/serializer cleaned it.
_DATE_FIELD_FOR_STATUS: dict[str, str] = {
    EpisodeStatus.ACTIVE: "admission_date",
    EpisodeStatus.STEP_DOWN: "step_down_date",
    EpisodeStatus.DISCHARGED: "discharge_date",
}


@transaction.atomic
def episode_transition(
    *, episode: Episode, to_status: str, effective_date: dt.date, actor: User | None, note: str = ""
) -> Episode:
    """Move an episode along referred → intake → active → step-down / discharged.

    Refuses transitions the workflow does not allow and effective dates before the episode
    began. The row is locked, so two people changing the same episode at once cannot both win.
    Other apps follow through `episode_status_changed` (sent inside this transaction): scheduling
    clears rosters after a step-down or discharge.
    """
    episode = Episode.objects.select_for_update().get(pk=episode.pk)
    if to_status not in EpisodeStatus.values:
        refuse("Unknown status.", code=ClientsErrorCode.UNKNOWN_STATUS, field="to_status")
    if to_status not in EPISODE_TRANSITIONS[episode.status]:
        allowed = ", ".join(EpisodeStatus(s).label.lower() for s in EPISODE_TRANSITIONS[episode.status]) or "none"
        refuse(
            f"An episode that is {episode.get_status_display().lower()} cannot become "
            f"{EpisodeStatus(to_status).label.lower()} (allowed: {allowed}).",
            code=ClientsErrorCode.ILLEGAL_TRANSITION,
            extra={"to_status": ["This change is not allowed from the current status."]},
        )
    if effective_date < episode.referral_date:
        refuse(
            "The effective date cannot be before the referral date.",
            code=ClientsErrorCode.EFFECTIVE_DATE_BEFORE_REFERRAL,
            extra={"effective_date": ["Cannot be before the referral date."]},
        )
    if to_status in (EpisodeStatus.STEP_DOWN, EpisodeStatus.DISCHARGED) and episode.admission_date:
        if effective_date < episode.admission_date:
            refuse(
                "The effective date cannot be before the admission date.",
                code=ClientsErrorCode.EFFECTIVE_DATE_BEFORE_ADMISSION,
                extra={"effective_date": ["Cannot be before the admission date."]},
            )
    from_status = episode.status
    episode.status = to_status
    date_field = _DATE_FIELD_FOR_STATUS.get(to_status)
    if date_field and (date_field != "admission_date" or episode.admission_date is None):
        setattr(episode, date_field, effective_date)
    if to_status == EpisodeStatus.ACTIVE:
        # Re-escalation after a step-down re-opens IOP care.
        episode.step_down_date = None
    episode.status_changed_at = timezone.now()
    episode.status_changed_by = actor
    validated_save(
        episode,
        invalid="Check the dates.",
        code=ClientsErrorCode.EPISODE_FIELDS_REJECTED,
        conflict="This client already has another open episode of care.",
        conflict_code=ClientsErrorCode.OPEN_EPISODE_EXISTS,
    )
    EpisodeStatusChange.objects.create(
        organization_id=episode.organization_id,
        episode=episode,
        from_status=from_status,
        to_status=to_status,
        effective_date=effective_date,
        note=note[:500],
        changed_by=actor,
    )
    episode_status_changed.send(
        sender=Episode,
        episode=episode,
        from_status=from_status,
        to_status=to_status,
        effective_date=effective_date,
        actor=actor,
    )
    return episode


def _check_tracks(tracks: Iterable[str]) -> list[str]:
    tracks = list(dict.fromkeys(tracks))
    unknown = [t for t in tracks if t not in TherapyTrack.values]
    if unknown:
        refuse(
            "Unknown therapy track.",
            code=ClientsErrorCode.UNKNOWN_TRACK,
            extra={"tracks": [f"Unknown track: {', '.join(unknown)}"]},
        )
    return tracks


def _check_availability(windows: Iterable[Availability]) -> list[Availability]:
    windows = sorted(windows, key=lambda w: (w.weekday, w.start_time))
    for window in windows:
        if window.weekday not in range(7):
            refuse("Unknown weekday.", code=ClientsErrorCode.UNKNOWN_WEEKDAY, field="availability")
        if window.end_time <= window.start_time:
            refuse(
                "Each availability window must end after it starts.",
                code=ClientsErrorCode.AVAILABILITY_ENDS_BEFORE_START,
                field="availability",
            )
    for earlier, later in zip(windows, windows[1:], strict=False):
        if earlier.weekday == later.weekday and later.start_time < earlier.end_time:
            refuse(
                "Availability windows on the same day overlap.",
                code=ClientsErrorCode.AVAILABILITY_OVERLAP,
                field="availability",
            )
    return windows


def _check_requirements(hours: Decimal, days: int) -> None:
    errors = {}
    if hours is None or not (Decimal("0") <= Decimal(hours) <= Decimal("60")):
        errors["required_hours_per_week"] = ["Enter between 0 and 60 hours."]
    if days is None or not (0 <= int(days) <= 7):
        errors["required_days_per_week"] = ["Enter between 0 and 7 days."]
    if errors:
        refuse("Check the weekly requirement.", code=ClientsErrorCode.WEEKLY_REQUIREMENT_OUT_OF_RANGE, extra=errors)


@transaction.atomic
def treatment_plan_save(
    *,
    episode: Episode,
    required_hours_per_week: Decimal,
    required_days_per_week: int,
    tracks: Iterable[str],
    goals: str = "",
    emotional_support_animal_note: str = "",
    effective_from: dt.date | None = None,
    availability: Iterable[Availability] = (),
    actor: User | None,
) -> TreatmentPlan:
    """Create or replace the episode's treatment plan and its availability windows."""
    _check_requirements(required_hours_per_week, required_days_per_week)
    tracks = _check_tracks(tracks)
    windows = _check_availability(availability)
    if episode.status == EpisodeStatus.DISCHARGED:
        refuse("A discharged episode's treatment plan can no longer change.", code=ClientsErrorCode.EPISODE_DISCHARGED)
    plan = TreatmentPlan.objects.filter(episode=episode).first() or TreatmentPlan(
        organization_id=episode.organization_id, episode=episode
    )
    plan.required_hours_per_week = Decimal(required_hours_per_week)
    plan.required_days_per_week = int(required_days_per_week)
    plan.tracks = tracks
    plan.goals = goals
    plan.emotional_support_animal_note = emotional_support_animal_note
    plan.effective_from = effective_from or plan.effective_from or episode.referral_date
    plan.updated_by = actor
    validated_save(plan, invalid="Check the treatment plan.", code=ClientsErrorCode.TREATMENT_PLAN_FIELDS_REJECTED)
    AvailabilityWindow.objects.filter(treatment_plan=plan).delete()
    AvailabilityWindow.objects.bulk_create(
        AvailabilityWindow(
            organization_id=episode.organization_id,
            treatment_plan=plan,
            weekday=w.weekday,
            start_time=w.start_time,
            end_time=w.end_time,
        )
        for w in windows
    )
    return plan


@transaction.atomic
def client_intake(
    *,
    organization: Organization,
    actor: User | None,
    client_fields: dict[str, Any],
    program: Program,
    referral_date: dt.date,
    required_hours_per_week: Decimal | None,
    required_days_per_week: int | None,
    tracks: Iterable[str],
    goals: str = "",
    availability: Iterable[Availability] = (),
    primary_clinician: Membership | None = None,
) -> Episode:
    """The intake form: a new client, their episode and treatment plan, together or not at all.
    Weekly requirements default to the program's."""
    _check_program(organization=organization, program=program)
    client = client_create(organization=organization, created_by=actor, **client_fields)
    episode = episode_create(
        organization=organization,
        client=client,
        program=program,
        referral_date=referral_date,
        actor=actor,
        primary_clinician=primary_clinician,
    )
    treatment_plan_save(
        episode=episode,
        required_hours_per_week=(
            required_hours_per_week if required_hours_per_week is not None else program.default_min_weekly_hours
        ),
        required_days_per_week=(
            required_days_per_week if required_days_per_week is not None else program.default_min_days_per_week
        ),
        tracks=tracks,
        goals=goals,
        effective_from=referral_date,
        availability=availability,
        actor=actor,
    )
    return episode


@transaction.atomic
def couple_create(
    *,
    organization: Organization,
    partner_one: Client,
    partner_two: Client,
    identified_patient: Client | None = None,
    started_on: dt.date,
) -> Couple:
    if partner_one is None or partner_two is None:
        refuse(
            "A couple needs two clients.",
            code=ClientsErrorCode.COUPLE_NEEDS_TWO_CLIENTS,
            extra={"partner_two": ["Choose the second partner."]},
        )
    if partner_one.pk == partner_two.pk:
        refuse(
            "A couple needs two different clients.",
            code=ClientsErrorCode.COUPLE_SAME_CLIENT,
            extra={"partner_two": ["Choose a different client."]},
        )
    if partner_one.organization_id != organization.id or partner_two.organization_id != organization.id:
        refuse(
            "Both partners must be clients of this organization.", code=ClientsErrorCode.PARTNER_OF_OTHER_ORGANIZATION
        )
    identified_patient = identified_patient or partner_one
    if identified_patient.pk not in (partner_one.pk, partner_two.pk):
        refuse(
            "The identified patient must be one of the partners.",
            code=ClientsErrorCode.IDENTIFIED_PATIENT_NOT_PARTNER,
            extra={"identified_patient": ["Choose one of the two partners."]},
        )
    a, b = sorted([partner_one, partner_two], key=lambda c: c.pk)
    open_couples = Couple.objects.filter(ended_on__isnull=True)
    if open_couples.filter(partner_a__in=[a, b]).exists() or open_couples.filter(partner_b__in=[a, b]).exists():
        refuse(
            "One of these clients is already in a couple. End that couple first.",
            code=ClientsErrorCode.PARTNER_ALREADY_IN_COUPLE,
        )
    couple = Couple(
        organization=organization,
        partner_a=a,
        partner_b=b,
        identified_patient=identified_patient,
        started_on=started_on,
    )
    return validated_save(
        couple,
        invalid="Check the couple.",
        code=ClientsErrorCode.COUPLE_FIELDS_REJECTED,
        conflict="These clients are already a couple.",
        conflict_code=ClientsErrorCode.COUPLE_EXISTS,
    )


@transaction.atomic
def couple_end(*, couple: Couple, ended_on: dt.date) -> Couple:
    if couple.ended_on is not None:
        refuse("This couple has already ended.", code=ClientsErrorCode.COUPLE_ALREADY_ENDED)
    if ended_on < couple.started_on:
        refuse(
            "The end date cannot be before the start.",
            code=ClientsErrorCode.COUPLE_END_BEFORE_START,
            extra={"ended_on": ["Before the start."]},
        )
    couple.ended_on = ended_on
    couple.save(update_fields=["ended_on"])
    return couple


@transaction.atomic
def episode_authorized_level_set(*, episode: Episode, level_of_care: str, actor: User | None = None) -> Episode:
    """What the payer last authorized (a review's outcome), kept apart from the clinical level of
    care: the payer may approve a step-down the clinicians do not (yet) agree with."""
    level_of_care = LevelOfCare(level_of_care).value if level_of_care else ""
    Episode.objects.filter(pk=episode.pk).update(authorized_level_of_care=level_of_care, updated_at=timezone.now())
    episode.authorized_level_of_care = level_of_care
    return episode


@transaction.atomic
def client_list_columns_save(*, membership: Membership, columns: Iterable[str]) -> ClientListPreference:
    """Keep the columns `membership` chose for the client list (in the list's order), replacing
    their earlier choice. Only columns registered for the list that the member may show."""
    allowed = [column.key for column in client_list_columns(can=membership_actions(membership))]
    chosen = set(columns)
    unknown = chosen - set(allowed)
    if unknown:
        refuse(
            "Choose among the columns shown.",
            code=ClientsErrorCode.UNKNOWN_LIST_COLUMN,
            field="columns",
        )
    preference, _ = ClientListPreference.objects.update_or_create(
        membership=membership,
        defaults={"organization_id": membership.organization_id, "columns": [k for k in allowed if k in chosen]},
    )
    return preference
