"""The review page's calls panel posts here: schedule, move or cancel the call, and download its
invite. A change goes back to the review page; a refused one shows its form again on a page of
its own, as typed, with the reasons (422).

The invite's URL carries ids only; the file names the client by initials. Every page and
download that concerns a client's review writes an access event. Another organization's review
or call is a 404 like an unknown one.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET

from authorizations.models import ConcurrentReview
from iop.audit.models import AccessAction
from iop.audit.services import access_record
from iop.common.exceptions import ApplicationError
from iop.common.form_state import form_endpoint
from iop.common.forms import error_summary, forms_add_application_error
from iop.common.pages import INVALID_FORM_STATUS, found_or_404, org_page, org_render
from iop.tenancy import permissions

from . import selectors, services
from .forms import CallCancelForm, CallForm
from .ics import call_ics


def _review_or_404(request, review_id) -> ConcurrentReview:
    return found_or_404(
        ConcurrentReview.objects.filter(organization=request.organization, pk=review_id)
        .select_related("episode__client", "organization")
        .first()
    )


def _call_or_404(review, call_id):
    return found_or_404(selectors.review_call_get(review=review, call_id=call_id))


def _review_url(org_slug: str, review, anchor: str = "#calls") -> str:
    return reverse("authorizations:review", kwargs={"org_slug": org_slug, "review_id": review.pk}) + anchor


calls_form = form_endpoint(
    "authorizations:review",
    "review_id",
    found=lambda request, review_id, **kwargs: _review_or_404(request, review_id),
)


def _refused_page(request, review, form, *, call=None, title: str, action: str, button: str):
    access_record(request=request, action=AccessAction.VIEW, obj=review, client_id=review.episode.client_id)
    context = {
        "review": review,
        "call": call,
        "initials": selectors.client_initials(review),
        "form": form,
        "errors": error_summary(form),
        "title": title,
        "action": action,
        "button": button,
        "review_url": _review_url(request.organization.slug, review),
    }
    return org_render(request, "authorizations/reviews/calls/call_form.html", context, status=INVALID_FORM_STATUS)


def _on_time_field(exc: ApplicationError) -> ApplicationError:
    """The services name the instant `starts_at`; the page types it as a date and a time."""
    exc.extra = {("time" if name == "starts_at" else name): value for name, value in exc.extra.items()}
    return exc


DETAILS = ("duration_minutes", "dial_in", "reviewer_name", "reviewer_reference", "participants")


def _save_call(request, review, form, *, call=None):
    data = form.cleaned_data
    starts_at = services.call_local_start(organization=request.organization, day=data["date"], time=data["time"])
    details = {
        k: data[k] for k in ("duration_minutes", "dial_in", "reviewer_name", "reviewer_reference", "participants")
    }
    if call is None:
        return services.review_call_schedule(review=review, starts_at=starts_at, actor=request.user, **details)
    return services.review_call_reschedule(call=call, starts_at=starts_at, actor=request.user, **details)


@org_page(permissions.REVIEW_CALL_MANAGE)
@calls_form
def call_schedule(request, org_slug: str, review_id):
    review = _review_or_404(request, review_id)
    form = CallForm(request.POST, prefix="call")
    if form.is_valid():
        try:
            call = _save_call(request, review, form)
        except ApplicationError as exc:
            forms_add_application_error(_on_time_field(exc), form)
        else:
            when = selectors.local_label(request.organization, call.starts_at)
            messages.success(request, f"The call was scheduled for {when}; the clinician gets the invite.")
            return redirect(_review_url(org_slug, review))
    action = reverse("authorizations:review_call_schedule", kwargs={"org_slug": org_slug, "review_id": review.pk})
    return _refused_page(request, review, form, title="Schedule the review call", action=action, button="Schedule")


@org_page(permissions.REVIEW_CALL_MANAGE)
@calls_form
def call_reschedule(request, org_slug: str, review_id, call_id):
    review = _review_or_404(request, review_id)
    call = _call_or_404(review, call_id)
    form = CallForm(request.POST, prefix="move")
    if form.is_valid():
        try:
            moved = _save_call(request, review, form, call=call)
        except ApplicationError as exc:
            forms_add_application_error(_on_time_field(exc), form)
        else:
            when = selectors.local_label(request.organization, moved.starts_at)
            messages.success(request, f"The call was moved to {when}; the clinician gets the updated invite.")
            return redirect(_review_url(org_slug, review))
    action = reverse(
        "authorizations:review_call_reschedule",
        kwargs={"org_slug": org_slug, "review_id": review.pk, "call_id": call.pk},
    )
    return _refused_page(request, review, form, call=call, title="Move the review call", action=action, button="Move")


@org_page(permissions.REVIEW_CALL_MANAGE)
@calls_form
def call_cancel(request, org_slug: str, review_id, call_id):
    review = _review_or_404(request, review_id)
    call = _call_or_404(review, call_id)
    form = CallCancelForm(request.POST, prefix="cancel")
    if form.is_valid():
        try:
            services.review_call_cancel(call=call, reason=form.cleaned_data["reason"], actor=request.user)
        except ApplicationError as exc:
            forms_add_application_error(exc, form)
        else:
            messages.success(request, "The call was cancelled; the clinician's calendar gets the cancellation.")
            return redirect(_review_url(org_slug, review))
    action = reverse(
        "authorizations:review_call_cancel", kwargs={"org_slug": org_slug, "review_id": review.pk, "call_id": call.pk}
    )
    return _refused_page(
        request, review, form, call=call, title="Cancel the review call", action=action, button="Cancel the call"
    )


@org_page(permissions.REVIEW_VIEW)
@require_GET
def call_invite(request, org_slug: str, review_id, call_id):
    """The call's invite as an .ics file (a cancelled call's is its cancellation)."""
    review = _review_or_404(request, review_id)
    call = _call_or_404(review, call_id)
    response = HttpResponse(call_ics(call=call), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="review-call-{str(call.pk)[:8]}.ics"'
    access_record(request=request, action=AccessAction.DOWNLOAD, obj=call, client_id=review.episode.client_id)
    return response
