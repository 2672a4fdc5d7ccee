"""Pages of the daily reminders. The preview shows clients' names and their lineups (PHI): every
view of it writes an access event listing the clients shown."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from iop.audit.models import AccessAction
from iop.audit.services import access_record
from iop.common.exceptions import ApplicationError
from iop.common.forms import DateInput, error_summary
from iop.common.pages import form_status, found_or_404, org_page, org_render
from iop.tenancy import permissions

from . import selectors as reminder_selectors
from . import services as reminder_services


class ReminderDateForm(forms.Form):
    date = forms.DateField(label="Reminders for", widget=DateInput())


# --- Reminders preview ---------------------------------------------------------------------------


@org_page(permissions.REMINDERS_VIEW)
def reminders_preview(request, org_slug: str):
    """What each client will be told about a day (default: the next day with sessions) and what
    was sent for it."""
    organization = request.organization
    now = timezone.now()
    tomorrow = reminder_selectors.reminders_date(organization=organization, now=now)
    next_day = reminder_selectors.reminders_next_day(organization=organization, now=now)
    form = ReminderDateForm(request.GET if "date" in request.GET else None, initial={"date": next_day})
    day = form.cleaned_data["date"] if form.is_bound and form.is_valid() else next_day
    preview = reminder_selectors.reminders_preview(organization=organization, local_date=day)
    dispatches = list(reminder_selectors.reminder_dispatch_list(organization=organization, local_date=day))
    unknown = list(reminder_selectors.reminders_unknown(organization=organization, today=organization.local_today()))
    shown = {r.client.pk for r in preview} | {d.client_id for d in dispatches} | {d.client_id for d in unknown}
    access_record(
        request=request,
        action=AccessAction.LIST,
        object_type="clients.Client",
        object_ids=sorted(shown, key=str),
    )
    context = {
        "form": form,
        "errors": error_summary(form),
        "day": day,
        "is_tomorrow": day == tomorrow,
        "tomorrow": tomorrow,
        # The default day when tomorrow has no sessions: say so, and when its reminders go out.
        "is_next_day": day == next_day != tomorrow,
        "sent_on": day - dt.timedelta(days=1),
        "reminder_time": reminder_selectors.reminder_time(organization),
        "preview": preview,
        "dispatches": dispatches,
        "unknown": unknown,
    }
    return org_render(request, "scheduling/reminders/preview.html", context, status=form_status(form))


@org_page(permissions.REMINDERS_RESEND)
def reminder_resend(request, org_slug: str, dispatch_id):
    """Resend a reminder whose status is unknown (once: a second click is refused with a message),
    then back to the day's page. A GET (a reload, a bookmark) goes to the page and sends nothing."""
    dispatch = found_or_404(
        reminder_selectors.reminder_dispatch_get(organization=request.organization, dispatch_id=dispatch_id)
    )
    if request.method != "POST":
        return redirect("reminders:preview", org_slug=org_slug)
    try:
        reminder_services.reminder_resend(dispatch=dispatch, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "The reminder is being sent again; its status below changes once it is sent.")
    url = reverse("reminders:preview", kwargs={"org_slug": org_slug})
    return redirect(f"{url}?date={dispatch.local_date.isoformat()}")
