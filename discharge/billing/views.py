"""The episode's reconciliation page: per authorization line units authorized vs attended vs
billed vs paid, the billing lines, the discrepancies with what to do, and the forms (upload a
CSV, enter a line, close as reconciled, write off). Each form posts to its own endpoint; a change
goes back to the page (303), a refused one shows the page again with the reasons (422) and
nothing written.

Ids only in the URLs; another organization's episode is a 404 like an unknown one. The page names
a client: every view of it writes an access event.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_POST

from discharge.billing import selectors, services
from discharge.billing.forms import LineForm, UploadForm, WriteOffForm
from discharge.billing.reconciliation import KIND_LABELS
from iop.audit.models import AccessAction
from iop.audit.services import access_record
from iop.common.exceptions import ApplicationError
from iop.common.forms import error_summary, forms_add_application_error
from iop.common.pages import INVALID_FORM_STATUS, found_or_404, org_page, org_render
from iop.tenancy import permissions
from iop.tenancy.permissions import membership_actions


def _episode_or_404(request, episode_id):
    return found_or_404(selectors.episode_get(organization=request.organization, episode_id=episode_id))


def _page(request, episode, *, status=None, import_result=None, **forms):
    billing = selectors.episode_billing(episode=episode)
    access_record(request=request, action=AccessAction.VIEW, obj=episode, client_id=episode.client_id)
    upload_form = forms.get("upload_form") or UploadForm()
    line_form = forms.get("line_form") or LineForm()
    write_off_form = forms.get("write_off_form") or WriteOffForm()
    close_form = forms.get("close_form")
    lines_by_id = {line.pk: line for line in billing.lines}
    context = {
        "episode": episode,
        "client": episode.client,
        "billing": billing,
        "reconciliation": billing.reconciliation,
        "lines_by_id": lines_by_id,
        "kind_labels": KIND_LABELS,
        "upload_form": upload_form,
        "line_form": line_form,
        "write_off_form": write_off_form,
        "close_errors": close_form or [],
        "errors": error_summary(upload_form, line_form, write_off_form),
        "import_result": import_result,
        "can": membership_actions(request.membership),
        "columns": services.COLUMNS,
        "required_columns": services.REQUIRED_COLUMNS,
    }
    return org_render(request, "discharge/billing/reconciliation.html", context, status=status)


@org_page(permissions.BILLING_RECONCILE)
@require_GET
def reconciliation(request, org_slug: str, episode_id):
    return _page(request, _episode_or_404(request, episode_id))


def _back(org_slug, episode):
    return redirect("discharge:billing", org_slug=org_slug, episode_id=episode.pk)


@org_page(permissions.BILLING_RECONCILE)
@require_POST
def upload(request, org_slug: str, episode_id):
    """A CSV of billing lines: it may hold other episodes' rows too (matched by member id and date)."""
    episode = _episode_or_404(request, episode_id)
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        upload_file = form.cleaned_data["file"]
        try:
            result = services.billing_file_import(
                organization=request.organization,
                content=upload_file.read(services.MAX_FILE_BYTES + 1),
                file_name=upload_file.name or "billing.csv",
                actor=request.user,
            )
        except ApplicationError as exc:
            forms_add_application_error(exc, form)
        else:
            if result.already_imported:
                messages.info(request, "This file was imported before: nothing changed.")
            else:
                messages.success(
                    request,
                    f"Imported: {result.created} line(s) added, {result.updated} updated, "
                    f"{len(result.unmatched)} row(s) not matched.",
                )
            if result.unmatched:
                return _page(request, episode, import_result=result)
            return _back(org_slug, episode)
    return _page(request, episode, status=INVALID_FORM_STATUS, upload_form=form)


@org_page(permissions.BILLING_RECONCILE)
@require_POST
def line_create(request, org_slug: str, episode_id):
    episode = _episode_or_404(request, episode_id)
    form = LineForm(request.POST)
    if form.is_valid():
        try:
            services.billing_line_create(episode=episode, data=form.data_for_service(), actor=request.user)
        except ApplicationError as exc:
            forms_add_application_error(exc, form)
        else:
            messages.success(request, "The billing line was added.")
            return _back(org_slug, episode)
    return _page(request, episode, status=INVALID_FORM_STATUS, line_form=form)


@org_page(permissions.BILLING_RECONCILE)
@require_POST
def close(request, org_slug: str, episode_id):
    episode = _episode_or_404(request, episode_id)
    try:
        services.reconciliation_close(episode=episode, actor=request.user, membership=request.membership)
    except ApplicationError as exc:
        return _page(request, episode, status=INVALID_FORM_STATUS, close_form=[exc.message])
    messages.success(request, "The episode's billing is reconciled.")
    return _back(org_slug, episode)


@org_page(permissions.BILLING_RECONCILE)
@require_POST
def write_off(request, org_slug: str, episode_id):
    episode = _episode_or_404(request, episode_id)
    form = WriteOffForm(request.POST)
    if form.is_valid():
        try:
            services.reconciliation_write_off(
                episode=episode,
                actor=request.user,
                membership=request.membership,
                reason=form.cleaned_data["reason"],
                amount=form.cleaned_data["amount"],
            )
        except ApplicationError as exc:
            forms_add_application_error(exc, form)
        else:
            messages.success(request, "The episode's billing is written off.")
            return _back(org_slug, episode)
    return _page(request, episode, status=INVALID_FORM_STATUS, write_off_form=form)
