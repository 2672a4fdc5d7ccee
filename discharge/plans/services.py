"""Writes for transition plans: starting one (at admission, by a clinician or a VA, or from a
payer's step-down recommendation), updating it as care goes, the checklist (copied from the
organization's template; manual items ticked with who, when and a note), the termination session
(a real seat on a session's roster), completing the discharge (the episode transition on the last
day, refused while required items are open unless an org admin overrides with a reason), and the
discharge summary (written and signed by a clinician, due a state-set number of days after the
last day).

Each service runs in one transaction and refuses through `refuse(…, code=DischargeErrorCode.X)`
before changing anything.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, Any

import pghistory
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from discharge.checklist import AUTOMATIC, DEFAULT_ITEMS
from discharge.errors import DischargeErrorCode
from discharge.models import (
    AftercareLevel,
    AftercareProvider,
    ChecklistItem,
    ChecklistKey,
    ChecklistTemplateItem,
    DischargeSettings,
    PlanOrigin,
    PlanStatus,
    TerminationSession,
    TransitionPlan,
    TransitionType,
)
from iop.clients.models import Episode, EpisodeStatus
from iop.common.dates import date_full, date_short
from iop.common.exceptions import ApplicationError, refuse
from iop.tenancy.models import LevelOfCare, Membership, Organization, Role

if TYPE_CHECKING:
    from authorizations.models import Determination
    from iop.accounts.models import User
    from scheduling.models import Session

logger = logging.getLogger(__name__)

# Episodes a plan can be started for or still changes with: a stepped-down client can still be
# discharged (or return).
PLANNABLE_STATUSES = (
    EpisodeStatus.REFERRED,
    EpisodeStatus.INTAKE,
    EpisodeStatus.ACTIVE,
    EpisodeStatus.STEP_DOWN,
)
PLAN_FIELDS = ("transition_type", "target_date", "reason", "receiving_provider", "receiving_level_of_care")
# How far ahead a last day may be given when completing (a discharge agreed for Friday, done Thursday).
LAST_DAY_AHEAD_DAYS = 14
TEXT_LIMITS = {"reason": 4000, "summary": 20000, "note": 500, "override_reason": 2000}


def settings_for(organization: Organization) -> DischargeSettings:
    """The organization's discharge settings, or the defaults (unsaved) until an admin saves them."""
    found = DischargeSettings.objects.filter(organization=organization).first()
    return found or DischargeSettings(organization=organization)


def origin_for(membership: Membership | None) -> str:
    """Who started the plan, by role: a clinician's plan, else staff (VA, intake, admin)."""
    if membership is not None and membership.role == Role.CLINICIAN:
        return PlanOrigin.CLINICIAN
    return PlanOrigin.STAFF


def _check_text(name: str, value: str) -> str:
    value = (value or "").strip()
    if len(value) > TEXT_LIMITS[name]:
        refuse(
            f"Keep it under {TEXT_LIMITS[name]} characters.",
            code=DischargeErrorCode.TEXT_TOO_LONG,
            field=name,
        )
    return value


def _check_open(plan: TransitionPlan) -> None:
    if plan.status != PlanStatus.PLANNING:
        refuse(
            f"This discharge is {plan.get_status_display().lower()}: the plan no longer changes.",
            code=DischargeErrorCode.PLAN_CLOSED,
            field="__all__",
        )


def plan_locked(plan: TransitionPlan) -> TransitionPlan:
    return (
        TransitionPlan.objects.select_for_update(of=("self",))
        .select_related("organization", "episode__client", "episode__organization")
        .get(pk=plan.pk)
    )


# --- The checklist ------------------------------------------------------------------------------------


def checklist_build(*, plan: TransitionPlan) -> list[ChecklistItem]:
    """Copy the organization's checklist template (its active items; `DEFAULT_ITEMS` while it has
    none) onto the plan. Items the plan already has stay as they are."""
    template = list(ChecklistTemplateItem.objects.filter(organization_id=plan.organization_id, is_active=True))
    if template:
        wanted = [(t.key, t.label or t.get_key_display(), t.is_required, t.position) for t in template]
    else:
        wanted = [(d.key, d.label, d.required, i * 10) for i, d in enumerate(DEFAULT_ITEMS)]
    have = set(ChecklistItem.objects.filter(plan=plan).exclude(key=ChecklistKey.CUSTOM).values_list("key", flat=True))
    rows = [
        ChecklistItem(
            organization_id=plan.organization_id,
            plan=plan,
            key=key,
            label=str(label)[:200],
            is_required=required,
            position=position,
        )
        for key, label, required, position in wanted
        if key == ChecklistKey.CUSTOM or key not in have
    ]
    return ChecklistItem.objects.bulk_create(rows)


@transaction.atomic
def checklist_item_tick(
    *, item: ChecklistItem, actor: User, done: bool = True, note: str = "", now: dt.datetime | None = None
) -> ChecklistItem:
    """Tick a manual item (who, when, a note) or open it again. Automatic items follow the data
    (the session booked, the appointment made, the packet sent…) and are refused here."""
    note = _check_text("note", note)
    plan = plan_locked(item.plan)
    _check_open(plan)
    item = ChecklistItem.objects.select_for_update().get(pk=item.pk)
    if item.key in AUTOMATIC:
        refuse(
            f"“{item.label}” is done by what happens (it cannot be ticked by hand).",
            code=DischargeErrorCode.ITEM_AUTOMATIC,
            field="__all__",
        )
    if done == (item.done_at is not None):
        refuse(
            f"“{item.label}” is already {'done' if done else 'open'}.",
            code=DischargeErrorCode.ITEM_UNCHANGED,
            field="__all__",
        )
    if done:
        item.done_at, item.done_by, item.note = now or timezone.now(), actor, note
    else:
        item.done_at, item.done_by, item.note = None, None, note
    item.save(update_fields=["done_at", "done_by", "note"])
    return item


# --- Starting and updating the plan ---------------------------------------------------------------------


def _plan_create(*, episode: Episode, origin: str, actor: User | None, **fields: Any) -> TransitionPlan:
    plan = TransitionPlan.objects.create(
        organization_id=episode.organization_id, episode=episode, origin=origin, created_by=actor, **fields
    )
    checklist_build(plan=plan)
    return plan


@transaction.atomic
def plan_start(*, episode: Episode, origin: str, actor: User | None) -> TransitionPlan:
    """The episode's transition plan, started now when it has none (idempotent: an existing plan
    is returned as it is). Refused for a discharged episode."""
    episode = Episode.objects.select_for_update(of=("self",), no_key=True).get(pk=episode.pk)
    existing = TransitionPlan.objects.filter(episode=episode).first()
    if existing is not None:
        return existing
    if episode.status not in PLANNABLE_STATUSES:
        refuse(
            "This episode of care has ended: there is no discharge to plan.",
            code=DischargeErrorCode.EPISODE_NOT_OPEN,
            field="__all__",
        )
    return _plan_create(episode=episode, origin=origin, actor=actor)


def plans_sync(*, organization: Organization) -> list[TransitionPlan]:
    """A plan for every admitted episode (active or stepped down) that has none: the episodes
    admitted before the discharge app existed, and a safety net behind the admission signal.
    Returns the plans created (a second run creates none)."""
    missing = list(
        Episode.objects.filter(
            organization=organization,
            status__in=(EpisodeStatus.ACTIVE, EpisodeStatus.STEP_DOWN),
            transition_plan__isnull=True,
        ).order_by("admission_date", "pk")
    )
    return [plan_start(episode=episode, origin=PlanOrigin.ADMISSION, actor=None) for episode in missing]


def _check_fields(plan: TransitionPlan, data: dict[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    if "transition_type" in data:
        value = data["transition_type"] or ""
        if value and value not in TransitionType.values:
            refuse(
                "Choose the kind of transition.",
                code=DischargeErrorCode.INVALID_TRANSITION_TYPE,
                field="transition_type",
            )
        clean["transition_type"] = value
    if "receiving_level_of_care" in data:
        value = data["receiving_level_of_care"] or ""
        if value and value not in AftercareLevel.values:
            refuse(
                "Choose the level of care the client goes to.",
                code=DischargeErrorCode.INVALID_LEVEL_OF_CARE,
                field="receiving_level_of_care",
            )
        clean["receiving_level_of_care"] = value
    if "target_date" in data:
        value = data["target_date"]
        episode = plan.episode
        start = episode.admission_date or episode.referral_date
        if value is not None and value < start:
            refuse(
                f"The last day cannot be before the episode began ({date_full(start)}).",
                code=DischargeErrorCode.TARGET_DATE_BEFORE_ADMISSION,
                field="target_date",
            )
        clean["target_date"] = value
    if "reason" in data:
        clean["reason"] = _check_text("reason", data["reason"] or "")
    if "receiving_provider" in data:
        provider = data["receiving_provider"]
        if provider is not None:
            provider_id = getattr(provider, "pk", provider)
            provider = AftercareProvider.objects.filter(
                organization_id=plan.organization_id, pk=provider_id, is_active=True
            ).first()
            if provider is None:
                refuse(
                    "Choose one of your active aftercare providers.",
                    code=DischargeErrorCode.PROVIDER_UNKNOWN,
                    field="receiving_provider",
                )
        clean["receiving_provider"] = provider
    return clean


@transaction.atomic
def plan_update(
    *, plan: TransitionPlan, data: dict[str, Any], actor: User | None, origin: str = PlanOrigin.STAFF
) -> TransitionPlan:
    """Change the given fields (type, target date, reason, receiving provider and level); the
    others stay. The first person to give the plan a transition type starts it (`origin`: a
    clinician or staff) unless a payer's recommendation already did."""
    plan = plan_locked(plan)
    _check_open(plan)
    clean = _check_fields(plan, {k: v for k, v in data.items() if k in PLAN_FIELDS})
    for name, value in clean.items():
        setattr(plan, name, value)
    if plan.origin == PlanOrigin.ADMISSION and clean.get("transition_type"):
        plan.origin = origin if origin in PlanOrigin.values else PlanOrigin.STAFF
    plan.save()
    return plan


# --- A payer's step-down recommendation ------------------------------------------------------------------

_LEVELS: dict[str, str] = {
    LevelOfCare.IOP: AftercareLevel.IOP,
    LevelOfCare.PHP: AftercareLevel.PHP,
    LevelOfCare.OP: AftercareLevel.OP,
}
_RANK: dict[str, int] = {LevelOfCare.OP: 0, LevelOfCare.IOP: 1, LevelOfCare.PHP: 2}


@transaction.atomic
def plan_from_recommendation(
    *, episode: Episode, determination: Determination, level_of_care: str, actor: User | None
) -> TransitionPlan | None:
    """Start or update the episode's plan from a payer's recommendation: a step-down (or a step-up,
    when the recommended level is higher than the episode's) to that level, with the determination
    as its source; the target date, when none is set, is the last day the payer approved. A
    completed or cancelled plan is left alone (None). The clinician is told."""
    episode = Episode.objects.select_related("organization", "primary_clinician").get(pk=episode.pk)
    plan = TransitionPlan.objects.select_for_update(of=("self",)).filter(episode=episode).first()
    if plan is None:
        if episode.status not in PLANNABLE_STATUSES:
            return None
        plan = _plan_create(episode=episode, origin=PlanOrigin.PAYER, actor=actor)
    if plan.status != PlanStatus.PLANNING:
        return None
    higher = _RANK.get(level_of_care, 0) > _RANK.get(episode.level_of_care, 1)
    plan.transition_type = TransitionType.STEP_UP if higher else TransitionType.STEP_DOWN
    plan.receiving_level_of_care = _LEVELS.get(level_of_care, "")
    plan.origin = PlanOrigin.PAYER
    plan.payer_recommendation = determination
    if plan.target_date is None and determination.end_date is not None:
        plan.target_date = determination.end_date
    plan.save()
    _clinician_tell(plan, determination=determination, level_of_care=level_of_care)
    return plan


# The inbox kind of the clinician's line about a payer's recommendation (registered in discharge/wiring.py).
STEP_DOWN_NOTICE = "discharge_step_down"


def _clinician_tell(plan: TransitionPlan, *, determination: Determination, level_of_care: str) -> None:
    from iop.notifications.services import notice_send

    episode = plan.episode
    organization = episode.organization
    members = Membership.objects.filter(organization=organization, is_active=True)
    recipients = list(members.filter(pk=episode.primary_clinician_id)) if episode.primary_clinician_id else []
    if not recipients:
        recipients = list(members.filter(role=Role.CLINICIAN))
    label = LevelOfCare(level_of_care).label if level_of_care in LevelOfCare.values else level_of_care
    link = reverse("discharge:plan", kwargs={"org_slug": organization.slug, "episode_id": episode.pk})
    notice_send(
        organization=organization,
        recipients=recipients,
        kind=STEP_DOWN_NOTICE,
        title=f"Check {episode.client.display_name}'s transition plan: the payer recommends {label}",
        body="The plan was updated from the recommendation. Check its target date, receiving provider and "
        "checklist with the client.",
        link=link,
        dedupe_key=f"discharge-step-down:{determination.pk}",
        client_id=episode.client_id,
    )


# --- Receivers (connected in discharge/wiring.py) ---------------------------------------------------------


def episode_status_followed(sender, episode, from_status, to_status, effective_date, actor, **kwargs) -> None:
    """`episode_status_changed`, inside the transition's transaction: an admission starts the plan
    (planning starts at admission); a discharge or step-down made outside the plan records the
    last day, so the summary's deadline runs."""
    if to_status == EpisodeStatus.ACTIVE:
        if not TransitionPlan.objects.filter(episode_id=episode.pk).exists():
            _plan_create(episode=episode, origin=PlanOrigin.ADMISSION, actor=actor)
        return
    if to_status in (EpisodeStatus.DISCHARGED, EpisodeStatus.STEP_DOWN):
        plan = TransitionPlan.objects.filter(episode_id=episode.pk, last_day__isnull=True).first()
        if plan is not None:
            due = effective_date + dt.timedelta(days=settings_for(episode.organization).summary_due_days)
            TransitionPlan.objects.filter(pk=plan.pk).update(
                last_day=effective_date, summary_due_date=due, updated_at=timezone.now()
            )


def step_down_followed(sender, episode, determination, level_of_care, actor=None, **kwargs) -> None:
    """`step_down_recommended` (sent on commit): never refuses the determination — a plan that
    cannot follow is logged and left for staff."""
    from iop.tenancy.context import tenant_context

    try:
        # Sent on commit: the sender's tenant context may be gone (a seed, a task); the episode's is the one.
        with tenant_context(episode.organization_id):
            plan_from_recommendation(
                episode=episode, determination=determination, level_of_care=level_of_care, actor=actor
            )
    except Exception:  # noqa: BLE001 - after the determination's commit: a failure here must not surface as its failure
        logger.exception(
            "discharge: step-down recommendation not applied", extra={"determination": str(determination.pk)}
        )


# --- The termination session ---------------------------------------------------------------------------


@transaction.atomic
def termination_session_book(
    *, plan: TransitionPlan, session: Session, actor: User | None, now: dt.datetime | None = None
) -> TerminationSession:
    """Make `session` the client's termination session: a scheduled session of the organization
    from today up to the plan's target date. The client is seated on its roster when not already
    (capacity and overlaps as for any booking); a session chosen before is replaced (the client
    stays on that one's roster: it is still one of their sessions)."""
    from scheduling.models import SessionStatus
    from scheduling.services.rosters import roster_book

    plan = plan_locked(plan)
    _check_open(plan)
    if plan.target_date is None:
        refuse(
            "Set the plan's target date (the last day) first.",
            code=DischargeErrorCode.TARGET_DATE_REQUIRED,
            field="target_date",
        )
    today = plan.organization.local_today(now)
    if (
        session.organization_id != plan.organization_id
        or session.status != SessionStatus.SCHEDULED
        or not today <= session.local_date <= plan.target_date
    ):
        refuse(
            f"Choose a scheduled session from today up to the last day ({date_short(plan.target_date)}).",
            code=DischargeErrorCode.SESSION_NOT_BOOKABLE,
            field="session",
        )
    try:
        roster_book(
            session=session,
            episode=plan.episode,
            source="manual",
            actor=actor,
            reason="Termination session",
        )
    except ApplicationError as exc:
        refuse(exc.message, code=DischargeErrorCode.SESSION_NOT_BOOKABLE, field="session")
    termination, _ = TerminationSession.objects.update_or_create(
        plan=plan,
        defaults={"organization_id": plan.organization_id, "session": session, "booked_by": actor},
    )
    return termination


# --- Completing the discharge ------------------------------------------------------------------------


@transaction.atomic
def plan_complete(
    *,
    plan: TransitionPlan,
    actor: User,
    membership: Membership | None,
    last_day: dt.date | None = None,
    override_reason: str = "",
    now: dt.datetime | None = None,
) -> TransitionPlan:
    """Complete the discharge: the episode becomes discharged (stepped down, for a step-down) on
    the last day — the apps below follow (rosters after it cleared so reminders stop, hours flags
    and absence alerts closed, authorizations ended with their chase tasks, open reviews
    cancelled) — and the summary's deadline starts.

    Refused while a required checklist item is open, naming every one, unless an org admin gives
    the reason to complete anyway: the reason is kept on the plan and in its change history with
    who overrode (the audit of writes)."""
    from discharge.plans.selectors import checklist_rows
    from iop.clients.services import episode_transition
    from iop.tenancy.permissions import DISCHARGE_OVERRIDE, membership_can

    override_reason = _check_text("override_reason", override_reason)
    now = now or timezone.now()
    plan = plan_locked(plan)
    _check_open(plan)
    organization = plan.organization
    episode = plan.episode
    today = organization.local_today(now)
    if not plan.transition_type:
        refuse(
            "Say what kind of transition this is first.",
            code=DischargeErrorCode.TRANSITION_TYPE_REQUIRED,
            field="transition_type",
        )
    last_day = last_day or plan.target_date or today
    start = episode.admission_date or episode.referral_date
    if last_day < start or last_day > today + dt.timedelta(days=LAST_DAY_AHEAD_DAYS):
        refuse(
            f"The last day must fall between the start of care ({date_short(start)}) and "
            f"{LAST_DAY_AHEAD_DAYS} days from today.",
            code=DischargeErrorCode.LAST_DAY_INVALID,
            field="last_day",
        )
    open_required = [row for row in checklist_rows(plan, today=today) if row.item.is_required and not row.done]
    if open_required and not override_reason:
        names = "; ".join(row.item.label for row in open_required)
        refuse(
            f"The discharge cannot be completed: {len(open_required)} required "
            f"item{'s are' if len(open_required) != 1 else ' is'} open — {names}.",
            code=DischargeErrorCode.CHECKLIST_OPEN,
            field="__all__",
            extra={"open_items": [row.item.key for row in open_required]},
        )
    if open_required and not membership_can(membership, DISCHARGE_OVERRIDE):
        refuse(
            "Only an organization admin can complete a discharge with required items open.",
            code=DischargeErrorCode.OVERRIDE_NOT_ALLOWED,
            field="override_reason",
        )
    if not open_required:
        override_reason = ""
    # A step-down leaves IOP care for a lower level (the episode's "stepped down"); anything else,
    # or a stepped-down episode ending, is a discharge.
    stepping_down = plan.transition_type == TransitionType.STEP_DOWN and episode.status != EpisodeStatus.STEP_DOWN
    to_status = EpisodeStatus.STEP_DOWN if stepping_down else EpisodeStatus.DISCHARGED
    if episode.status != EpisodeStatus.DISCHARGED:
        episode_transition(
            episode=episode,
            to_status=to_status,
            effective_date=last_day,
            actor=actor,
            note=f"Discharge completed ({plan.get_transition_type_display().lower()})",
        )
    plan.refresh_from_db(fields=["last_day", "summary_due_date"])
    plan.status = PlanStatus.COMPLETED
    plan.last_day = last_day
    plan.summary_due_date = last_day + dt.timedelta(days=settings_for(organization).summary_due_days)
    plan.completed_at, plan.completed_by = now, actor
    plan.override_reason = override_reason
    # The change history row of this save carries the override (who, why) in its context.
    with pghistory.context(
        discharge_completed_by=actor.pk if actor else None,
        discharge_override=bool(override_reason),
        discharge_open_items=[row.item.key for row in open_required],
    ):
        plan.save()
    return plan


# --- The discharge summary -----------------------------------------------------------------------------


@transaction.atomic
def summary_save(*, plan: TransitionPlan, text: str, actor: User) -> TransitionPlan:
    """Write (or rewrite) the summary; a signed summary no longer changes."""
    text = _check_text("summary", text)
    plan = plan_locked(plan)
    if plan.status == PlanStatus.CANCELLED:
        _check_open(plan)
    if plan.summary_signed_at is not None:
        refuse("The summary is signed: it no longer changes.", code=DischargeErrorCode.SUMMARY_ALREADY_SIGNED)
    plan.summary = text
    plan.save(update_fields=["summary", "updated_at"])
    return plan


@transaction.atomic
def summary_sign(
    *, plan: TransitionPlan, actor: User, membership: Membership | None, text: str | None = None, now=None
) -> TransitionPlan:
    """Sign the summary (a clinician, or an org admin), with its text when given."""
    from iop.tenancy.permissions import DISCHARGE_SUMMARY_SIGN, membership_can

    if not membership_can(membership, DISCHARGE_SUMMARY_SIGN):
        refuse(
            "Only a clinician signs the discharge summary.",
            code=DischargeErrorCode.SUMMARY_SIGNER_NOT_CLINICAL,
            field="__all__",
        )
    checked = _check_text("summary", text) if text is not None else None
    plan = plan_locked(plan)
    if plan.status == PlanStatus.CANCELLED:
        _check_open(plan)
    if plan.summary_signed_at is not None:
        refuse("The summary is already signed.", code=DischargeErrorCode.SUMMARY_ALREADY_SIGNED)
    if checked is not None:
        plan.summary = checked
    if not plan.summary.strip():
        refuse("Write the summary before signing it.", code=DischargeErrorCode.SUMMARY_EMPTY, field="summary")
    plan.summary_signed_at, plan.summary_signed_by = now or timezone.now(), actor
    plan.save(update_fields=["summary", "summary_signed_at", "summary_signed_by", "updated_at"])
    return plan
