"""The census pages: import a census CSV (upload, preview naming every bad row, import all or
the good rows only) and the exports (the census, attendance for billing).

The preview keeps no copy of the file: its text travels back in the import form's body (a hidden
field, never a URL or query string) and is read and checked again, whole, when imported. Who may:
importing creates clients and coverages (`client.create`: intake specialists and org admins, who
also record coverage); the exports are billing work (`billing.reconcile`: intake, VAs, admins).

Every export is a PHI read: an access event (action "export") names the clients in the file. A
preview or import that finds clients already on file names them in an access event too (the page
says they exist). File names carry dates only, never a name.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_POST

from authorizations.census_files import documents, selectors, services
from authorizations.census_files.forms import CensusCommitForm, CensusUploadForm, ExportRangeForm
from iop.audit.models import AccessAction
from iop.audit.services import access_record
from iop.common.csv_files import BOM
from iop.common.exceptions import ApplicationError
from iop.common.forms import error_summary, forms_add_application_error
from iop.common.pages import INVALID_FORM_STATUS, form_status, org_page, org_render
from iop.tenancy import permissions
from iop.tenancy.permissions import membership_actions

IMPORT_TEMPLATE = "authorizations/census/import.html"
EXPORTS_TEMPLATE = "authorizations/census/exports.html"


def _csv_response(text: str, *, filename: str) -> HttpResponse:
    response = HttpResponse(BOM + text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _audit_existing(request, result: services.CensusImportResult) -> None:
    found = [row.client_id for row in result.existing if row.client_id]
    if found:
        access_record(request=request, action=AccessAction.LIST, object_type="clients.Client", object_ids=found)


def _import_page(request, *, form=None, commit_form=None, result=None, status=None):
    context = {
        "form": form or CensusUploadForm(),
        "commit_form": commit_form,
        "result": result,
        "columns": services.CENSUS_COLUMNS,
        "required_columns": services.REQUIRED_COLUMNS,
        "errors": error_summary(*(f for f in (form, commit_form) if f is not None)),
        "can": membership_actions(request.membership),
    }
    return org_render(request, IMPORT_TEMPLATE, context, status=status)


def _preview(request, result: services.CensusImportResult, text: str, *, status=None):
    """The rows as judged, and the import form. With bad rows, what to import is the person's
    explicit choice (nothing chosen for them); with none, the import takes every row."""
    _audit_existing(request, result)
    mode = services.ImportMode.ALL if result.all_good else None
    commit_form = CensusCommitForm(initial={"content": text, "mode": mode})
    return _import_page(request, commit_form=commit_form, result=result, status=status)


@org_page(permissions.CLIENT_CREATE)
def census_import(request, org_slug: str):
    """GET: the upload form and the columns. POST: the file's preview (nothing written)."""
    posted = request.method == "POST"
    form = CensusUploadForm(request.POST if posted else None, request.FILES if posted else None)
    if posted and form.is_valid():
        content = form.content()
        try:
            result = services.census_import(organization=request.organization, content=content, actor=request.user)
        except ApplicationError as exc:
            forms_add_application_error(exc, form)
        else:
            return _preview(request, result, content.decode("utf-8-sig"))
    return _import_page(request, form=form, status=form_status(form))


@org_page(permissions.CLIENT_CREATE)
@require_POST
def census_import_commit(request, org_slug: str):
    """Import the previewed file: every row (refused, nothing written, while a row is bad) or
    the good rows only."""
    commit_form = CensusCommitForm(request.POST)
    if not commit_form.is_valid():
        # No choice made: the preview again (read afresh), with the question marked.
        result = None
        if text := commit_form.cleaned_data.get("content"):
            try:
                result = services.census_import(organization=request.organization, content=text.encode(), actor=None)
            except ApplicationError:
                result = None
        return _import_page(request, commit_form=commit_form, result=result, status=INVALID_FORM_STATUS)
    text, mode = commit_form.cleaned_data["content"], commit_form.cleaned_data["mode"]
    try:
        result = services.census_import(
            organization=request.organization, content=text.encode(), actor=request.user, mode=mode
        )
    except ApplicationError as exc:  # the text is no census file (changed since the preview)
        forms_add_application_error(exc, commit_form)
        return _import_page(request, commit_form=commit_form, status=INVALID_FORM_STATUS)
    if not result.imported:
        if result.bad:
            messages.error(
                request,
                f"Nothing was imported: {len(result.bad)} row(s) need correcting. Correct the file and upload it "
                "again, or import the good rows only.",
            )
            return _preview(request, result, text, status=INVALID_FORM_STATUS)
        _audit_existing(request, result)
        messages.info(request, "Nothing to import: every client in the file is on file already.")
        return redirect("clients:client_list", org_slug=org_slug)
    _audit_existing(request, result)
    left_out = f" {len(result.bad)} row(s) with problems were left out." if result.bad else ""
    existing = f" {len(result.existing)} already on file were skipped." if result.existing else ""
    messages.success(
        request,
        f"Imported {result.created_clients} client(s) with their episodes ({result.admitted} admitted) and "
        f"{result.created_coverages} coverage(s).{existing}{left_out}",
    )
    if result.bad:
        return _preview(request, result, text)
    return redirect("clients:client_list", org_slug=org_slug)


@org_page(permissions.CLIENT_CREATE)
@require_GET
def census_template(request, org_slug: str):
    """The template: the header and one invented example row (no PHI)."""
    return _csv_response(services.census_template_csv(), filename="census-template.csv")


# --- Exports -----------------------------------------------------------------------------------------


def _default_range(today: dt.date) -> tuple[dt.date, dt.date]:
    """Last calendar month: the usual billing period."""
    last = today.replace(day=1) - dt.timedelta(days=1)
    return last.replace(day=1), last


def _exports_page(request, *, form: ExportRangeForm, status=None):
    context = {"form": form, "errors": error_summary(form), "today": request.organization.local_today()}
    return org_render(request, EXPORTS_TEMPLATE, context, status=status)


@org_page(permissions.BILLING_RECONCILE)
@require_GET
def census_exports(request, org_slug: str):
    start, end = _default_range(request.organization.local_today())
    return _exports_page(request, form=ExportRangeForm(initial={"start": start, "end": end}))


@org_page(permissions.BILLING_RECONCILE)
@require_GET
def census_export_csv(request, org_slug: str):
    organization = request.organization
    today = organization.local_today()
    rows = selectors.census_export_rows(organization=organization, today=today)
    response = _csv_response(documents.census_export_csv(rows), filename=f"census-{today.isoformat()}.csv")
    # Only once the file exists, and before it leaves: no export goes unrecorded.
    access_record(
        request=request,
        action=AccessAction.EXPORT,
        object_type="clients.Episode",
        object_ids=[row.episode.client_id for row in rows],
    )
    return response


@org_page(permissions.BILLING_RECONCILE)
@require_GET
def attendance_export_csv(request, org_slug: str):
    form = ExportRangeForm(request.GET)
    if not form.is_valid():
        return _exports_page(request, form=form, status=INVALID_FORM_STATUS)
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    organization = request.organization
    rows = selectors.billing_attendance_rows(organization=organization, start=start, end=end)
    text = documents.billing_export_csv(rows, tzinfo=organization.tzinfo)
    response = _csv_response(text, filename=f"attendance-billing-{start.isoformat()}-to-{end.isoformat()}.csv")
    access_record(
        request=request,
        action=AccessAction.EXPORT,
        object_type="attendance.AttendanceRecord",
        object_ids=list(dict.fromkeys(row.record.episode.client_id for row in rows)),
    )
    return response
