"""Facilitators' calendar feed pages. The feed itself is public by design (calendar apps cannot
sign in); its secret URL is the credential, looked up inside the URL's organization only."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from iop.common.exceptions import ApplicationError
from iop.common.pages import org_page, org_render
from iop.tenancy import permissions
from iop.tenancy.models import StaffProfile

from . import selectors as feed_selectors
from . import services as feed_services


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
                _, raw = feed_services.calendar_feed_create(staff_profile=profile)
            except ApplicationError as exc:
                messages.error(request, exc.message)
                status = 422
            else:
                # Only this response ever holds the URL: the feed keeps a digest of its secret.
                issued_url = _feed_url(request, raw)
    context = {
        "profile": profile,
        "feed": feed_selectors.calendar_feed_active(staff_profile=profile) if profile else None,
        "issued_url": issued_url,
    }
    return org_render(request, "scheduling/reminders/calendar_feed.html", context, status=status)


@org_page(permissions.CALENDAR_FEED)
def calendar_feed_revoke(request, org_slug: str, feed_id):
    profile = _facilitator_profile(request)
    feed = feed_selectors.calendar_feed_of(staff_profile=profile, feed_id=feed_id) if profile else None
    if feed is None:
        raise Http404("Not found")
    if request.method != "POST":  # a reload or a bookmark: the page, and the feed stays on
        return redirect("reminders:calendar_feed", org_slug=org_slug)
    feed_services.calendar_feed_revoke(feed=feed)
    messages.success(request, "Your calendar feed was turned off. Calendars subscribed to it stop updating.")
    return redirect("reminders:calendar_feed", org_slug=org_slug)


@never_cache
@require_GET
def calendar_feed_ics(request, org_slug: str, token: str):
    """The iCalendar feed. No sign-in: the secret in the URL is the credential."""
    feed = feed_selectors.calendar_feed_find(organization=request.organization, raw_token=token)
    if feed is None:
        raise Http404("Not found")
    response = HttpResponse(feed_selectors.calendar_feed_ics(feed=feed), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="sessions.ics"'
    return response
