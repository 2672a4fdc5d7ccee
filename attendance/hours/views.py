"""The hours-at-risk worklist and resolving its flags."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.shortcuts import redirect
from django.utils import timezone

from iop.audit.models import AccessAction
from iop.audit.services import access_record
from iop.common.exceptions import ApplicationError
from iop.common.pages import found_or_404, org_page, org_render
from iop.tenancy import permissions
from iop.tenancy.permissions import membership_can
from scheduling import selectors as scheduling_selectors

from ..models import ThresholdFlag
from . import selectors, services
from .forms import FlagResolveForm


@org_page(permissions.ATTENDANCE_VIEW)
def at_risk(request, org_slug: str):
    """The open hours flags, most urgent first, a page at a time (`?page=n`), each with the
    client's week and what would fix it."""
    organization = request.organization
    now = timezone.now()
    items = selectors.hours_at_risk(organization=organization, now=now, page=request.GET.get("page"))
    access_record(
        request=request,
        action=AccessAction.LIST,
        object_type="attendance.thresholdflag",
        object_ids=[flag.episode.client_id for flag, _ in items],
    )
    this_week = selectors.this_week_start(organization, now)
    left = scheduling_selectors.programs_with_sessions_left(organization=organization, now=now)
    context = {
        # (flag, week summary, whether sessions can still be added to the flag's week): once no
        # session of this week is ahead (e.g. on a Saturday evening) the offer is for next week.
        "items": [
            (flag, week, week is not None and (week.week_start > this_week or flag.episode.program_id in left))
            for flag, week in items
        ],
        "page": items,
        "this_week": this_week,
        "next_week_start": this_week + dt.timedelta(days=7),
        "can_resolve": membership_can(request.membership, permissions.HOURS_FLAG_MANAGE),
        "can_place": membership_can(request.membership, permissions.PLACEMENT_MANAGE),
        "resolve_form": FlagResolveForm(),
    }
    return org_render(request, "attendance/at_risk.html", context)


@org_page(permissions.HOURS_FLAG_MANAGE)
def flag_resolve(request, org_slug: str, flag_id):
    flag = found_or_404(ThresholdFlag.objects.filter(organization=request.organization, pk=flag_id).first())
    if request.method == "POST":
        form = FlagResolveForm(request.POST)
        if form.is_valid():
            try:
                services.flag_resolve(flag=flag, actor=request.user, resolution=form.cleaned_data["resolution"])
            except ApplicationError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, "The flag was resolved.")
        else:
            messages.error(request, "The flag was not resolved: say what was done about it.")
    return redirect("attendance:at_risk", org_slug=org_slug)
