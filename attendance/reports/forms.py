"""Forms of the report panel: the period of a download, and of a background request."""

from __future__ import annotations

from django import forms

from iop.common.exceptions import ApplicationError
from iop.common.forms import DateInput

from .periods import report_range_validate


class ReportRangeForm(forms.Form):
    """The period of a report. Shape only; the range rules are the service's."""

    start = forms.DateField(label="From", widget=DateInput)
    end = forms.DateField(label="To", widget=DateInput)

    def clean(self):
        cleaned = super().clean()
        if cleaned is not None and "start" in cleaned and "end" in cleaned:
            try:
                report_range_validate(start=cleaned["start"], end=cleaned["end"])
            except ApplicationError as exc:
                for name, messages_ in exc.extra.items():
                    self.add_error(name, messages_)
        return cleaned


class ReportRequestForm(ReportRangeForm):
    purpose = forms.CharField(
        label="Purpose (optional)",
        max_length=120,
        required=False,
        help_text="For example: concurrent review call with the payer.",
    )
