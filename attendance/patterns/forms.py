"""Form of the absence-alert page."""

from __future__ import annotations

from django import forms

from ..models import AlertAction


class AlertAcknowledgeForm(forms.Form):
    action_taken = forms.ChoiceField(label="Action taken", choices=[("", "Choose…"), *AlertAction.choices])
    note = forms.CharField(label="Note", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))
