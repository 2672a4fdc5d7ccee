"""Attendance's connections to the apps below it (their hooks), made once from
`AttendanceConfig.ready()`: the client page's "Therapy hours" and "Attendance reports" panels
(iop.clients.hooks.client_panel_register), and census changes (iop.clients.hooks.
episode_status_changed): a discharge or step-down closes the episode's open hours flags and absence
alerts; the inbox's kinds and their "still open?" checks (iop.notifications.hooks, in
`attendance/inbox.py`)."""

from __future__ import annotations

from iop.clients.hooks import ClientPanel, client_panel_register, episode_status_changed
from iop.clients.models import EpisodeStatus
from iop.common.form_state import FormState
from iop.tenancy import permissions

REPORTS_SHOWN = 5


def _hours_panel(*, organization, client, episode, can, form_state) -> dict | None:
    """This week and past weeks since admission, newest first (three queries: payer rules and
    sessions), and the absences, alerts and flags timeline (three queries). The episode is the
    client page's, read with its client, program, plan and clinician: not read again."""
    if episode is None:
        return None
    from .hours.selectors import episode_weeks
    from .timeline import episode_timeline

    return {
        "weeks": episode_weeks(organization=organization, episode=episode),
        "timeline": episode_timeline(episode=episode),
    }


def _reports_panel(*, organization, client, episode, can, form_state: FormState | None) -> dict | None:
    """The download form (default period filled in, or as typed when it was refused), the
    background-request form and the episode's latest stored reports: one query."""
    if episode is None:
        return None
    from .reports.forms import ReportRangeForm, ReportRequestForm
    from .reports.periods import report_default_range
    from .reports.selectors import episode_reports_latest

    start, end = report_default_range(organization=organization)
    state = form_state or FormState()
    initial = {"start": start, "end": end}
    return {
        "episode": episode,
        # Own element ids: the client page has other forms (the field names stay `start`/`end`,
        # the download URLs' parameters).
        "report_form": state.form("report", lambda data: ReportRangeForm(data, initial=initial, auto_id="report-%s")),
        "request_form": state.form(
            "background", lambda data: ReportRequestForm(data, initial=initial, prefix="background")
        ),
        "reports": episode_reports_latest(organization=organization, episode=episode, limit=REPORTS_SHOWN),
    }


_LEFT_CARE = {EpisodeStatus.DISCHARGED: "Discharged", EpisodeStatus.STEP_DOWN: "Stepped down"}


def _episode_left_care(sender, episode, from_status, to_status, effective_date, actor, **kwargs) -> None:
    """Inside the transition's transaction: the episode's open flags and alerts close with why."""
    why = _LEFT_CARE.get(to_status)
    if why is None:
        return
    from .hours.services import episode_flags_close
    from .patterns.services import episode_alerts_close

    note = f"{why} on {effective_date:%Y-%m-%d}: closed with the episode."
    episode_flags_close(episode=episode, actor=actor, resolution=note)
    episode_alerts_close(episode=episode, actor=actor, note=note)


def connect() -> None:
    from .inbox import register_notice_kinds

    episode_status_changed.connect(_episode_left_care, dispatch_uid="attendance_episode_left_care")
    # The inbox's kinds (roll calls to take, absences, hours flags) and when each is fixed.
    register_notice_kinds()
    client_panel_register(
        ClientPanel(
            key="attendance_hours",
            title="Therapy hours",
            template="attendance/partials/client_hours.html",
            context_loader=_hours_panel,
            order=200,
            permission=permissions.ATTENDANCE_VIEW,
        )
    )
    client_panel_register(
        ClientPanel(
            key="attendance_reports",
            title="Attendance reports",
            template="attendance/partials/report_form.html",
            context_loader=_reports_panel,
            order=210,
            permission=permissions.ATTENDANCE_REPORT,
        )
    )
    # Today's attendance panels (today's sessions and roll calls, missing attendance, hours at risk, alerts).
    from .today import register_today_panels

    register_today_panels()
    # The census board's "Hours this week" column (attendance/census.py).
    from .census import register_census

    register_census()
