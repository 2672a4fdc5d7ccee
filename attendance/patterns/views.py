"""The absence-alert worklist and acknowledging alerts."""

from __future__ import annotations

import datetime as dt
from functools import partial

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from iop.audit.models import AccessAction
from iop.audit.services import access_record
from iop.common.exceptions import ApplicationError
from iop.common.form_state import form_state_take, redirect_refused
from iop.common.forms import error_summary, forms_add_application_error
from iop.common.pages import found_or_404, org_page, org_render
from iop.tenancy import permissions
from iop.tenancy.permissions import membership_can

from ..models import AbsenceAlert
from . import selectors, services
from .forms import AlertAcknowledgeForm

# Acknowledged alerts stay on the page this long, so the team sees what was done recently.
ACKNOWLEDGED_SHOWN = dt.timedelta(days=30)


def _alert_rows(request) -> list[AbsenceAlert]:
    return list(selectors.alert_worklist(organization=request.organization, since=timezone.now() - ACKNOWLEDGED_SHOWN))


@org_page(permissions.ATTENDANCE_VIEW)
def alerts(request, org_slug: str):
    """Absence alerts for the clinical team: open ones first, then the recently acknowledged."""
    return _alerts_page(request, _alert_rows(request))


def _alerts_page(request, rows):
    state = form_state_take(request)  # a refused acknowledgement, posted to its own endpoint
    can_ack = membership_can(request.membership, permissions.ABSENCE_ALERT_MANAGE)
    access_record(
        request=request,
        action=AccessAction.LIST,
        object_type="attendance.absencealert",
        object_ids=[alert.episode.client_id for alert in rows],
    )
    forms = {
        alert.pk: state.form(str(alert.pk), partial(AlertAcknowledgeForm, prefix=str(alert.pk)))
        for alert in rows
        if alert.is_open
    }
    context = {
        "open_alerts": [(a, forms.get(a.pk)) for a in rows if a.is_open],
        "acknowledged": [a for a in rows if not a.is_open],
        "can_acknowledge": can_ack,
        "rules": selectors.absence_rules(organization=request.organization),
        "errors": error_summary(*forms.values()),
    }
    return org_render(request, "attendance/alerts.html", context, status=state.status)


@org_page(permissions.ABSENCE_ALERT_MANAGE)
def alert_acknowledge(request, org_slug: str, alert_id):
    alert = found_or_404(AbsenceAlert.objects.filter(organization=request.organization, pk=alert_id).first())
    if request.method != "POST":
        return redirect("attendance:alerts", org_slug=org_slug)
    form = AlertAcknowledgeForm(request.POST, prefix=str(alert.pk))
    if form.is_valid():
        try:
            services.alert_acknowledge(alert=alert, actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            forms_add_application_error(exc, form)
        else:
            messages.success(request, "The alert was acknowledged.")
            return redirect("attendance:alerts", org_slug=org_slug)
    page = reverse("attendance:alerts", kwargs={"org_slug": org_slug})
    return redirect_refused(request, page, key=str(alert.pk), form=form)
