"""Reads for transition plans: one plan with what its page shows, the checklist with each item
decided (automatic items from the data, manual ones from their tick), the sessions a termination
session can be, the summary's deadline clocks, and the Discharges worklist.

Each selector owns its joins: a list costs the same queries however many plans it holds. The
automatic items are decided from prefetched rows with the areas' own rules (aftercare's
`aftercare_booked`, consent's `records_sent`), so the worklist does not query per plan.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.urls import reverse
from django.utils import timezone

from discharge.checklist import AUTOMATIC
from discharge.models import (
    AftercareAppointment,
    ChecklistItem,
    ChecklistKey,
    DischargeSettings,
    Disclosure,
    PlanStatus,
    TransitionPlan,
)
from iop.clients.models import Episode
from iop.common.dates import date_short, time_hm
from iop.tenancy.models import Membership, Organization, Role

if TYPE_CHECKING:
    from authorizations.hooks import Clock

SUMMARY_CLOCK_KIND = "discharge_summary"  # a ClockEscalation.kind (CharField; see authorizations/escalations.py)
WORKLIST_WEEKS = 2  # this week and next


def _records_sent_annotation():
    """Consent's `records_sent` rule as a column: a disclosure of this episode's records to the
    plan's receiving provider."""
    return Exists(
        Disclosure.objects.filter(
            episode_id=OuterRef("episode_id"), recipient_provider_id=OuterRef("receiving_provider_id")
        )
    )


def _plans_decided() -> QuerySet[TransitionPlan]:
    """Plans with what `checklist_rows` decides from, and no more (the client page's panel): the
    full read's thirteen tables joined took ~20 ms to plan under RLS for 0.5 ms to run, on every
    client page, most of them without a plan (issue #15). Set `organization` on what it returns."""
    return (
        TransitionPlan.objects.select_related("termination__session__group")
        .annotate(records_sent_flag=_records_sent_annotation())
        .prefetch_related(
            Prefetch("items", queryset=ChecklistItem.objects.select_related("done_by").order_by("position", "key")),
            Prefetch("appointments", queryset=AftercareAppointment.objects.order_by("starts_at")),
        )
    )


def _plans() -> QuerySet[TransitionPlan]:
    return _plans_decided().select_related(
        "organization",
        "episode__client",
        "episode__program",
        "episode__primary_clinician__user",
        "receiving_provider",
        "payer_recommendation",
        "summary_signed_by",
        "completed_by",
    )


def plan_list(*, organization: Organization) -> QuerySet[TransitionPlan]:
    return _plans().filter(organization=organization).order_by("target_date", "created_at")


def plan_get(*, organization: Organization, plan_id) -> TransitionPlan | None:
    return _plans().filter(organization=organization, pk=plan_id).first()


def plan_for_episode(*, organization: Organization, episode_id) -> TransitionPlan | None:
    return _plans().filter(organization=organization, episode_id=episode_id).first()


def episode_get(*, organization: Organization, episode_id) -> Episode | None:
    return (
        Episode.objects.filter(organization=organization, pk=episode_id)
        .select_related("client", "program", "primary_clinician__user")
        .first()
    )


def checklist_item_get(*, plan: TransitionPlan, item_id) -> ChecklistItem | None:
    return ChecklistItem.objects.filter(organization_id=plan.organization_id, plan=plan, pk=item_id).first()


def within_days_for(organization_id) -> int:
    from discharge.aftercare.selectors import aftercare_within_days

    return aftercare_within_days(organization_id)


# --- The checklist, decided ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ChecklistRow:
    item: ChecklistItem
    done: bool
    automatic: bool
    detail: str = ""  # what decided an automatic item, or the tick's note


def _termination_detail(plan: TransitionPlan) -> tuple[bool, str]:
    termination = getattr(plan, "termination", None) if _has_termination(plan) else None
    if termination is None:
        return False, ""
    session = termination.session
    if session.status != "scheduled":
        return False, "The chosen session was cancelled: choose another."
    local = session.starts_at.astimezone(plan.organization.tzinfo)
    return True, f"{session.group.name}, {date_short(local)} at {time_hm(local)}"


def _has_termination(plan: TransitionPlan) -> bool:
    try:
        plan.termination  # noqa: B018 - the reverse one-to-one raises when absent
    except TransitionPlan.termination.RelatedObjectDoesNotExist:
        return False
    return True


def _automatic(plan: TransitionPlan, key: str, *, within_days: int) -> tuple[bool, str]:
    from discharge.aftercare.selectors import aftercare_booked

    if key == ChecklistKey.TERMINATION_SESSION:
        return _termination_detail(plan)
    if key == ChecklistKey.AFTERCARE_BOOKED:
        done = aftercare_booked(plan, within_days=within_days)
        return done, "" if done else f"No appointment 1–{within_days} days after the last day yet."
    if key == ChecklistKey.RECORDS_SENT:
        flag = getattr(plan, "records_sent_flag", None)
        if flag is None:
            from discharge.consent.selectors import records_sent

            flag = records_sent(plan)
        if plan.receiving_provider_id is None:
            return False, "Choose the receiving provider first."
        return bool(flag), ""
    if key == ChecklistKey.SUMMARY_SIGNED:
        return plan.summary_signed_at is not None, ""
    return False, ""


def checklist_rows(
    plan: TransitionPlan, *, today: dt.date | None = None, within_days: int | None = None
) -> list[ChecklistRow]:
    """The plan's items in order, each decided: automatic ones from the data, manual ones by their
    tick. Reads the plan's prefetched items and appointments (a plan from `plan_get`/`plan_list`
    costs no query here)."""
    if within_days is None:
        within_days = within_days_for(plan.organization_id)
    rows = []
    for item in plan.items.all():
        if item.key in AUTOMATIC:
            done, detail = _automatic(plan, item.key, within_days=within_days)
            rows.append(ChecklistRow(item=item, done=done, automatic=True, detail=detail))
        else:
            rows.append(ChecklistRow(item=item, done=item.done_at is not None, automatic=False, detail=item.note))
    return rows


def open_required(rows: list[ChecklistRow]) -> list[ChecklistRow]:
    return [row for row in rows if row.item.is_required and not row.done]


def client_plan_panel(*, organization: Organization, client, episode, can, form_state) -> dict | None:
    """The client page's discharge panel: the episode's plan with its checklist decided (one
    query, three with a plan: its items and appointments), or None without an episode."""
    if episode is None:
        return None
    plan = _plans_decided().filter(organization=organization, episode_id=episode.pk).first()
    rows = []
    if plan is not None:
        plan.organization = organization
        rows = checklist_rows(plan)
    return {"discharge_plan": plan, "discharge_open": open_required(rows), "discharge_episode": episode}


# --- Termination session choices ----------------------------------------------------------------------


def termination_session_choices(*, plan: TransitionPlan, today: dt.date) -> list:
    """Scheduled sessions from today to the target date, the client's own first (already seated),
    then the program's others with room; at most 30, soonest last-day first."""
    from scheduling.models import RosterEntry, RosterStatus, Session, SessionStatus

    if plan.target_date is None or plan.target_date < today:
        return []
    seated = RosterEntry.objects.filter(
        session_id=OuterRef("pk"), episode_id=plan.episode_id, status=RosterStatus.BOOKED
    )
    sessions = (
        Session.objects.filter(
            organization_id=plan.organization_id,
            status=SessionStatus.SCHEDULED,
            local_date__gte=today,
            local_date__lte=plan.target_date,
            group__program_id=plan.episode.program_id,
        )
        .select_related("group")
        .annotate(client_seated=Exists(seated))
        .order_by("-client_seated", "-local_date", "starts_at")[:30]
    )
    return list(sessions)


# --- The summary's deadline ------------------------------------------------------------------------------


def summary_due_at(organization: Organization, due_date: dt.date) -> dt.datetime:
    """The end of the due day, in the organization's zone."""
    return organization.local_datetime(due_date + dt.timedelta(days=1), dt.time(0))


def summary_clocks(*, organization: Organization, now: dt.datetime | None = None) -> list[Clock]:
    """Clock source (authorizations.hooks): every discharge whose summary is not signed, due at the
    end of its due day; the episode's clinician hears (else every clinician). Two queries."""
    from authorizations.hooks import Clock

    plans = list(
        TransitionPlan.objects.filter(
            organization=organization,
            summary_signed_at__isnull=True,
            summary_due_date__isnull=False,
        )
        .exclude(status=PlanStatus.CANCELLED)
        .select_related("episode__primary_clinician", "episode__client")
        .order_by("summary_due_date", "pk")
    )
    if not plans:
        return []
    clinicians = tuple(
        Membership.objects.filter(organization=organization, is_active=True, role=Role.CLINICIAN).order_by("pk")
    )
    clocks = []
    for plan in plans:
        primary = plan.episode.primary_clinician
        recipients = (primary,) if primary is not None and primary.is_active else clinicians
        clocks.append(
            Clock(
                kind=SUMMARY_CLOCK_KIND,
                subject_id=plan.pk,
                due_at=summary_due_at(organization, plan.summary_due_date),  # type: ignore[arg-type]
                title=f"Sign {plan.episode.client.display_name}'s discharge summary",
                link=reverse("discharge:plan", kwargs={"org_slug": organization.slug, "episode_id": plan.episode_id})
                + "#summary",
                recipients=recipients,
                client_id=plan.episode.client_id,
            )
        )
    return clocks


# --- The Discharges worklist ------------------------------------------------------------------------------


@dataclass
class TransitionRow:
    plan: TransitionPlan
    open_items: list[ChecklistRow]
    overdue: bool


@dataclass
class Worklist:
    today: dt.date
    week_start: dt.date
    until: dt.date
    transitions: list[TransitionRow]
    not_booked: list[TransitionPlan]
    follow_ups_due: list
    summaries_overdue: list[TransitionPlan]
    unreconciled: list
    missing_sections: list[str] = field(default_factory=list)

    def client_ids(self) -> list:
        ids = [row.plan.episode.client_id for row in self.transitions]
        ids += [plan.episode.client_id for plan in self.not_booked]
        ids += [check.plan.episode.client_id for check in self.follow_ups_due]
        ids += [plan.episode.client_id for plan in self.summaries_overdue]
        ids += [getattr(row, "client_id", None) or _episode_of(row).client_id for row in self.unreconciled]
        return list(dict.fromkeys(ids))


def _episode_of(row):
    return row if isinstance(row, Episode) else getattr(row, "episode", row)


def week_start_of(organization: Organization, day: dt.date) -> dt.date:
    return day - dt.timedelta(days=(day.weekday() - organization.week_start) % 7)


def worklist(*, organization: Organization, now: dt.datetime | None = None) -> Worklist:
    """This week's and next week's transitions (and any past their target date still open) with
    their open items; aftercare not yet booked and follow-ups due (aftercare's sections);
    summaries overdue; episodes not reconciled (billing's). A constant number of queries."""
    now = now or timezone.now()
    today = organization.local_today(now)
    start = week_start_of(organization, today)
    until = start + dt.timedelta(days=7 * WORKLIST_WEEKS - 1)
    settings_row = DischargeSettings.objects.filter(organization=organization).first()
    within = settings_row.aftercare_within_days if settings_row else within_days_for(organization.pk)
    plans = list(plan_list(organization=organization).filter(status=PlanStatus.PLANNING, target_date__lte=until))
    transitions = []
    for plan in plans:
        rows = checklist_rows(plan, today=today, within_days=within)
        missing = [row for row in rows if not row.done]
        if missing:
            overdue = plan.target_date is not None and plan.target_date < today
            transitions.append(TransitionRow(plan=plan, open_items=missing, overdue=overdue))
    summaries_overdue = list(
        TransitionPlan.objects.filter(
            organization=organization,
            summary_signed_at__isnull=True,
            summary_due_date__lt=today,
        )
        .exclude(status=PlanStatus.CANCELLED)
        .select_related("episode__client", "episode__primary_clinician__user")
        .order_by("summary_due_date", "pk")
    )
    missing_sections: list[str] = []
    try:
        from discharge.aftercare.selectors import aftercare_worklist

        aftercare = aftercare_worklist(organization=organization, today=today)
    except ImportError:
        aftercare = {"not_booked": [], "follow_ups_due": []}
        missing_sections.append("aftercare")
    try:
        from discharge.billing.selectors import unreconciled_episodes

        unreconciled = list(unreconciled_episodes(organization=organization))
    except ImportError:
        unreconciled = []
        missing_sections.append("billing")
    return Worklist(
        today=today,
        week_start=start,
        until=until,
        transitions=transitions,
        not_booked=list(aftercare.get("not_booked", [])),
        follow_ups_due=list(aftercare.get("follow_ups_due", [])),
        summaries_overdue=summaries_overdue,
        unreconciled=unreconciled,
        missing_sections=missing_sections,
    )
