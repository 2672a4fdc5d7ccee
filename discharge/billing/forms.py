"""Forms of the reconciliation page: upload a CSV, enter a billing line, write off the billing."""

from __future__ import annotations

from django import forms

from discharge.billing.services import MAX_FILE_BYTES
from discharge.models import ClaimStatus


class UploadForm(forms.Form):
    file = forms.FileField(
        label="Billing file (CSV or X12 835)", help_text="A CSV's columns are listed below the form."
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        # Refused before it is read: the service checks the size again on the bytes.
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB: split it.")
        return upload


class LineForm(forms.Form):
    service_date = forms.DateField(label="Date of service", widget=forms.DateInput(attrs={"type": "date"}))
    code = forms.CharField(label="Code (CPT/HCPCS)", max_length=10)
    units = forms.IntegerField(min_value=1, max_value=10000)
    billed_amount = forms.DecimalField(label="Billed ($)", min_value=0, max_digits=11, decimal_places=2)
    paid_amount = forms.DecimalField(
        label="Paid ($)",
        min_value=0,
        max_digits=11,
        decimal_places=2,
        required=False,
        help_text="Empty until remitted.",
    )
    status = forms.ChoiceField(choices=[("", "From the amounts")] + list(ClaimStatus.choices), required=False)
    carc = forms.CharField(
        label="Adjustment reasons (CARC)", max_length=60, required=False, help_text="e.g. 197 or CO-50; several: 197;15"
    )
    authorization_number = forms.CharField(label="Authorization number on the claim", max_length=60, required=False)
    claim_number = forms.CharField(max_length=60, required=False)

    def data_for_service(self) -> dict:
        data = dict(self.cleaned_data)
        for name in ("billed_amount", "paid_amount", "units"):
            data[name] = "" if data[name] is None else str(data[name])
        data["service_date"] = data["service_date"].isoformat()
        return data


class WriteOffForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    amount = forms.DecimalField(label="Amount written off ($)", min_value=0, max_digits=11, decimal_places=2)
