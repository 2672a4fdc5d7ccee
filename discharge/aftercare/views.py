"""Aftercare pages: the directory (list with filters, create, edit) and the endpoints the discharge
page's aftercare panel posts to (book, reschedule, cancel, kept/missed, a follow-up check's
answer). A change goes back to the discharge page (with the service's warnings, if any); a
refused one shows its form again on a page of its own, as typed, with the reasons (422).

Ids only in the URLs. Every page that concerns a client's plan writes an access event; another
organization's plan, appointment, check or provider is a 404 like an unknown one.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse

from discharge.models import TransitionPlan
from iop.audit.models import AccessAction
from iop.audit.services import access_record
from iop.common.exceptions import ApplicationError
from iop.common.form_state import form_endpoint
from iop.common.forms import error_summary, forms_add_application_error
from iop.common.pages import INVALID_FORM_STATUS, found_or_404, org_page, org_render
from iop.tenancy import permissions

from . import selectors, services
from .forms import (
    AppointmentForm,
    CancelForm,
    DirectoryFilterForm,
    FollowUpForm,
    OutcomeForm,
    ProviderForm,
    RescheduleForm,
)

# --- Directory ---------------------------------------------------------------------------------------


@org_page(permissions.DISCHARGE_VIEW)
def directory(request, org_slug: str):
    """The receiving providers, filtered by level of care, payer accepted and new clients (three
    queries whatever the size: the page, the providers, their payers)."""
    filters = DirectoryFilterForm(request.GET or None, organization=request.organization)
    providers = list(selectors.provider_list(organization=request.organization, **filters.filters()))
    context = {"filters": filters, "providers": providers, "filtered": any(request.GET.get(k) for k in filters.fields)}
    return org_render(request, "discharge/aftercare/directory.html", context)


def _provider_page(request, form, *, provider=None, status=None):
    context = {"form": form, "provider": provider, "errors": error_summary(form)}
    return org_render(request, "discharge/aftercare/provider_form.html", context, status=status)


def _provider_data(form) -> dict:
    data = dict(form.cleaned_data)
    data["payers"] = list(data.pop("payers"))
    return data


@org_page(permissions.DISCHARGE_MANAGE)
def provider_create(request, org_slug: str):
    form = ProviderForm(request.POST or None, organization=request.organization)
    if request.method == "POST" and form.is_valid():
        data = _provider_data(form)
        is_active = data.pop("is_active")
        try:
            provider = services.aftercare_provider_create(organization=request.organization, actor=request.user, **data)
            if not is_active:
                services.aftercare_provider_update(provider=provider, is_active=False, actor=request.user)
        except ApplicationError as exc:
            forms_add_application_error(exc, form)
        else:
            messages.success(request, f"{provider.name} was added to the directory.")
            return redirect("discharge:aftercare_directory", org_slug=org_slug)
    return _provider_page(request, form, status=INVALID_FORM_STATUS if form.errors else None)


@org_page(permissions.DISCHARGE_MANAGE)
def provider_edit(request, org_slug: str, provider_id):
    provider = found_or_404(selectors.provider_get(organization=request.organization, provider_id=provider_id))
    form = ProviderForm(
        request.POST or None, organization=request.organization, initial=ProviderForm.initial_for(provider)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.aftercare_provider_update(provider=provider, actor=request.user, **_provider_data(form))
        except ApplicationError as exc:
            forms_add_application_error(exc, form)
        else:
            messages.success(request, f"{form.cleaned_data['name']} was saved.")
            return redirect("discharge:aftercare_directory", org_slug=org_slug)
    return _provider_page(request, form, provider=provider, status=INVALID_FORM_STATUS if form.errors else None)


# --- The discharge page's panel ---------------------------------------------------------------------------


def _plan_or_404(request, episode_id) -> TransitionPlan:
    return found_or_404(
        TransitionPlan.objects.filter(organization=request.organization, episode_id=episode_id)
        .select_related("episode__client", "organization", "receiving_provider")
        .first()
    )


def _plan_url(org_slug: str, plan: TransitionPlan) -> str:
    return reverse("discharge:plan", kwargs={"org_slug": org_slug, "episode_id": plan.episode_id}) + "#aftercare"


panel_form = form_endpoint(
    "discharge:plan", "episode_id", found=lambda request, episode_id, **kwargs: _plan_or_404(request, episode_id)
)


def _refused_page(request, plan, form, *, title: str, action: str, button: str):
    access_record(request=request, action=AccessAction.VIEW, obj=plan, client_id=plan.episode.client_id)
    context = {
        "plan": plan,
        "form": form,
        "errors": error_summary(form),
        "title": title,
        "action": action,
        "button": button,
        "plan_url": _plan_url(request.organization.slug, plan),
    }
    return org_render(request, "discharge/aftercare/panel_form.html", context, status=INVALID_FORM_STATUS)


def _on_time_field(exc: ApplicationError) -> ApplicationError:
    """The services name the instant `starts_at`; the page types it as a date and a time."""
    exc.extra = {("date" if name == "starts_at" else name): value for name, value in exc.extra.items()}
    return exc


def _done(request, org_slug, plan, appointment, text: str):
    messages.success(request, text)
    for warning in selectors.appointment_warnings(appointment=appointment, plan=plan):
        messages.warning(request, warning)
    return redirect(_plan_url(org_slug, plan))


def _action(name: str, org_slug: str, plan, **kwargs) -> str:
    return reverse(f"discharge:{name}", kwargs={"org_slug": org_slug, "episode_id": plan.episode_id, **kwargs})


@org_page(permissions.DISCHARGE_MANAGE)
@panel_form
def appointment_book(request, org_slug: str, episode_id):
    plan = _plan_or_404(request, episode_id)
    form = AppointmentForm(request.POST, prefix="aftercare", organization=request.organization)
    if form.is_valid():
        data = form.cleaned_data
        try:
            starts_at = services.appointment_local_start(
                organization=request.organization, day=data["date"], time=data["time"]
            )
            appointment = services.aftercare_appointment_book(
                plan=plan,
                provider=data["provider"],
                starts_at=starts_at,
                level_of_care=data["level_of_care"],
                confirmed=data["confirmed"],
                confirmation_number=data["confirmation_number"],
                note=data["note"],
                actor=request.user,
            )
        except ApplicationError as exc:
            forms_add_application_error(_on_time_field(exc), form)
        else:
            when = selectors.local_label(request.organization, appointment.starts_at)
            return _done(
                request, org_slug, plan, appointment, f"Aftercare booked with {appointment.provider} on {when}."
            )
    return _refused_page(
        request,
        plan,
        form,
        title="Book the aftercare appointment",
        action=_action("aftercare_book", org_slug, plan),
        button="Book",
    )


def _appointment_or_404(plan, appointment_id):
    return found_or_404(selectors.appointment_get(plan=plan, appointment_id=appointment_id))


@org_page(permissions.DISCHARGE_MANAGE)
@panel_form
def appointment_reschedule(request, org_slug: str, episode_id, appointment_id):
    plan = _plan_or_404(request, episode_id)
    appointment = _appointment_or_404(plan, appointment_id)
    form = RescheduleForm(request.POST, prefix=f"move-{appointment.pk}")
    if form.is_valid():
        data = form.cleaned_data
        try:
            starts_at = services.appointment_local_start(
                organization=request.organization, day=data["date"], time=data["time"]
            )
            moved = services.aftercare_appointment_reschedule(
                appointment=appointment,
                starts_at=starts_at,
                confirmation_number=data["confirmation_number"],
                actor=request.user,
            )
        except ApplicationError as exc:
            forms_add_application_error(_on_time_field(exc), form)
        else:
            when = selectors.local_label(request.organization, moved.starts_at)
            return _done(request, org_slug, plan, moved, f"The aftercare appointment was moved to {when}.")
    return _refused_page(
        request,
        plan,
        form,
        title="Move the aftercare appointment",
        action=_action("aftercare_reschedule", org_slug, plan, appointment_id=appointment.pk),
        button="Move",
    )


@org_page(permissions.DISCHARGE_MANAGE)
@panel_form
def appointment_cancel(request, org_slug: str, episode_id, appointment_id):
    plan = _plan_or_404(request, episode_id)
    appointment = _appointment_or_404(plan, appointment_id)
    form = CancelForm(request.POST, prefix=f"cancel-{appointment.pk}")
    if form.is_valid():
        try:
            services.aftercare_appointment_cancel(
                appointment=appointment, reason=form.cleaned_data["reason"], actor=request.user
            )
        except ApplicationError as exc:
            forms_add_application_error(exc, form)
        else:
            messages.success(request, "The aftercare appointment was cancelled.")
            return redirect(_plan_url(org_slug, plan))
    return _refused_page(
        request,
        plan,
        form,
        title="Cancel the aftercare appointment",
        action=_action("aftercare_cancel", org_slug, plan, appointment_id=appointment.pk),
        button="Cancel the appointment",
    )


@org_page(permissions.DISCHARGE_MANAGE)
@panel_form
def appointment_outcome(request, org_slug: str, episode_id, appointment_id):
    plan = _plan_or_404(request, episode_id)
    appointment = _appointment_or_404(plan, appointment_id)
    form = OutcomeForm(request.POST, prefix=f"outcome-{appointment.pk}")
    if form.is_valid():
        try:
            services.aftercare_appointment_outcome_record(
                appointment=appointment,
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
                actor=request.user,
            )
        except ApplicationError as exc:
            forms_add_application_error(exc, form)
        else:
            messages.success(request, "The appointment's outcome was recorded.")
            return redirect(_plan_url(org_slug, plan))
    return _refused_page(
        request,
        plan,
        form,
        title="Record the aftercare appointment",
        action=_action("aftercare_outcome", org_slug, plan, appointment_id=appointment.pk),
        button="Record",
    )


@org_page(permissions.DISCHARGE_MANAGE)
@panel_form
def follow_up_record(request, org_slug: str, episode_id, check_id):
    plan = _plan_or_404(request, episode_id)
    check = found_or_404(selectors.follow_up_check_get(plan=plan, check_id=check_id))
    form = FollowUpForm(request.POST, prefix=f"follow-up-{check.pk}")
    if form.is_valid():
        try:
            services.follow_up_check_record(
                check=check, outcome=form.cleaned_data["outcome"], note=form.cleaned_data["note"], actor=request.user
            )
        except ApplicationError as exc:
            forms_add_application_error(exc, form)
        else:
            messages.success(request, f"The {check.days}-day follow-up was recorded.")
            return redirect(_plan_url(org_slug, plan))
    return _refused_page(
        request,
        plan,
        form,
        title=f"Record the {check.days}-day follow-up",
        action=_action("aftercare_follow_up", org_slug, plan, check_id=check.pk),
        button="Record",
    )
