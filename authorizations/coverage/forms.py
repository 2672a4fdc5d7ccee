"""Forms of the coverage pages. They check the shape of the input; the rules (a plan of the chosen
payer, dates in order, one primary at a time, amounts met within their totals, what a 271 may
hold) are the services' and come back as `ApplicationError`s."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import cast

from django import forms

from authorizations.coverage import selectors as selectors
from authorizations.coverage.services.coverages import COVERAGE_EDITABLE_FIELDS
from authorizations.coverage.services.x12_import import MAX_271_CHARS
from authorizations.models import (
    Answer,
    Coverage,
    CoveragePriority,
    NetworkStatus,
    SubscriberRelationship,
    VerificationMethod,
)
from authorizations.x12.uploads import X12_EXTENSIONS as UPLOAD_EXTENSIONS
from authorizations.x12.uploads import x12_upload_read
from iop.common.forms import DateInput, OrganizationChoiceField, TimeInput
from iop.tenancy.models import Organization

# A 271 for one member is a few kilobytes; anything near this is not one.
MAX_271_UPLOAD_BYTES = 512 * 1024
X12_EXTENSIONS = (*UPLOAD_EXTENSIONS, ".271")


class RecordDateField(forms.DateField):
    """A date of a record: far-off years (a typo) are refused with a message."""

    earliest, latest = dt.date(1900, 1, 1), dt.date(2100, 12, 31)

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", DateInput())
        super().__init__(**kwargs)

    def validate(self, value):
        super().validate(value)
        if value is not None and not self.earliest <= value <= self.latest:
            raise forms.ValidationError(
                f"Enter a date between {self.earliest.year} and {self.latest.year}.", code="out_of_range"
            )


def _money(label: str) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, required=False, min_value=Decimal(0), max_digits=9, decimal_places=2, localize=False
    )


class CoverageForm(forms.Form):
    payer = OrganizationChoiceField(
        label="Payer",
        queryset=None,
        error_messages={"invalid_choice": "Choose one of your payers."},
    )
    plan = OrganizationChoiceField(
        label="Plan (optional)",
        queryset=None,
        required=False,
        empty_label="Not known",
        help_text="A plan of the payer chosen above.",
        error_messages={"invalid_choice": "Choose one of your payers' plans."},
    )
    member_id = forms.CharField(label="Member id", max_length=40, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    group_number = forms.CharField(
        label="Group number (optional)",
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    subscriber_name = forms.CharField(
        label="Subscriber's name (optional)",
        max_length=160,
        required=False,
        help_text="The policy holder, when it is not the client.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    subscriber_relationship = forms.ChoiceField(
        label="The client is the subscriber's", choices=SubscriberRelationship.choices, initial="self"
    )
    subscriber_date_of_birth = RecordDateField(label="Subscriber's date of birth (optional)", required=False)
    priority = forms.ChoiceField(
        label="Priority", choices=CoveragePriority.choices, widget=forms.RadioSelect, initial="primary"
    )
    effective_from = RecordDateField(label="Coverage starts")
    effective_to = RecordDateField(label="Coverage ends (optional)", required=False)

    def __init__(self, *args, organization: Organization, coverage: Coverage | None = None, **kwargs):
        data = args[0] if args else kwargs.get("data")
        if coverage is not None and data is None:
            kwargs.setdefault("initial", {name: getattr(coverage, name) for name in COVERAGE_EDITABLE_FIELDS})
        super().__init__(*args, **kwargs)
        keep_payer = coverage.payer_id if coverage else None
        keep_plan = coverage.plan_id if coverage else None
        payers = cast(forms.ModelChoiceField, self.fields["payer"])
        payers.queryset = selectors.payer_choices(organization=organization, keep_id=keep_payer)
        plans = cast(forms.ModelChoiceField, self.fields["plan"])
        plans.queryset = selectors.plan_choices(organization=organization, keep_id=keep_plan)
        plans.label_from_instance = lambda plan: f"{plan.payer.name} — {plan.name} ({plan.get_plan_type_display()})"  # type: ignore[method-assign, assignment]  # a per-field label, as Django allows; mypy refuses assigning to a method

    def service_kwargs(self) -> dict:
        return {name: self.cleaned_data[name] for name in COVERAGE_EDITABLE_FIELDS}


ANSWER_WIDGET = forms.RadioSelect


class VerificationForm(forms.Form):
    """A verification done on the payer's portal or by phone."""

    verified_on = RecordDateField(label="Verified on")
    verified_time = forms.TimeField(
        label="At (optional)", required=False, widget=TimeInput(), help_text="Now, if left empty for today."
    )
    method = forms.ChoiceField(label="How", choices=VerificationMethod.choices, widget=forms.RadioSelect)
    reference_number = forms.CharField(
        label="Reference number (optional)",
        max_length=60,
        required=False,
        help_text="The payer's call or portal reference.",
    )
    network_status = forms.ChoiceField(
        label="Network", choices=NetworkStatus.choices, widget=forms.RadioSelect, initial=NetworkStatus.UNKNOWN
    )
    mental_health_iop = forms.ChoiceField(
        label="Mental health IOP covered", choices=Answer.choices, widget=ANSWER_WIDGET, initial=Answer.UNKNOWN
    )
    substance_use_iop = forms.ChoiceField(
        label="Substance use IOP covered", choices=Answer.choices, widget=ANSWER_WIDGET, initial=Answer.UNKNOWN
    )
    authorization_required = forms.ChoiceField(
        label="Authorization required", choices=Answer.choices, widget=ANSWER_WIDGET, initial=Answer.UNKNOWN
    )
    deductible = _money("Deductible (optional)")
    deductible_met = _money("Deductible met (optional)")
    out_of_pocket_max = _money("Out-of-pocket maximum (optional)")
    out_of_pocket_met = _money("Out-of-pocket met (optional)")
    copay = _money("Copay per visit (optional)")
    coinsurance_percent = forms.DecimalField(
        label="Coinsurance % (optional)",
        required=False,
        min_value=Decimal(0),
        max_value=Decimal(100),
        max_digits=5,
        decimal_places=2,
    )
    visit_limit = forms.IntegerField(label="Visit limit (optional)", required=False, min_value=0, max_value=10_000)
    day_limit = forms.IntegerField(label="Day limit (optional)", required=False, min_value=0, max_value=10_000)
    plan_year_start = RecordDateField(
        label="Plan year starts (optional)",
        required=False,
        help_text="When the deductible and limits reset; 1 January if not known.",
    )
    notes = forms.CharField(label="Notes (optional)", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.fields["verified_on"].initial = organization.local_today()

    def service_kwargs(self, *, now: dt.datetime) -> dict:
        data = dict(self.cleaned_data)
        day, at = data.pop("verified_on"), data.pop("verified_time")
        organization = self.organization
        if at is None:
            local_now = now.astimezone(organization.tzinfo)
            at = local_now.time() if day == local_now.date() else dt.time(12)
        data["verified_at"] = organization.local_datetime(day, at)
        return data


class VerificationImportForm(forms.Form):
    """An X12 271 eligibility response file, as received from the clearinghouse or payer."""

    file = forms.FileField(
        label="X12 271 file",
        help_text="A .txt, .edi, .x12 or .271 file of one eligibility response, up to 512 KB.",
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(X12_EXTENSIONS)}),
    )

    def clean_file(self) -> str:
        """The file's text."""
        return x12_upload_read(
            self.cleaned_data["file"],
            kind="271",
            extensions=X12_EXTENSIONS,
            max_bytes=MAX_271_UPLOAD_BYTES,
            max_chars=MAX_271_CHARS,
        )
