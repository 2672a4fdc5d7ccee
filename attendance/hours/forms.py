"""Form of the hours-at-risk page."""

from __future__ import annotations

from django import forms


class FlagResolveForm(forms.Form):
    resolution = forms.CharField(
        label="What was done",
        max_length=300,
        help_text="For example: two sessions added on Thursday; payer told at review.",
    )
