"""Discharge's panels on Today and its census column (registered from `discharge.wiring`).

- VAs: discharges this week (or already past their target date) with required checklist items
  still open — the count decided in SQL (`discharge.plans.open_items`), so the panel is a row panel.
- Clinicians: payer step-down (or step-up) recommendations still waiting for them — the plan the
  recommendation started or changed has no receiving provider yet — and discharge summaries to sign.
  Theirs: the episodes they are primary clinician of, the recommendations of reviews assigned to
  them, and, like the deadline clocks and the step-down notice, episodes with no active primary
  clinician (every clinician hears of those).
- The census board's "Discharge target": the open plan's target last day.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse

from discharge.models import PlanOrigin, PlanStatus, TransitionPlan, TransitionType
from discharge.plans.open_items import open_required_count
from iop.clients.models import Episode
from iop.clients.selectors import client_name_expression
from iop.common.dates import date_short
from iop.common.text import plural
from iop.tenancy import permissions
from iop.tenancy.models import LevelOfCare, Organization, Role
from iop.today.hooks import (
    CensusCell,
    CensusColumn,
    TodayContext,
    TodayLine,
    TodayPanel,
    TodayRows,
    Tone,
    census_column_register,
    today_link,
    today_panel_register,
    today_values,
)

# A summary due this many days ahead or sooner is shown as pressing.
SUMMARY_SOON_DAYS = 2
_RECOMMENDED_TYPES = (TransitionType.STEP_DOWN, TransitionType.STEP_UP)


def _plan_url(context_or_slug: TodayContext | str, episode_id: Any, anchor: str) -> str:
    slug = context_or_slug if isinstance(context_or_slug, str) else context_or_slug.org_slug
    return reverse("discharge:plan", kwargs={"org_slug": slug, "episode_id": episode_id}) + anchor


def _unattended() -> Q:
    """Episodes every clinician answers for: no primary clinician, or one no longer active."""
    return Q(episode__primary_clinician__isnull=True) | Q(episode__primary_clinician__is_active=False)


def _plans(context: TodayContext) -> QuerySet[TransitionPlan]:
    return TransitionPlan.objects.filter(organization=context.organization)


def _theirs(context: TodayContext, mine: Q) -> Q:
    """A clinician's own; an organization admin's count covers everybody's."""
    return Q() if context.membership.role == Role.ORG_ADMIN else mine | _unattended()


# --- VA: discharges this week with open items ----------------------------------------------------------


def _discharges_rows(context: TodayContext) -> QuerySet:
    plans = (
        _plans(context)
        .filter(status=PlanStatus.PLANNING, target_date__lte=context.week_end)
        .annotate(t_open=open_required_count(context.organization))
        .filter(t_open__gt=0)
    )
    return today_values(
        plans,
        ref="episode_id",
        client="episode__client_id",
        label=client_name_expression("episode__client"),
        note="transition_type",
        day="target_date",
        n1="t_open",
    )


def _discharges_line(row: dict, context: TodayContext) -> TodayLine:
    day: dt.date = row["t_day"]
    open_items = row["t_n1"]
    tone: Tone
    kind = TransitionType(row["t_note"]).label if row["t_note"] in TransitionType.values else "Transition not decided"
    if day < context.today:
        tone, when = "alert", f"was due {date_short(day)}"
    elif day <= context.tomorrow:
        tone, when = "warn", f"last day {'today' if day == context.today else 'tomorrow'}, {date_short(day)}"
    else:
        tone, when = "", f"last day {date_short(day)}"
    return TodayLine(
        text=row["t_label"],
        url=_plan_url(context, row["t_ref"], "#checklist"),
        status=f"{plural(open_items, 'item')} open",
        detail=f"{kind}, {when}",
        tone=tone,
        client_id=row["t_client"],
    )


# --- Clinician: step-down recommendations ----------------------------------------------------------------


def _recommendations_rows(context: TodayContext) -> QuerySet:
    mine = Q(episode__primary_clinician=context.membership) | Q(
        payer_recommendation__request__review__clinician_id=context.membership.user_id
    )
    plans = _plans(context).filter(
        _theirs(context, mine),
        status=PlanStatus.PLANNING,
        origin=PlanOrigin.PAYER,
        payer_recommendation__isnull=False,
        transition_type__in=_RECOMMENDED_TYPES,
        # Answered once the clinician names where the client goes (or changes the plan's type).
        receiving_provider__isnull=True,
    )
    return today_values(
        plans,
        ref="episode_id",
        client="episode__client_id",
        label=client_name_expression("episode__client"),
        note="payer_recommendation__recommended_level_of_care",
        at="payer_recommendation__decided_at",
        day="target_date",
    )


def _recommendations_line(row: dict, context: TodayContext) -> TodayLine:
    level = row["t_note"] or ""
    recommended = level.upper() if level in LevelOfCare.values else "another level"
    decided: dt.datetime | None = row["t_at"]
    parts = []
    if decided is not None:
        parts.append(f"Recommended {date_short(decided.astimezone(context.organization.tzinfo).date())}")
    if row["t_day"] is not None:
        parts.append(f"last day {date_short(row['t_day'])}")
    parts.append("choose the receiving provider")
    return TodayLine(
        text=row["t_label"],
        url=_plan_url(context, row["t_ref"], "#plan"),
        status=f"Payer recommends {recommended}",
        detail="; ".join(parts),
        tone="warn",
        client_id=row["t_client"],
    )


# --- Clinician: discharge summaries to sign -----------------------------------------------------------


def _summaries_rows(context: TodayContext) -> QuerySet:
    plans = (
        _plans(context)
        .filter(_theirs(context, Q(episode__primary_clinician=context.membership)))
        .filter(summary_signed_at__isnull=True, summary_due_date__isnull=False)
        .exclude(status=PlanStatus.CANCELLED)
    )
    return today_values(
        plans,
        ref="episode_id",
        client="episode__client_id",
        label=client_name_expression("episode__client"),
        day="summary_due_date",
    )


def _summaries_line(row: dict, context: TodayContext) -> TodayLine:
    due: dt.date = row["t_day"]
    days = (due - context.today).days
    tone: Tone
    if days < 0:
        tone, status = "alert", f"Overdue since {date_short(due)}"
    elif days <= SUMMARY_SOON_DAYS:
        tone, status = "warn", f"Due {'today' if days == 0 else date_short(due)}"
    else:
        tone, status = "", f"Due {date_short(due)}"
    return TodayLine(
        text=row["t_label"],
        url=_plan_url(context, row["t_ref"], "#summary"),
        status=status,
        tone=tone,
        client_id=row["t_client"],
    )


# --- The census board's column ------------------------------------------------------------------------


def target_cells(*, organization: Organization, episodes: list[Episode], today: dt.date) -> dict:
    """Each row's open plan: its target last day, flagged once it has passed (one query)."""
    plans = TransitionPlan.objects.filter(
        organization=organization, episode_id__in=[e.pk for e in episodes], status=PlanStatus.PLANNING
    ).values_list("episode_id", "target_date", "transition_type")
    cells = {}
    for episode_id, target, kind in plans:
        url = _plan_url(organization.slug, episode_id, "#plan")
        label = TransitionType(kind).label if kind in TransitionType.values else ""
        if target is None:
            cells[episode_id] = CensusCell(text="Not set", detail=label, url=url)
        elif target < today:
            cells[episode_id] = CensusCell(
                text=date_short(target), tone="alert", detail="Past the target date", url=url
            )
        else:
            cells[episode_id] = CensusCell(text=date_short(target), detail=label, url=url)
    return cells


def register() -> None:
    today_panel_register(
        TodayPanel(
            key="discharges_this_week",
            title="Discharges this week with open items",
            roles=frozenset({Role.VA}),
            permission=permissions.DISCHARGE_VIEW,
            order=700,
            link=today_link("discharge:worklist"),
            rows=TodayRows(query=_discharges_rows, line=_discharges_line, order_by=("target_date",)),
            empty="No discharge this week has an open item.",
        )
    )
    today_panel_register(
        TodayPanel(
            key="step_down_recommendations",
            title="Step-down recommendations",
            roles=frozenset({Role.CLINICIAN}),
            permission=permissions.DISCHARGE_MANAGE,
            order=710,
            link=today_link("discharge:worklist"),
            rows=TodayRows(query=_recommendations_rows, line=_recommendations_line, order_by=("target_date", "t_at")),
            empty="No payer recommendation is waiting for you.",
        )
    )
    today_panel_register(
        TodayPanel(
            key="summaries_to_sign",
            title="Discharge summaries to sign",
            roles=frozenset({Role.CLINICIAN}),
            permission=permissions.DISCHARGE_SUMMARY_SIGN,
            order=720,
            link=today_link("discharge:worklist"),
            rows=TodayRows(query=_summaries_rows, line=_summaries_line, order_by=("summary_due_date",)),
            empty="No discharge summary is waiting for your signature.",
        )
    )
    census_column_register(
        CensusColumn(
            key="discharge_target",
            title="Discharge target",
            order=60,
            permission=permissions.DISCHARGE_VIEW,
            load=target_cells,
        )
    )
