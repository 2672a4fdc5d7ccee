"""The client page's attendance-report panel, so the clients app's view needs no change:
`{% load report_tags %}{% attendance_report_panel episode %}`."""

from __future__ import annotations

from django import template

from iop.tenancy import permissions

register = template.Library()

REPORTS_SHOWN = 5


@register.inclusion_tag("attendance/partials/report_form.html", takes_context=True)
def attendance_report_panel(context, episode) -> dict:
    """The download form (default period filled in), the background-request form and the
    episode's latest stored reports: one query, none for a member who may not export reports."""
    from attendance.models import AttendanceReport
    from attendance.report_views import ReportRangeForm, ReportRequestForm
    from attendance.reports import report_default_range
    from iop.common.form_state import FormState

    organization = context.get("organization")
    can = context.get("can") or frozenset()
    if episode is None or organization is None or permissions.ATTENDANCE_REPORT not in can:
        return {"show": False}
    start, end = report_default_range(organization=organization)
    state = context.get("form_state") or FormState()
    initial = {"start": start, "end": end}
    reports = list(
        AttendanceReport.objects.filter(organization=organization, episode=episode)
        .defer("pdf")  # the list never needs the files themselves
        .order_by("-created_at")[:REPORTS_SHOWN]
    )
    return {
        "show": True,
        "episode": episode,
        "organization": organization,
        # Own element ids: the client page has other forms (the field names stay `start`/`end`,
        # the download URLs' parameters).
        # A refused period comes back as it was typed (the page took its `form_state`).
        "report_form": state.form("report", lambda data: ReportRangeForm(data, initial=initial, auto_id="report-%s")),
        "request_form": state.form(
            "background", lambda data: ReportRequestForm(data, initial=initial, prefix="background")
        ),
        "reports": reports,
    }
