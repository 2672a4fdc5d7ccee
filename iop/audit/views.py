"""The audit trail for org admins: who read which client's data, filtered by client, staff member
and date range. The filters travel in the query string, so they are ids and dates only — never a
name."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.paginator import Paginator

from iop.clients.selectors import client_choice_list, client_names_by_id
from iop.common.forms import DateInput, OrganizationChoiceField, error_summary
from iop.common.pages import form_status, org_page, org_render
from iop.tenancy import permissions
from iop.tenancy.models import Organization
from iop.tenancy.selectors import member_list

from .models import AccessAction
from .selectors import access_event_list
from .services import access_record

EVENTS_PER_PAGE = 50


class AuditFilterForm(forms.Form):
    client = OrganizationChoiceField(
        label="Client",
        queryset=None,
        required=False,
        empty_label="All clients",
        error_messages={"invalid_choice": "Choose one of your organization's clients."},
    )
    user = forms.TypedChoiceField(label="Staff member", coerce=int, empty_value=None, required=False)
    date_from = forms.DateField(label="From", widget=DateInput(), required=False)
    date_to = forms.DateField(label="Until (inclusive)", widget=DateInput(), required=False)

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.fields["client"].queryset = client_choice_list(organization=organization)
        self.fields["client"].label_from_instance = lambda c: c.sort_name
        self.fields["user"].choices = [("", "All staff")] + [
            (m.user_id, m.user.get_full_name()) for m in member_list(organization=organization)
        ]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "The end date must be on or after the start date.")
        return cleaned

    def filters(self) -> dict:
        """The selector's arguments; dates are whole days in the organization's time zone."""
        data = self.cleaned_data
        tz = self.organization.tzinfo
        start, end = data.get("date_from"), data.get("date_to")
        return {
            "client_id": data["client"].pk if data.get("client") else None,
            "actor_id": data.get("user"),
            "occurred_from": dt.datetime.combine(start, dt.time.min, tzinfo=tz) if start else None,
            "occurred_before": dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz) if end else None,
        }


@org_page(permissions.AUDIT_VIEW)
def audit_trail(request, org_slug: str):
    organization = request.organization
    form = AuditFilterForm(request.GET or None, organization=organization)
    page = None
    client_names: dict = {}
    if not form.is_bound or form.is_valid():
        events = access_event_list(organization=organization, **(form.filters() if form.is_bound else {}))
        page = Paginator(events, EVENTS_PER_PAGE).get_page(request.GET.get("page"))
        client_names = client_names_by_id(
            organization=organization, client_ids=[event.client_id for event in page.object_list]
        )
        if client_names:
            # The trail names clients, so reading it is itself a read of those clients' data.
            access_record(
                request=request,
                action=AccessAction.LIST,
                object_type="audit.AccessEvent",
                object_ids=client_names,
            )
    rows = [(event, client_names.get(event.client_id)) for event in page.object_list] if page else []
    context = {"form": form, "page": page, "rows": rows, "errors": error_summary(form)}
    return org_render(request, "audit/audit_trail.html", context, status=form_status(form))
