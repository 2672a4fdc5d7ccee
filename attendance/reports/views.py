"""Attendance report downloads, from the client page: an episode's report for a period as a PDF
or a CSV (made on the spot), a stored report prepared in the background, and the request for one.

Every download is an export of PHI and writes an access event (action "export") before the file
is returned. Episodes and reports are found through the organization, so another tenant's id is a
404 like an unknown one. File names carry the episode id's first characters and the period, never
the client's name (download folders, browser history and mail attachments keep file names).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET

from iop.audit.models import AccessAction
from iop.audit.services import access_record
from iop.common.exceptions import ApplicationError
from iop.common.form_state import redirect_refused
from iop.common.forms import forms_add_application_error
from iop.common.pages import found_or_404, org_page
from iop.tenancy import permissions

from ..hours.selectors import episode_for_attendance
from ..models import AttendanceReport, ReportStatus
from .documents import attendance_report_csv, attendance_report_pdf
from .forms import ReportRangeForm, ReportRequestForm
from .periods import report_default_range, report_filename
from .selectors import attendance_report_data
from .services import attendance_report_request


def _episode_or_404(request, episode_id):
    return found_or_404(episode_for_attendance(organization=request.organization, episode_id=episode_id))


def _to_client(org_slug: str, episode):
    return redirect("clients:client_detail", org_slug=org_slug, client_id=episode.client_id)


def _refused(request, org_slug: str, episode, form: forms.Form, *, key: str):
    """A bad period: back to the client page's report panel with what was wrong next to the dates
    as they were typed (form `key` of the panel), and no file."""
    problems = []
    for name, errors in form.errors.as_data().items():
        for error in errors:
            text = " ".join(error.messages)
            # Django's own messages ("This field is required.") need the field; the range rules'
            # messages name it already.
            needs_label = name in form.fields and error.code in ("required", "invalid")
            problems.append(f"{form.fields[name].label}: {text}" if needs_label else text)
    messages.error(request, "The report was not made. " + " ".join(problems or ["Check the dates."]))
    return _back_to_panel(request, org_slug, episode, form, key=key)


def _back_to_panel(request, org_slug: str, episode, form: forms.Form, *, key: str):
    page = reverse("clients:client_detail", kwargs={"org_slug": org_slug, "client_id": episode.client_id})
    return redirect_refused(request, f"{page}#attendance-reports", key=key, form=form)


def _range(request, organization):
    """The period from the query string; the default period when none is given."""
    if "start" not in request.GET and "end" not in request.GET:
        start, end = report_default_range(organization=organization)
        return ReportRangeForm({"start": start, "end": end})
    return ReportRangeForm(request.GET)


def _attachment(content, *, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _episode_report(request, org_slug: str, episode_id, *, kind: str) -> HttpResponse:
    organization = request.organization
    episode = _episode_or_404(request, episode_id)
    form = _range(request, organization)
    if not form.is_valid():
        return _refused(request, org_slug, episode, form, key="report")
    data = attendance_report_data(
        organization=organization, episode=episode, start=form.cleaned_data["start"], end=form.cleaned_data["end"]
    )
    if kind == "pdf":
        pdf = attendance_report_pdf(data=data, generated_by=request.user.get_full_name() or request.user.email)
        response = _attachment(pdf, content_type="application/pdf", filename=f"{data.filename_stem}.pdf")
    else:
        # With a byte-order mark, spreadsheet programs read the file as UTF-8 (accented names).
        csv_text = "\ufeff" + attendance_report_csv(data=data)
        response = _attachment(csv_text, content_type="text/csv; charset=utf-8", filename=f"{data.filename_stem}.csv")
    # Only once the file exists, and before it leaves: no export goes unrecorded.
    access_record(request=request, action=AccessAction.EXPORT, obj=episode, client_id=episode.client_id)
    return response


@org_page(permissions.ATTENDANCE_REPORT)
@require_GET
def episode_report_pdf(request, org_slug: str, episode_id):
    return _episode_report(request, org_slug, episode_id, kind="pdf")


@org_page(permissions.ATTENDANCE_REPORT)
@require_GET
def episode_report_csv(request, org_slug: str, episode_id):
    return _episode_report(request, org_slug, episode_id, kind="csv")


@org_page(permissions.ATTENDANCE_REPORT)
def report_request(request, org_slug: str, episode_id):
    """The background-report form lives on the client page; this only takes its POST (a GET goes
    back there)."""
    episode = _episode_or_404(request, episode_id)
    if request.method != "POST":
        return _to_client(org_slug, episode)
    form = ReportRequestForm(request.POST, prefix="background")
    if not form.is_valid():
        return _refused(request, org_slug, episode, form, key="background")
    try:
        attendance_report_request(
            organization=request.organization,
            episode=episode,
            start=form.cleaned_data["start"],
            end=form.cleaned_data["end"],
            purpose=form.cleaned_data["purpose"],
            actor=request.user,
        )
    except ApplicationError as exc:
        messages.error(request, f"The report was not requested: {exc.message}")
        forms_add_application_error(exc, form)
        return _back_to_panel(request, org_slug, episode, form, key="background")
    messages.success(
        request, "The attendance report is being prepared. It will be listed under Attendance reports when ready."
    )
    return _to_client(org_slug, episode)


@org_page(permissions.ATTENDANCE_REPORT)
@require_GET
def report_download(request, org_slug: str, report_id):
    """A stored report: only a ready one (queued or failed have no file: 404)."""
    report = found_or_404(
        AttendanceReport.objects.filter(organization=request.organization, pk=report_id, status=ReportStatus.READY)
        .select_related("episode")
        .first()
    )
    filename = report_filename(episode_id=report.episode_id, start=report.start_date, end=report.end_date) + ".pdf"
    response = _attachment(bytes(report.pdf), content_type="application/pdf", filename=filename)
    access_record(request=request, action=AccessAction.EXPORT, obj=report, client_id=report.episode.client_id)
    return response
