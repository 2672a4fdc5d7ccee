"""Pages of the daily reminders and of facilitators' calendar feeds.

The preview shows clients' names and their lineups (PHI): every view of it writes an access event
listing the clients shown. The calendar feed itself is public by design (calendar apps cannot sign
in); its secret URL is the credential, looked up inside the URL's organization only.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from iop.audit.models import AccessAction
from iop.audit.services import access_record
from iop.common.exceptions import ApplicationError
from iop.common.forms import DateInput, error_summary
from iop.common.pages import form_status, found_or_404, org_page, org_render
from iop.tenancy import permissions
from iop.tenancy.models import StaffProfile

from . import feeds, reminders


class ReminderDateForm(forms.Form):
    date = forms.DateField(label="Reminders for", widget=DateInput())


# --- Reminders preview ---------------------------------------------------------------------------


@org_page(permissions.REMINDERS_VIEW)
def reminders_preview(request, org_slug: str):
    """What each client will be told about a day (default: tomorrow) and what was sent for it."""
    organization = request.organization
    tomorrow = reminders.reminders_date(organization=organization, now=timezone.now())
    form = ReminderDateForm(request.GET if "date" in request.GET else None, initial={"date": tomorrow})
    day = form.cleaned_data["date"] if form.is_bound and form.is_valid() else tomorrow
    preview = reminders.reminders_preview(organization=organization, local_date=day)
    dispatches = list(reminders.reminder_dispatch_list(organization=organization, local_date=day))
    unknown = list(reminders.reminders_unknown(organization=organization, today=organization.local_today()))
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
        "reminder_time": reminders.reminder_time(organization),
        "preview": preview,
        "dispatches": dispatches,
        "unknown": unknown,
    }
    return org_render(request, "scheduling/reminders/preview.html", context, status=form_status(form))


@org_page(permissions.REMINDERS_RESEND)
def reminder_resend(request, org_slug: str, dispatch_id):
    """Resend a reminder whose status is unknown (once: a second click is refused with a message),
    then back to the day's page. A GET (a reload, a bookmark) goes to the page and sends nothing."""
    dispatch = found_or_404(reminders.reminder_dispatch_get(organization=request.organization, dispatch_id=dispatch_id))
    if request.method != "POST":
        return redirect("reminders:preview", org_slug=org_slug)
    try:
        reminders.reminder_resend(dispatch=dispatch, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "The reminder is being sent again; its status below changes once it is sent.")
    url = reverse("reminders:preview", kwargs={"org_slug": org_slug})
    return redirect(f"{url}?date={dispatch.local_date.isoformat()}")


# --- Calendar feed ----------------------------------------------------------------------------------


def _facilitator_profile(request) -> StaffProfile | None:
    return StaffProfile.objects.filter(
        organization=request.organization, membership=request.membership, can_facilitate=True
    ).first()


def _feed_url(request, raw: str) -> str:
    path = reverse("reminders:calendar_feed_ics", kwargs={"org_slug": request.organization.slug, "token": raw})
    return request.build_absolute_uri(path)


@org_page(permissions.CALENDAR_FEED)
def calendar_feed(request, org_slug: str):
    """A facilitator's own feed: create (or replace) it and see its URL once, or revoke it."""
    profile = _facilitator_profile(request)
    issued_url = None
    status = 200
    if request.method == "POST":
        if profile is None:
            messages.error(request, "Only facilitators have a calendar feed.")
            status = 403
        else:
            try:
                _, raw = feeds.calendar_feed_create(staff_profile=profile)
            except ApplicationError as exc:
                messages.error(request, exc.message)
                status = 422
            else:
                # Only this response ever holds the URL: the feed keeps a digest of its secret.
                issued_url = _feed_url(request, raw)
    context = {
        "profile": profile,
        "feed": feeds.calendar_feed_active(staff_profile=profile) if profile else None,
        "issued_url": issued_url,
    }
    return org_render(request, "scheduling/reminders/calendar_feed.html", context, status=status)


@org_page(permissions.CALENDAR_FEED)
def calendar_feed_revoke(request, org_slug: str, feed_id):
    profile = _facilitator_profile(request)
    feed = feeds.calendar_feed_of(staff_profile=profile, feed_id=feed_id) if profile else None
    if feed is None:
        raise Http404("Not found")
    if request.method != "POST":  # a reload or a bookmark: the page, and the feed stays on
        return redirect("reminders:calendar_feed", org_slug=org_slug)
    feeds.calendar_feed_revoke(feed=feed)
    messages.success(request, "Your calendar feed was turned off. Calendars subscribed to it stop updating.")
    return redirect("reminders:calendar_feed", org_slug=org_slug)


@never_cache
@require_GET
def calendar_feed_ics(request, org_slug: str, token: str):
    """The iCalendar feed. No sign-in: the secret in the URL is the credential."""
    feed = feeds.calendar_feed_find(organization=request.organization, raw_token=token)
    if feed is None:
        raise Http404("Not found")
    response = HttpResponse(feeds.calendar_feed_ics(feed=feed), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="sessions.ics"'
    return response
