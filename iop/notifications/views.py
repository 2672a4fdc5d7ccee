"""The signed-in member's in-app inbox: what the scheduling jobs and services told them.

Opening the inbox first resolves the member's lines whose subject was fixed (the services'
`notifications_resolve`; the background job does the same for everyone every few minutes), so the
unread list holds only what still needs doing. The mark-read endpoints are POSTs that answer with a
redirect to the inbox: a plain form and htmx (which follows it and swaps the list) work alike."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from iop.common.pages import org_page, org_render
from iop.tenancy import permissions

from . import selectors, services
from .hooks import kind_heading
from .models import Notification

NOTIFICATIONS_PER_PAGE = 50
# Lines shown under each kind's heading of the unread list; the rest are one link away. With the
# compact rows, 20–40 unread lines over a handful of kinds fit on about two screens.
UNREAD_PER_KIND = 10
# A selection is one screen of checkboxes; more ids than this is not a person clicking.
SELECTION_MAX = 200

# Every role may read its own inbox; the inbox only ever shows the member's own rows, so the
# every-staff action that comes closest is enough.
INBOX_ACTION = permissions.MEMBER_VIEW

_KIND_MAX = Notification._meta.get_field("kind").max_length


def _inbox_url(org_slug: str, *, show: str = "", kind: str = "") -> str:
    url = reverse("notifications:inbox", kwargs={"org_slug": org_slug})
    query = {key: value for key, value in (("show", show), ("kind", kind)) if value}
    return f"{url}?{urlencode(query)}" if query else url


@org_page(INBOX_ACTION)
def inbox(request, org_slug: str):
    membership = request.membership
    services.notifications_resolve(organization=request.organization, recipient=membership)
    show = request.GET.get("show", "")
    show = show if show in selectors.LISTS else "unread"
    kind = request.GET.get("kind", "")[:_KIND_MAX]
    counts = selectors.inbox_counts(membership=membership)
    context: dict = {
        "counts": counts,
        "show": show,
        "kind": kind,
        "kind_heading": kind_heading(kind) if kind else "",
        "groups": None,  # the grouped unread list; None on the flat lists
    }
    if show == "unread" and not kind:
        context["groups"] = selectors.unread_grouped(membership=membership, counts=counts, per_kind=UNREAD_PER_KIND)
    else:
        lines = selectors.notification_list(membership=membership, show=show, kind=kind)
        page = Paginator(lines, NOTIFICATIONS_PER_PAGE).get_page(request.GET.get("page"))
        if not kind:  # lines of every kind together: each says its kind
            for line in page.object_list:
                line.heading = kind_heading(line.kind)  # type: ignore[attr-defined]
        query = urlencode({key: value for key, value in (("show", show), ("kind", kind)) if value})
        context.update(page=page, page_query=f"{query}&" if query else "", selectable=show == "unread")
    return org_render(request, "notifications/inbox.html", context)


@org_page(INBOX_ACTION)
def notification_read(request, org_slug: str, notification_id):
    """A line's own "Mark read" (POST); a GET (a reload, a bookmark) goes to the inbox."""
    notification = selectors.notification_get(membership=request.membership, notification_id=notification_id)
    if notification is None:
        raise Http404("Not found")
    if request.method != "POST":
        return redirect("notifications:inbox", org_slug=org_slug)
    services.notification_mark_read(notification=notification)
    messages.success(request, "Marked as read.")
    return redirect("notifications:inbox", org_slug=org_slug)


def _selection(request) -> list[uuid.UUID]:
    """The checked ids; one that is not an id at all is as unknown as another member's."""
    values = request.POST.getlist("ids")[: SELECTION_MAX + 1]
    if len(values) > SELECTION_MAX:
        raise Http404("Not found")
    try:
        return list({uuid.UUID(value) for value in values})
    except ValueError:
        raise Http404("Not found") from None


@org_page(INBOX_ACTION)
def notifications_read_selected(request, org_slug: str):
    """ "Mark selected read". All or nothing: a selection holding an id that is not one of the
    member's own lines (another member's, another organization's, made up) is a 404 and marks
    nothing — the page never offers such an id. A GET goes to the inbox."""
    if request.method != "POST":
        return redirect(_inbox_url(org_slug))
    ids = _selection(request)
    if ids and selectors.notifications_own_count(membership=request.membership, notification_ids=ids) != len(ids):
        raise Http404("Not found")
    if not ids:
        messages.error(request, "Tick the notifications to mark read first.")
    else:
        marked = services.notifications_mark_read(membership=request.membership, notification_ids=ids)
        messages.success(request, f"Marked {marked} as read.")
    return redirect(_inbox_url(org_slug, kind=request.POST.get("kind", "")[:_KIND_MAX]))


@org_page(INBOX_ACTION)
def notifications_read_all(request, org_slug: str):
    """ "Mark all read": every unread line of the member's, or of one kind (`kind`). A GET goes to
    the inbox."""
    if request.method != "POST":
        return redirect(_inbox_url(org_slug))
    kind = request.POST.get("kind", "")[:_KIND_MAX]
    marked = services.notifications_mark_read(membership=request.membership, kind=kind)
    what = f" under “{kind_heading(kind)}”" if kind else ""
    messages.success(request, f"Marked {marked} as read{what}.")
    return redirect(_inbox_url(org_slug))
