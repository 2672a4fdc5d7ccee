"""Forms of aftercare: the directory's filters and provider form, and the discharge page's panel
(book, reschedule, cancel, kept/missed, a follow-up check's answer). Times are typed in the
organization's zone; the forms check the shape, the services decide."""

from __future__ import annotations

import datetime as dt

from django import forms

from authorizations.models import Payer
from discharge.models import AftercareAppointment, AftercareLevel, AftercareProvider, FollowUpOutcome
from iop.common.forms import DateInput, OrganizationChoiceField, TimeInput
from iop.tenancy.models import Organization

ACCEPTING_CHOICES = [("", "Any"), ("yes", "Taking new clients"), ("no", "Not taking new clients")]


class DirectoryFilterForm(forms.Form):
    level = forms.ChoiceField(label="Level of care", choices=[("", "Any"), *AftercareLevel.choices], required=False)
    payer = OrganizationChoiceField(label="Payer accepted", queryset=Payer.all_objects.none(), required=False)
    accepting = forms.ChoiceField(label="New clients", choices=ACCEPTING_CHOICES, required=False)

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["payer"].queryset = Payer.objects.filter(organization=organization).order_by("name")  # type: ignore[attr-defined]

    def filters(self) -> dict:
        """The selector's keyword arguments (an invalid filter is ignored, not an error page)."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        accepting = {"yes": True, "no": False}.get(data.get("accepting") or "")
        payer = data.get("payer")
        return {"level": data.get("level") or "", "payer_id": payer.pk if payer else None, "accepting": accepting}


class ProviderForm(forms.Form):
    name = forms.CharField(label="Name", max_length=160)
    npi = forms.CharField(label="NPI", max_length=10, required=False, help_text="Ten digits.")
    phone = forms.CharField(label="Phone", max_length=32, required=False)
    fax = forms.CharField(label="Fax", max_length=32, required=False)
    email = forms.EmailField(label="Email", required=False)
    address = forms.CharField(label="Address", max_length=300, required=False)
    levels_of_care = forms.MultipleChoiceField(
        label="Levels of care", choices=AftercareLevel.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    payers = forms.ModelMultipleChoiceField(
        label="Payers accepted",
        queryset=Payer.all_objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    accepts_new_clients = forms.BooleanField(label="Taking new clients", required=False, initial=True)
    is_active = forms.BooleanField(label="Active (offered when booking)", required=False, initial=True)
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["payers"].queryset = Payer.objects.filter(organization=organization).order_by("name")  # type: ignore[attr-defined]

    @staticmethod
    def initial_for(provider: AftercareProvider) -> dict:
        return {
            "name": provider.name,
            "npi": provider.npi,
            "phone": provider.phone,
            "fax": provider.fax,
            "email": provider.email,
            "address": provider.address,
            "levels_of_care": provider.levels_of_care,
            "payers": list(provider.payers_accepted.all()),
            "accepts_new_clients": provider.accepts_new_clients,
            "is_active": provider.is_active,
            "notes": provider.notes,
        }


class AppointmentForm(forms.Form):
    provider = OrganizationChoiceField(label="Provider", queryset=AftercareProvider.all_objects.none())
    date = forms.DateField(label="Date", widget=DateInput())
    time = forms.TimeField(label="Time", widget=TimeInput(), help_text="Local time of the program.")
    level_of_care = forms.ChoiceField(
        label="Level of care", choices=[("", "—"), *AftercareLevel.choices], required=False
    )
    confirmed = forms.BooleanField(label="Confirmed with the provider", required=False)
    confirmation_number = forms.CharField(label="Confirmation number", max_length=60, required=False)
    note = forms.CharField(label="Note", max_length=500, required=False)

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        # Active providers only: an inactive one is refused anyway (the service says why).
        self.fields["provider"].queryset = AftercareProvider.objects.filter(  # type: ignore[attr-defined]
            organization=organization, is_active=True
        ).order_by("name")

    @staticmethod
    def initial_for(*, last_day: dt.date | None, receiving_provider=None) -> dict:
        initial: dict = {"time": dt.time(10, 0)}
        if last_day is not None:
            initial["date"] = last_day + dt.timedelta(days=1)
        if receiving_provider is not None:
            initial["provider"] = receiving_provider.pk
        return initial


class RescheduleForm(forms.Form):
    date = forms.DateField(label="New date", widget=DateInput())
    time = forms.TimeField(label="New time", widget=TimeInput(), help_text="Local time of the program.")
    confirmation_number = forms.CharField(label="Confirmation number", max_length=60, required=False)

    @staticmethod
    def initial_for(appointment: AftercareAppointment, *, organization: Organization) -> dict:
        local = appointment.starts_at.astimezone(organization.tzinfo)
        return {
            "date": local.date(),
            "time": local.time().replace(second=0, microsecond=0),
            "confirmation_number": appointment.confirmation_number,
        }


class CancelForm(forms.Form):
    reason = forms.CharField(label="Why is it cancelled?", max_length=300)


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label="Did the client go?",
        choices=[("kept", "Kept"), ("missed", "Missed")],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label="Note", max_length=500, required=False)


class FollowUpForm(forms.Form):
    outcome = forms.ChoiceField(
        label="Follow-up",
        choices=[c for c in FollowUpOutcome.choices if c[0] != FollowUpOutcome.PENDING],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label="Note", max_length=500, required=False)
