"""Forms of the census pages: the census file to preview, the import of a previewed file (the
file's text comes back in the body, never in a URL), and the billing export's period."""

from __future__ import annotations

from django import forms

from iop.common.forms import DateInput

from .selectors import MAX_EXPORT_DAYS
from .services import MAX_FILE_BYTES, ImportMode, census_file_validator


class CensusUploadForm(forms.Form):
    file = forms.FileField(
        label="Census file (CSV)",
        help_text="One row per client, the columns named on the first line (see the template). Up to 2 MB.",
        validators=[census_file_validator],
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def content(self) -> bytes:
        return self.cleaned_data["file"].read(MAX_FILE_BYTES + 1)


class CensusCommitForm(forms.Form):
    """The previewed file's text and what to import of it. The service reads and checks the text
    again, whole: nothing of the preview is trusted."""

    # A hidden textarea rather than an <input type=hidden>: it keeps the file's line breaks as they are.
    content = forms.CharField(
        label="The file", widget=forms.Textarea(attrs={"hidden": True}), max_length=MAX_FILE_BYTES, strip=False
    )
    mode = forms.ChoiceField(
        label="What to import",
        choices=[
            (ImportMode.ALL.value, "Every row (only when all rows are good)"),
            (ImportMode.GOOD_ONLY.value, "Only the good rows; leave the rows with problems out"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what to import: every row, or only the good rows."},
    )


class ExportRangeForm(forms.Form):
    start = forms.DateField(label="From", widget=DateInput)
    end = forms.DateField(label="To", widget=DateInput)

    def clean(self):
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if end < start:
                self.add_error("end", "The end is before the start.")
            elif (end - start).days >= MAX_EXPORT_DAYS:
                self.add_error("end", f"Export at most {MAX_EXPORT_DAYS} days at a time.")
        return cleaned
