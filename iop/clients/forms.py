"""Forms of the client pages. They check the shape of the input; the rules (dates, transitions,
couples, availability overlaps) are the services' and come back as `ApplicationError`s."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import cast

from django import forms
from django.forms import formset_factory

from iop.common.dates import date_full
from iop.common.forms import (
    DateInput,
    OrganizationChoiceField,
    TimeInput,
    error_summary,
    forms_add_application_error,
    forms_are_valid,
)
from iop.tenancy.models import Organization, Weekday
from iop.tenancy.selectors import program_list

from .hooks import ClientListColumn, ClientListFilter
from .models import Client, EpisodeStatus, TherapyTrack, TreatmentPlan
from .selectors import client_choice_list
from .services import CLIENT_EDITABLE_FIELDS, Availability

CLIENT_LABELS = {
    "preferred_name": "Preferred name (optional)",
    "email": "Email address (optional)",
    "phone": "Phone number (optional)",
    "reminder_channel": "Send reminders by",
    "reminder_consent": "The client agreed to receive reminders this way",
    "emergency_contact_name": "Name (optional)",
    "emergency_contact_phone": "Phone number (optional)",
    "emergency_contact_relationship": "Relationship to the client (optional)",
}
CLIENT_WIDGETS: dict[str, type[forms.Widget] | forms.Widget] = {
    "first_name": forms.TextInput(attrs={"autocomplete": "off"}),
    "last_name": forms.TextInput(attrs={"autocomplete": "off"}),
    "date_of_birth": DateInput(),
    "email": forms.EmailInput(attrs={"autocomplete": "off"}),
    "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
}


class ClientForm(forms.Form):
    """The client's own details. Field types and limits come from the model, so they cannot drift;
    it is a plain Form (not a ModelForm) because the services, not the form, write the row."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(
            forms.fields_for_model(
                Client,
                fields=CLIENT_EDITABLE_FIELDS,
                widgets=CLIENT_WIDGETS,
                labels=CLIENT_LABELS,
                help_texts={"reminder_consent": ""},
            )
        )

    @classmethod
    def initial_for(cls, client: Client) -> dict:
        return {name: getattr(client, name) for name in CLIENT_EDITABLE_FIELDS}


class PlanRequirementsForm(forms.Form):
    """What a treatment plan requires; shared by the intake form and the treatment plan page."""

    required_hours_per_week = forms.DecimalField(
        label="Required hours per week", min_value=Decimal("0"), max_value=Decimal("60"), decimal_places=1
    )
    required_days_per_week = forms.IntegerField(label="Required days per week", min_value=0, max_value=7)
    tracks = forms.MultipleChoiceField(
        label="Therapy tracks",
        choices=TherapyTrack.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    goals = forms.CharField(label="Treatment goals", widget=forms.Textarea(attrs={"rows": 4}), required=False)


def _program_field() -> OrganizationChoiceField:
    # The queryset is the organization's, set by the form (an unknown or foreign id is refused).
    return OrganizationChoiceField(
        label="Program",
        queryset=None,
        empty_label="Choose a program",
        error_messages={"invalid_choice": "Choose one of your organization's active programs."},
    )


class IntakeEpisodeForm(PlanRequirementsForm):
    program = _program_field()
    referral_date = forms.DateField(label="Referral date", widget=DateInput())

    field_order = [
        "program",
        "referral_date",
        "required_hours_per_week",
        "required_days_per_week",
        "tracks",
        "goals",
    ]

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["program"]).queryset = program_list(organization=organization)
        self.fields["referral_date"].initial = organization.local_today()
        for name in ("required_hours_per_week", "required_days_per_week"):
            self.fields[name].required = False
            self.fields[name].help_text = "Leave empty to use the program's default."


class AvailabilityForm(forms.Form):
    """One weekly window; a row left empty is no window."""

    weekday = forms.TypedChoiceField(
        label="Day",
        choices=[("", "Choose a day"), *Weekday.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    start_time = forms.TimeField(label="From", widget=TimeInput(), required=False)
    end_time = forms.TimeField(label="Until", widget=TimeInput(), required=False)

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data  # what Form.clean returns (the stubs allow None)
        weekday, start, end = cleaned.get("weekday"), cleaned.get("start_time"), cleaned.get("end_time")
        if weekday is None and start is None and end is None:
            return cleaned
        if self.errors:
            return cleaned
        for name, value in (("weekday", weekday), ("start_time", start), ("end_time", end)):
            if value is None:
                self.add_error(name, "Enter the day and both times, or leave the whole row empty.")
        if start is not None and end is not None and end <= start:
            self.add_error("end_time", "The end time must be after the start time.")
        return cleaned

    def window(self) -> Availability | None:
        data = getattr(self, "cleaned_data", {})
        if data.get("weekday") is None:
            return None
        return Availability(weekday=data["weekday"], start_time=data["start_time"], end_time=data["end_time"])


class BaseAvailabilityFormSet(forms.BaseFormSet):
    legend = "Availability window"

    def windows(self) -> list[Availability]:
        return [w for w in (form.window() for form in self.forms) if w is not None]


AVAILABILITY_PREFIX = "availability"


def availability_formset(data=None, *, plan: TreatmentPlan | None = None, empty_rows: int = 2):
    """The plan's windows plus `empty_rows` blank rows (room to add windows without JavaScript)."""
    initial = []
    if plan is not None:
        initial = [
            {"weekday": w.weekday, "start_time": w.start_time, "end_time": w.end_time} for w in plan.availability.all()
        ]
    formset_class = formset_factory(
        AvailabilityForm, formset=BaseAvailabilityFormSet, extra=empty_rows, max_num=21, validate_max=True
    )
    return formset_class(data, initial=initial, prefix=AVAILABILITY_PREFIX)


class MultiForm:
    """Several forms submitted together as one page (validated together, errors summarised together)."""

    def __init__(self, *parts):
        self.parts = parts

    @property
    def is_bound(self) -> bool:
        return self.parts[0].is_bound

    def is_valid(self) -> bool:
        return forms_are_valid(self.parts)

    @property
    def errors(self) -> bool:
        return self.is_bound and not self.is_valid()

    def add_application_error(self, exc) -> None:
        forms_add_application_error(exc, *self.parts)

    def error_summary(self):
        return error_summary(*self.parts)


class IntakeForm(MultiForm):
    """The intake page: the client, their first episode and its treatment plan."""

    def __init__(self, data=None, *, organization: Organization):
        self.client = ClientForm(data)
        self.episode = IntakeEpisodeForm(data, organization=organization)
        # A typical week is five weekday windows.
        self.availability = availability_formset(data, empty_rows=5)
        super().__init__(self.client, self.episode, self.availability)

    def service_kwargs(self) -> dict:
        episode = self.episode.cleaned_data
        return {
            "client_fields": self.client.cleaned_data,
            "program": episode["program"],
            "referral_date": episode["referral_date"],
            "required_hours_per_week": episode["required_hours_per_week"],
            "required_days_per_week": episode["required_days_per_week"],
            "tracks": episode["tracks"],
            "goals": episode["goals"],
            "availability": self.availability.windows(),
        }


class TreatmentPlanForm(PlanRequirementsForm):
    emotional_support_animal_note = forms.CharField(
        label="Emotional support animal: clinical necessity (optional)",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    effective_from = forms.DateField(label="Effective from", widget=DateInput())

    @classmethod
    def initial_for(cls, plan: TreatmentPlan | None, *, default_date: dt.date) -> dict:
        if plan is None:
            return {"effective_from": default_date}
        return {
            "required_hours_per_week": plan.required_hours_per_week,
            "required_days_per_week": plan.required_days_per_week,
            "tracks": plan.tracks,
            "goals": plan.goals,
            "emotional_support_animal_note": plan.emotional_support_animal_note,
            "effective_from": plan.effective_from,
        }


class TreatmentPlanPageForm(MultiForm):
    def __init__(self, data=None, *, plan: TreatmentPlan | None, default_date: dt.date):
        self.plan = TreatmentPlanForm(data, initial=TreatmentPlanForm.initial_for(plan, default_date=default_date))
        self.availability = availability_formset(data, plan=plan)
        super().__init__(self.plan, self.availability)

    def service_kwargs(self) -> dict:
        return {**self.plan.cleaned_data, "availability": self.availability.windows()}


class EpisodeCreateForm(forms.Form):
    """A returning client's new episode of care."""

    program = _program_field()
    referral_date = forms.DateField(label="Referral date", widget=DateInput())

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["program"]).queryset = program_list(organization=organization)
        self.fields["referral_date"].initial = organization.local_today()


class EpisodeTransitionForm(forms.Form):
    to_status = forms.ChoiceField(label="New status", choices=EpisodeStatus.choices)
    effective_date = forms.DateField(label="Effective date", widget=DateInput())
    note = forms.CharField(label="Note (optional)", max_length=500, required=False)

    def __init__(self, *args, episode, organization: Organization, **kwargs):
        kwargs.setdefault("prefix", "transition")
        super().__init__(*args, **kwargs)
        # Offer only the moves the workflow allows, but accept any status, so that an illegal move
        # (an old page, a crafted request) gets the service's explanation rather than "invalid choice".
        # No preselected move: a status change (a discharge!) must be a deliberate choice.
        self.fields["to_status"].widget.choices = [("", "Choose the new status")] + [
            (value, EpisodeStatus(value).label) for value in episode.allowed_transitions()
        ]
        self.fields["effective_date"].initial = organization.local_today()


class CoupleCreateForm(forms.Form):
    partner = OrganizationChoiceField(
        label="Partner",
        queryset=None,
        empty_label="Choose the partner",
        error_messages={"invalid_choice": "Choose the partner from this organization's other clients."},
    )
    identified_patient = forms.ChoiceField(
        label="Identified patient",
        choices=[("client", "This client"), ("partner", "The partner")],
        initial="client",
        widget=forms.RadioSelect,
        help_text="Couples-therapy services are coded on the identified patient.",
    )
    started_on = forms.DateField(label="Treated together from", widget=DateInput())

    def __init__(self, *args, client: Client, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.client = client
        partner = cast(forms.ModelChoiceField, self.fields["partner"])
        partner.queryset = client_choice_list(organization=organization).exclude(pk=client.pk)
        partner.label_from_instance = lambda c: f"{c.sort_name} (born {date_full(c.date_of_birth)})"  # type: ignore[method-assign, assignment]  # a per-field label, as Django allows; mypy refuses assigning to a method
        self.fields["started_on"].initial = organization.local_today()

    def service_kwargs(self) -> dict:
        partner = self.cleaned_data["partner"]
        return {
            "partner_one": self.client,
            "partner_two": partner,
            "identified_patient": self.client if self.cleaned_data["identified_patient"] == "client" else partner,
            "started_on": self.cleaned_data["started_on"],
        }


class CoupleEndForm(forms.Form):
    ended_on = forms.DateField(label="Last day treated together", widget=DateInput())

    def __init__(self, *args, organization: Organization, **kwargs):
        kwargs.setdefault("prefix", "couple_end")
        super().__init__(*args, **kwargs)
        self.fields["ended_on"].initial = organization.local_today()


class ClientFilterForm(forms.Form):
    """The client list's search and filters. Sent by POST: a name typed into the search box is
    PHI, and query strings end up in browser history, proxy logs and Referer headers."""

    q = forms.CharField(label="Name, phone or email", max_length=100, required=False)
    program = OrganizationChoiceField(
        label="Program",
        queryset=None,
        required=False,
        empty_label="All programs",
        error_messages={"invalid_choice": "Choose one of your organization's programs."},
    )
    status = forms.ChoiceField(
        label="Episode status", choices=[("", "Any status")] + EpisodeStatus.choices, required=False
    )

    def __init__(self, *args, organization: Organization, list_filters: list[ClientListFilter] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["program"]).queryset = program_list(
            organization=organization, active_only=False
        )
        # The yes/no filters other apps register (iop.clients.hooks), one checkbox each.
        self.list_filters = list(list_filters or [])
        for list_filter in self.list_filters:
            self.fields[list_filter.key] = forms.BooleanField(
                label=list_filter.label, help_text=list_filter.help_text, required=False
            )

    def filters(self) -> dict:
        if not self.is_bound:
            return {}
        program = self.cleaned_data["program"]
        return {
            "search": self.cleaned_data["q"].strip(),
            "program_id": program.pk if program else None,
            "status": self.cleaned_data["status"],
        }

    def list_filters_ticked(self) -> list[ClientListFilter]:
        if not self.is_bound:
            return []
        return [f for f in self.list_filters if self.cleaned_data.get(f.key)]

    def list_filter_fields(self) -> list[forms.BoundField]:
        return [self[f.key] for f in self.list_filters]

    def page_number(self) -> int:
        # Sent by the pagination buttons (inside this form, so the search travels with them).
        page = self.data.get("page") if self.is_bound else None
        if page is None:
            return 1
        try:
            return max(int(page), 1)
        except (TypeError, ValueError):
            return 1


class ClientColumnsForm(forms.Form):
    """The client list's optional columns (other apps': iop.clients.hooks) a member shows."""

    columns = forms.MultipleChoiceField(label="Show these columns", required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, columns: list[ClientListColumn], **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.MultipleChoiceField, self.fields["columns"]).choices = [(c.key, c.title) for c in columns]
