"""Coverage pages: add or change a client's coverage, see a coverage with its verification
history, record a benefit verification by hand, or import one from an X12 271 file.

Every page shows a client's insurance (PHI) and writes an access event. Coverages and clients are
found through the organization's selectors, so another tenant's id is a 404 like an unknown one.
Every change goes through `authorizations.coverage.services`; a refusal is shown next to the field
it is about, with a 422, and nothing changes.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from authorizations.coverage import selectors as selectors
from authorizations.coverage.forms import CoverageForm, VerificationForm, VerificationImportForm
from authorizations.coverage.services import coverages, verifications, x12_270, x12_import
from authorizations.models import Coverage
from authorizations.selectors import client_of
from authorizations.x12.http import x12_download
from iop.audit.models import AccessAction
from iop.audit.services import access_record
from iop.common.exceptions import ApplicationError
from iop.common.forms import error_summary, forms_add_application_error
from iop.common.pages import form_status, found_or_404, org_page, org_render
from iop.tenancy import permissions


def _coverage_or_404(request, coverage_id) -> Coverage:
    coverage = found_or_404(selectors.coverage_get(organization=request.organization, coverage_id=coverage_id))
    coverage.organization = request.organization  # the selector filtered by it: no query to load it again
    return coverage


def _record_view(request, *, client_id, obj) -> None:
    access_record(request=request, action=AccessAction.VIEW, obj=obj, client_id=client_id)


def _to_client(org_slug: str, client_id):
    url = reverse("clients:client_detail", kwargs={"org_slug": org_slug, "client_id": client_id})
    return redirect(f"{url}#coverage")


def _yes_no(value: str) -> str:
    return {"yes": "covered", "no": "not covered"}.get(value, "unknown")


# --- Coverage ------------------------------------------------------------------------------------------


@org_page(permissions.COVERAGE_MANAGE)
def coverage_add(request, org_slug: str, client_id):
    client = found_or_404(client_of(organization=request.organization, client_id=client_id))
    form = CoverageForm(request.POST if request.method == "POST" else None, organization=request.organization)
    if request.method == "POST" and form.is_valid():
        try:
            coverage = coverages.coverage_create(client=client, actor=request.user, **form.service_kwargs())
        except ApplicationError as exc:
            forms_add_application_error(exc, form)
        else:
            messages.success(request, f"The {coverage.get_priority_display().lower()} coverage was added.")
            return _to_client(org_slug, client.pk)
    _record_view(request, client_id=client.pk, obj=client)
    context = {"client": client, "coverage": None, "form": form, "errors": error_summary(form)}
    return org_render(request, "authorizations/coverage/coverage_form.html", context, status=form_status(form))


@org_page(permissions.COVERAGE_MANAGE)
def coverage_edit(request, org_slug: str, coverage_id):
    coverage = _coverage_or_404(request, coverage_id)
    form = CoverageForm(
        request.POST if request.method == "POST" else None, organization=request.organization, coverage=coverage
    )
    if request.method == "POST" and form.is_valid():
        try:
            coverages.coverage_update(coverage=coverage, data=form.service_kwargs(), actor=request.user)
        except ApplicationError as exc:
            forms_add_application_error(exc, form)
        else:
            messages.success(request, "The coverage was saved.")
            return _to_client(org_slug, coverage.client_id)
        coverage.refresh_from_db()  # the page shows the coverage as stored, not the refused values
    _record_view(request, client_id=coverage.client_id, obj=coverage)
    context = {"client": coverage.client, "coverage": coverage, "form": form, "errors": error_summary(form)}
    return org_render(request, "authorizations/coverage/coverage_form.html", context, status=form_status(form))


@org_page(permissions.COVERAGE_VIEW)
def coverage_detail(request, org_slug: str, coverage_id):
    """The coverage and every verification of it, newest first (with the raw 271 where imported)."""
    coverage = _coverage_or_404(request, coverage_id)
    verifications = selectors.coverage_verifications(coverage=coverage)
    organization = request.organization
    today = organization.local_today()
    latest = verifications[0] if verifications else None
    _record_view(request, client_id=coverage.client_id, obj=coverage)
    context = {
        "client": coverage.client,
        "coverage": coverage,
        "verifications": verifications,
        "stale_reason": selectors.verification_stale_reason(latest, today, organization.tzinfo) if latest else "",
    }
    return org_render(request, "authorizations/coverage/coverage_detail.html", context)


# --- Verification --------------------------------------------------------------------------------------


@org_page(permissions.COVERAGE_MANAGE)
def verification_add(request, org_slug: str, coverage_id):
    coverage = _coverage_or_404(request, coverage_id)
    organization = request.organization
    form = VerificationForm(request.POST if request.method == "POST" else None, organization=organization)
    if request.method == "POST" and form.is_valid():
        now = timezone.now()
        try:
            verifications.verification_record(
                coverage=coverage, actor=request.user, now=now, **form.service_kwargs(now=now)
            )
        except ApplicationError as exc:
            if "verified_at" in exc.extra:
                # The form asks for a day where the service takes a time.
                exc.extra = {"verified_on": exc.extra["verified_at"]}
            forms_add_application_error(exc, form)
        else:
            messages.success(request, "The benefit verification was recorded.")
            return _to_client(org_slug, coverage.client_id)
    _record_view(request, client_id=coverage.client_id, obj=coverage)
    context = {"client": coverage.client, "coverage": coverage, "form": form, "errors": error_summary(form)}
    return org_render(request, "authorizations/coverage/verification_form.html", context, status=form_status(form))


@org_page(permissions.COVERAGE_MANAGE)
def verification_import(request, org_slug: str, coverage_id):
    """Upload an X12 271 eligibility response: it fills a verification, or is refused whole."""
    coverage = _coverage_or_404(request, coverage_id)
    form = VerificationImportForm(
        request.POST if request.method == "POST" else None, request.FILES if request.method == "POST" else None
    )
    if request.method == "POST" and form.is_valid():
        try:
            verification = x12_import.verification_import_271(
                coverage=coverage, raw=form.cleaned_data["file"], actor=request.user
            )
        except ApplicationError as exc:
            # The service names its input `raw_271`; the form's is the uploaded `file`.
            exc.extra = {"file": exc.extra.get("raw_271", [exc.message])}
            forms_add_application_error(exc, form)
        else:
            messages.success(
                request,
                f"The 271 was imported: mental health IOP {_yes_no(verification.mental_health_iop)}, "
                f"substance use IOP {_yes_no(verification.substance_use_iop)}, "
                f"authorization required: {verification.get_authorization_required_display().lower()}.",
            )
            return _to_client(org_slug, coverage.client_id)
    _record_view(request, client_id=coverage.client_id, obj=coverage)
    context = {"client": coverage.client, "coverage": coverage, "form": form, "errors": error_summary(form)}
    return org_render(request, "authorizations/coverage/verification_import.html", context, status=form_status(form))


@org_page(permissions.COVERAGE_MANAGE)
@require_GET
def coverage_x12_270_download(request, org_slug: str, coverage_id):
    """The coverage's X12 270 eligibility request for the clearinghouse, kept with its trace
    number so the 271 that answers it is paired with it on import."""
    coverage = _coverage_or_404(request, coverage_id)
    try:
        message = x12_270.x12_270_download(coverage=coverage, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("authorizations:coverage_detail", org_slug=org_slug, coverage_id=coverage.pk)
    response = x12_download(message, transaction_set="270")
    access_record(request=request, action=AccessAction.EXPORT, obj=coverage, client_id=coverage.client_id)
    return response
