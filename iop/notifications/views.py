"""The signed-in member's in-app inbox: what the scheduling jobs and services told them."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect

from iop.common.pages import org_page, org_render
from iop.tenancy import permissions

from . import selectors, services

NOTIFICATIONS_PER_PAGE = 50

# Every role may read its own inbox; the inbox only ever shows the member's own rows, so the
# every-staff action that comes closest is enough.
INBOX_ACTION = permissions.MEMBER_VIEW


@org_page(INBOX_ACTION)
def inbox(request, org_slug: str):
    notifications = selectors.notification_list(membership=request.membership)
    page = Paginator(notifications, NOTIFICATIONS_PER_PAGE).get_page(request.GET.get("page"))
    context = {"page": page, "unread": selectors.unread_count(membership=request.membership)}
    return org_render(request, "notifications/inbox.html", context)


@org_page(INBOX_ACTION)
def notification_read(request, org_slug: str, notification_id):
    """The inbox's "Mark as read" button (POST); a GET (a reload, a bookmark) goes to the inbox."""
    notification = selectors.notification_get(membership=request.membership, notification_id=notification_id)
    if notification is None:
        raise Http404("Not found")
    if request.method != "POST":
        return redirect("notifications:inbox", org_slug=org_slug)
    services.notification_mark_read(notification=notification)
    messages.success(request, "Marked as read.")
    return redirect("notifications:inbox", org_slug=org_slug)
