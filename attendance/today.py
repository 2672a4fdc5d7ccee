"""Attendance's panels on Today (registered from `attendance.wiring`): today's sessions with their
roll calls (the VA's all, a clinician's own), sessions still missing attendance, clients whose
hours this week are at risk (the clinician's own clients on their day) and absence alerts for a
clinician's clients. All are row panels: their rows come in the board's one query."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, F, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from attendance.models import AbsenceAlert, AttendanceRecord, PaceState, ThresholdFlag
from attendance.roll_call.selectors import MISSING_LOOKBACK
from iop.clients.selectors import client_name_expression
from iop.common.dates import time_hm
from iop.tenancy import permissions
from iop.tenancy.models import Role
from iop.today.hooks import (
    TodayContext,
    TodayLine,
    TodayPanel,
    TodayRows,
    Tone,
    today_link,
    today_panel_register,
    today_values,
)
from scheduling.models import RosterStatus, Session, SessionStatus
from scheduling.selectors import seats_count
from scheduling.today import lead_name

VA = frozenset({Role.VA})
CLINICIAN = frozenset({Role.CLINICIAN})


def _time(context: TodayContext, value: dt.datetime) -> str:
    return time_hm(value, context.organization.tzinfo)


def _recorded_count() -> Coalesce:
    """Booked seats of the session with attendance recorded, as a subquery."""
    recorded = (
        AttendanceRecord.objects.filter(session=OuterRef("pk"), roster_entry__status=RosterStatus.BOOKED)
        .order_by()
        .values("session")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(recorded, output_field=IntegerField()), 0)


def _roll_call_url(context: TodayContext, session_id) -> str:
    return context.url("attendance:roll_call", session_id=session_id)


def _mine(context: TodayContext) -> dict:
    """Sessions the member facilitates (lead or co)."""
    return {"facilitators__staff_profile__membership": context.membership}


# --- Today's sessions and their roll calls -------------------------------------------------------------


def _sessions_today(context: TodayContext, *, mine: bool) -> QuerySet:
    sessions = Session.objects.filter(
        organization=context.organization, local_date=context.today, status=SessionStatus.SCHEDULED
    )
    if mine:
        sessions = sessions.filter(**_mine(context))
    return today_values(
        sessions,
        ref="pk",
        label="group__name",
        note=lead_name(),
        at="starts_at",
        n1=seats_count(),
        n2="capacity",
        n3=_recorded_count(),
    )


def _session_today_line(row: dict, context: TodayContext) -> TodayLine:
    seated, recorded = row["t_n1"], row["t_n3"]
    starts = row["t_at"]
    facilitator = row["t_note"] or "No lead facilitator"
    tone: Tone
    if seated and recorded >= seated:
        status, tone = "Roll call taken", "ok"
    elif recorded:
        status, tone = f"Roll call {recorded} of {seated}", "warn"
    elif starts <= context.now:
        status, tone = "Roll call not taken", "warn"
    else:
        status, tone = "Starts " + _time(context, starts), ""
    return TodayLine(
        text=f"{_time(context, starts)} {row['t_label']}",
        url=_roll_call_url(context, row["t_ref"]),
        status=status,
        detail=f"{facilitator} · {seated}/{row['t_n2']} booked",
        tone="alert" if not row["t_note"] else tone,
    )


# --- Sessions still missing attendance -----------------------------------------------------------------


def _missing_rows(context: TodayContext) -> QuerySet:
    sessions = (
        Session.objects.filter(
            organization=context.organization,
            status=SessionStatus.SCHEDULED,
            ends_at__lte=context.now,
            ends_at__gte=context.now - MISSING_LOOKBACK,
        )
        .annotate(seated=seats_count(), recorded=_recorded_count())
        .filter(seated__gt=0, recorded__lt=F("seated"))
    )
    return today_values(
        sessions, ref="pk", label="group__name", note=lead_name(), at="starts_at", n1="seated", n2="recorded"
    )


def _missing_line(row: dict, context: TodayContext) -> TodayLine:
    missing = row["t_n1"] - row["t_n2"]
    old = context.organization.local_today(row["t_at"]) < context.today
    return TodayLine(
        text=f"{context.datetime_short(row['t_at'])} {row['t_label']}",
        url=_roll_call_url(context, row["t_ref"]),
        status=f"{missing} of {row['t_n1']} not recorded",
        detail=row["t_note"] or "No lead facilitator",
        tone="alert" if old else "warn",
    )


# --- Hours at risk this week -------------------------------------------------------------------------------


def _at_risk(context: TodayContext, *, mine: bool) -> QuerySet:
    flags = ThresholdFlag.objects.filter(
        organization=context.organization,
        resolved_at__isnull=True,
        week_start=context.week_start,
        state__in=[PaceState.AT_RISK, PaceState.CANNOT_REACH],
    )
    if mine:
        flags = flags.filter(episode__primary_clinician=context.membership)
    return today_values(
        flags,
        ref="pk",
        client="episode__client_id",
        label=client_name_expression("episode__client"),
        note="state",
        n1="attended_minutes",
        n2="remaining_minutes",
        n3="required_minutes",
    )


def _at_risk_line(row: dict, context: TodayContext) -> TodayLine:
    cannot = row["t_note"] == PaceState.CANNOT_REACH
    attended, remaining, required = (row[k] / 60 for k in ("t_n1", "t_n2", "t_n3"))
    return TodayLine(
        text=row["t_label"],
        url=context.url("attendance:at_risk") + f"#flag-{row['t_ref']}",
        status=PaceState(row["t_note"]).label,
        detail=f"{attended:.1f} h attended, {remaining:.1f} h still booked, {required:.1f} h required",
        tone="alert" if cannot else "warn",
        client_id=row["t_client"],
    )


# --- Absence alerts for a clinician's clients ----------------------------------------------------------------


def _my_alerts(context: TodayContext) -> QuerySet:
    alerts = AbsenceAlert.objects.filter(
        organization=context.organization,
        acknowledged_at__isnull=True,
        episode__primary_clinician=context.membership,
    )
    return today_values(
        alerts,
        ref="pk",
        client="episode__client_id",
        label=client_name_expression("episode__client"),
        note="summary",
        at="raised_at",
    )


def _alert_line(row: dict, context: TodayContext) -> TodayLine:
    return TodayLine(
        text=row["t_label"],
        url=context.url("attendance:alerts") + f"#alert-{row['t_ref']}",
        status="Absence alert",
        detail=row["t_note"],
        tone="warn",
        client_id=row["t_client"],
    )


def register_today_panels() -> None:
    today_panel_register(
        TodayPanel(
            key="sessions_today",
            title="Today's sessions",
            roles=VA,
            permission=permissions.ATTENDANCE_VIEW,
            order=100,
            rows=TodayRows(
                query=lambda context: _sessions_today(context, mine=False),
                line=_session_today_line,
                order_by=("starts_at", "group__name"),
            ),
            link=today_link("scheduling:week"),
            empty="No sessions today.",
        )
    )
    today_panel_register(
        TodayPanel(
            key="my_sessions_today",
            title="My sessions today",
            roles=CLINICIAN,
            permission=permissions.ATTENDANCE_RECORD,
            order=101,
            rows=TodayRows(
                query=lambda context: _sessions_today(context, mine=True),
                line=_session_today_line,
                order_by=("starts_at", "group__name"),
            ),
            link=today_link("scheduling:week"),
            empty="You have no session today.",
            personal=True,
        )
    )
    today_panel_register(
        TodayPanel(
            key="missing_attendance",
            title="Missing attendance",
            roles=VA,
            permission=permissions.ATTENDANCE_RECORD_ANY,
            order=130,
            rows=TodayRows(query=_missing_rows, line=_missing_line, order_by=("starts_at",)),
            link=today_link("attendance:missing"),
            empty="Every ended session has its roll call.",
        )
    )
    today_panel_register(
        TodayPanel(
            key="hours_at_risk",
            title="Hours at risk this week",
            roles=VA,
            permission=permissions.ATTENDANCE_VIEW,
            order=140,
            rows=TodayRows(
                query=lambda context: _at_risk(context, mine=False),
                line=_at_risk_line,
                order_by=("-state", "t_label"),
            ),
            link=today_link("attendance:at_risk"),
            empty="Every client can still reach their hours this week.",
        )
    )
    today_panel_register(
        TodayPanel(
            key="my_hours_at_risk",
            title="My clients at risk",
            roles=CLINICIAN,
            permission=permissions.ATTENDANCE_VIEW,
            order=141,
            rows=TodayRows(
                query=lambda context: _at_risk(context, mine=True),
                line=_at_risk_line,
                order_by=("-state", "t_label"),
            ),
            link=today_link("attendance:at_risk"),
            empty="None of your clients is at risk of missing their hours.",
            personal=True,
        )
    )
    today_panel_register(
        TodayPanel(
            key="my_absence_alerts",
            title="Absence alerts for my clients",
            roles=CLINICIAN,
            permission=permissions.ABSENCE_ALERT_MANAGE,
            order=145,
            rows=TodayRows(query=_my_alerts, line=_alert_line, order_by=("raised_at",)),
            link=today_link("attendance:alerts"),
            empty="No open absence alert for your clients.",
            personal=True,
        )
    )
