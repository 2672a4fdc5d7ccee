"""Writes for clients, episodes, treatment plans and couples. Each runs in one transaction and
either changes everything it promises or nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from iop.common.exceptions import ApplicationError
from iop.common.services import model_update, validated_save
from iop.tenancy.models import Organization, Program

from .models import (
    EPISODE_TRANSITIONS,
    AvailabilityWindow,
    Client,
    Couple,
    Episode,
    EpisodeStatus,
    EpisodeStatusChange,
    TherapyTrack,
    TreatmentPlan,
)
from .signals import episode_status_changed

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


def _validation_error(exc: ValidationError, message: str) -> ApplicationError:
    extra = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return ApplicationError(message, extra=extra)


def _check_date_of_birth(*, organization: Organization, date_of_birth: dt.date) -> None:
    if date_of_birth > organization.local_today():
        raise ApplicationError(
            "Date of birth cannot be in the future.",
            extra={"date_of_birth": ["Date of birth cannot be in the future."]},
        )
    if date_of_birth.year < 1900:
        raise ApplicationError("Check the date of birth.", extra={"date_of_birth": ["Enter a year after 1900."]})


def _apply_consent_timestamp(client: Client, *, consent_before: bool) -> None:
    if client.reminder_consent and not consent_before:
        client.reminder_consent_at = timezone.now()
    elif not client.reminder_consent:
        client.reminder_consent_at = None


@transaction.atomic
def client_create(*, organization: Organization, created_by, **fields: Any) -> Client:
    unknown = set(fields) - set(CLIENT_EDITABLE_FIELDS)
    if unknown:
        raise ApplicationError(f"Unknown client fields: {', '.join(sorted(unknown))}.")
    _check_date_of_birth(organization=organization, date_of_birth=fields["date_of_birth"])
    client = Client(organization=organization, created_by=created_by, **fields)
    _apply_consent_timestamp(client, consent_before=False)
    return validated_save(client, invalid="Check the client's details.")


@transaction.atomic
def client_update(*, client: Client, data: dict[str, Any]) -> Client:
    if "date_of_birth" in data:
        _check_date_of_birth(organization=client.organization, date_of_birth=data["date_of_birth"])
    consent_before = client.reminder_consent
    try:
        client, changed = model_update(instance=client, fields=CLIENT_EDITABLE_FIELDS, data=data)
    except ValidationError as exc:
        raise _validation_error(exc, "Check the client's details.") from exc
    if client.reminder_consent != consent_before:
        _apply_consent_timestamp(client, consent_before=consent_before)
        client.save(update_fields=["reminder_consent_at"])
    return client


def _check_program(*, organization: Organization, program: Program | None) -> Program:
    if program is None or program.organization_id != organization.id or not program.is_active:
        raise ApplicationError("Choose one of your active programs.", extra={"program": ["Unknown program."]})
    return program


@transaction.atomic
def episode_create(
    *,
    organization: Organization,
    client: Client,
    program: Program,
    referral_date: dt.date,
    actor,
    level_of_care: str | None = None,
    primary_clinician=None,
) -> Episode:
    _check_program(organization=organization, program=program)
    if referral_date > organization.local_today():
        raise ApplicationError(
            "The referral date cannot be in the future.", extra={"referral_date": ["Cannot be in the future."]}
        )
    if client.episodes.filter(status__in=["referred", "intake", "active"]).exists():
        raise ApplicationError("This client already has an open episode of care.")
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
        episode, invalid="Check the episode's details.", conflict="This client already has an open episode of care."
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


_DATE_FIELD_FOR_STATUS = {
    EpisodeStatus.ACTIVE: "admission_date",
    EpisodeStatus.STEP_DOWN: "step_down_date",
    EpisodeStatus.DISCHARGED: "discharge_date",
}


@transaction.atomic
def episode_transition(*, episode: Episode, to_status: str, effective_date: dt.date, actor, note: str = "") -> Episode:
    """Move an episode along referred → intake → active → step-down / discharged.

    Refuses transitions the workflow does not allow and effective dates before the episode
    began. The row is locked, so two people changing the same episode at once cannot both win.
    Other apps follow through `episode_status_changed` (sent inside this transaction): scheduling
    clears rosters after a step-down or discharge.
    """
    episode = Episode.objects.select_for_update().get(pk=episode.pk)
    if to_status not in EpisodeStatus.values:
        raise ApplicationError("Unknown status.", extra={"to_status": ["Unknown status."]})
    if to_status not in EPISODE_TRANSITIONS[episode.status]:
        allowed = ", ".join(EpisodeStatus(s).label.lower() for s in EPISODE_TRANSITIONS[episode.status]) or "none"
        raise ApplicationError(
            f"An episode that is {episode.get_status_display().lower()} cannot become "
            f"{EpisodeStatus(to_status).label.lower()} (allowed: {allowed}).",
            code="illegal_transition",
            extra={"to_status": ["This change is not allowed from the current status."]},
        )
    if effective_date < episode.referral_date:
        raise ApplicationError(
            "The effective date cannot be before the referral date.",
            extra={"effective_date": ["Cannot be before the referral date."]},
        )
    if to_status in (EpisodeStatus.STEP_DOWN, EpisodeStatus.DISCHARGED) and episode.admission_date:
        if effective_date < episode.admission_date:
            raise ApplicationError(
                "The effective date cannot be before the admission date.",
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
        episode, invalid="Check the dates.", conflict="This client already has another open episode of care."
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
        raise ApplicationError("Unknown therapy track.", extra={"tracks": [f"Unknown track: {', '.join(unknown)}"]})
    return tracks


def _check_availability(windows: Iterable[Availability]) -> list[Availability]:
    windows = sorted(windows, key=lambda w: (w.weekday, w.start_time))
    for window in windows:
        if window.weekday not in range(7):
            raise ApplicationError("Unknown weekday.", extra={"availability": ["Unknown weekday."]})
        if window.end_time <= window.start_time:
            raise ApplicationError(
                "Each availability window must end after it starts.",
                extra={"availability": ["Each availability window must end after it starts."]},
            )
    for earlier, later in zip(windows, windows[1:], strict=False):
        if earlier.weekday == later.weekday and later.start_time < earlier.end_time:
            raise ApplicationError(
                "Availability windows on the same day overlap.",
                extra={"availability": ["Availability windows on the same day overlap."]},
            )
    return windows


def _check_requirements(hours: Decimal, days: int) -> None:
    errors = {}
    if hours is None or not (Decimal("0") <= Decimal(hours) <= Decimal("60")):
        errors["required_hours_per_week"] = ["Enter between 0 and 60 hours."]
    if days is None or not (0 <= int(days) <= 7):
        errors["required_days_per_week"] = ["Enter between 0 and 7 days."]
    if errors:
        raise ApplicationError("Check the weekly requirement.", extra=errors)


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
    actor,
) -> TreatmentPlan:
    """Create or replace the episode's treatment plan and its availability windows."""
    _check_requirements(required_hours_per_week, required_days_per_week)
    tracks = _check_tracks(tracks)
    windows = _check_availability(availability)
    if episode.status == EpisodeStatus.DISCHARGED:
        raise ApplicationError("A discharged episode's treatment plan can no longer change.")
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
    validated_save(plan, invalid="Check the treatment plan.")
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
    actor,
    client_fields: dict[str, Any],
    program: Program,
    referral_date: dt.date,
    required_hours_per_week: Decimal | None,
    required_days_per_week: int | None,
    tracks: Iterable[str],
    goals: str = "",
    availability: Iterable[Availability] = (),
) -> Episode:
    """The intake form: a new client, their episode and treatment plan, together or not at all.
    Weekly requirements default to the program's."""
    _check_program(organization=organization, program=program)
    client = client_create(organization=organization, created_by=actor, **client_fields)
    episode = episode_create(
        organization=organization, client=client, program=program, referral_date=referral_date, actor=actor
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
        raise ApplicationError("A couple needs two clients.", extra={"partner_two": ["Choose the second partner."]})
    if partner_one.pk == partner_two.pk:
        raise ApplicationError(
            "A couple needs two different clients.", extra={"partner_two": ["Choose a different client."]}
        )
    if partner_one.organization_id != organization.id or partner_two.organization_id != organization.id:
        raise ApplicationError("Both partners must be clients of this organization.")
    identified_patient = identified_patient or partner_one
    if identified_patient.pk not in (partner_one.pk, partner_two.pk):
        raise ApplicationError(
            "The identified patient must be one of the partners.",
            extra={"identified_patient": ["Choose one of the two partners."]},
        )
    a, b = sorted([partner_one, partner_two], key=lambda c: c.pk)
    open_couples = Couple.objects.filter(ended_on__isnull=True)
    if open_couples.filter(partner_a__in=[a, b]).exists() or open_couples.filter(partner_b__in=[a, b]).exists():
        raise ApplicationError("One of these clients is already in a couple. End that couple first.")
    couple = Couple(
        organization=organization,
        partner_a=a,
        partner_b=b,
        identified_patient=identified_patient,
        started_on=started_on,
    )
    return validated_save(couple, invalid="Check the couple.", conflict="These clients are already a couple.")


@transaction.atomic
def couple_end(*, couple: Couple, ended_on: dt.date) -> Couple:
    if couple.ended_on is not None:
        raise ApplicationError("This couple has already ended.")
    if ended_on < couple.started_on:
        raise ApplicationError("The end date cannot be before the start.", extra={"ended_on": ["Before the start."]})
    couple.ended_on = ended_on
    couple.save(update_fields=["ended_on"])
    return couple
