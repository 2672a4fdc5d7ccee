"""The request page's PAS form: a payer's ClaimResponse file to import."""

from __future__ import annotations

from django import forms

from authorizations.pas.claim_response import MAX_CHARS


class ClaimResponseForm(forms.Form):
    claim_response = forms.FileField(
        label="ClaimResponse file",
        help_text="The payer's PAS answer: a response Bundle or a ClaimResponse, FHIR JSON.",
    )
    information_due = forms.DateField(
        label="Information due (if pended)",
        required=False,
        help_text="When the payer pends the request without a date for the information it asks for.",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean_claim_response(self) -> str:
        upload = self.cleaned_data["claim_response"]
        if upload.size > MAX_CHARS:
            raise forms.ValidationError("The file is too large for a ClaimResponse.")
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise forms.ValidationError("The file is not text: a ClaimResponse is a FHIR JSON file.") from exc
