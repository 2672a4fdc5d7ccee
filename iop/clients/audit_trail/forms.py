"""The audit trail's filters. They travel in the query string, so they are ids and dates only —
never a name."""

from __future__ import annotations

import datetime as dt
from typing import cast

from django import forms

from iop.clients.selectors import client_choice_list
from iop.common.forms import DateInput, OrganizationChoiceField
from iop.tenancy.models import Organization
from iop.tenancy.selectors import member_list


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
        client = cast(forms.ModelChoiceField, self.fields["client"])
        client.queryset = client_choice_list(organization=organization)
        client.label_from_instance = lambda c: c.sort_name  # type: ignore[method-assign, assignment]  # a per-field label, as Django allows; mypy refuses assigning to a method
        cast(forms.ChoiceField, self.fields["user"]).choices = [("", "All staff")] + [
            (m.user_id, m.user.get_full_name()) for m in member_list(organization=organization)
        ]

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data  # what Form.clean returns (the stubs allow None)
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
