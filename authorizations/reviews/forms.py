"""Forms of the review page: the clinical fields, moving the review date, and the outcome (one
row per code of the authorization, as a 278 response carries them). Forms check the shape of the
input; the services decide."""

from __future__ import annotations

import datetime as dt

from django import forms

from authorizations.models import ConcurrentReview, SubmissionChannel
from authorizations.requests.services.determinations import ApprovedLine
from authorizations.reviews.services.outcomes import ReviewOutcome
from iop.common.forms import DateInput
from iop.tenancy.models import LevelOfCare


class ClinicalForm(forms.Form):
    progress_since_last_review = forms.CharField(
        label="Progress since the last review",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Against the treatment-plan goals: what changed, in measurable terms.",
    )
    risk_note = forms.CharField(
        label="Current risk",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Suicidal or homicidal ideation, self-harm, safety plan.",
    )
    medications_note = forms.CharField(
        label="Medications",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Name, dose, frequency, prescriber; changes since the last review. Write “none” if none.",
    )
    standardized_scores = forms.CharField(
        label="Standardized scores",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One per line: instrument, score, date — e.g. PHQ-9, 14, 2026-12-01.",
    )
    discharge_plan = forms.CharField(
        label="Discharge or step-down plan",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Target date, next level of care, aftercare provider.",
    )
    criteria_cited = forms.CharField(
        label="Criteria set cited", max_length=120, required=False, help_text="ASAM, LOCUS, InterQual, MCG…"
    )

    @staticmethod
    def initial_for(review: ConcurrentReview) -> dict:
        scores = "\n".join(
            f"{row.get('instrument', '')}, {row.get('score', '')}, {row.get('date', '')}"
            for row in review.standardized_scores or []
        )
        return {
            "progress_since_last_review": review.progress_since_last_review,
            "risk_note": review.risk_note,
            "medications_note": review.medications_note,
            "standardized_scores": scores,
            "discharge_plan": review.discharge_plan,
            "criteria_cited": review.criteria_cited,
        }

    def clean_standardized_scores(self) -> list[dict]:
        rows = []
        for number, line in enumerate((self.cleaned_data["standardized_scores"] or "").splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split(",")]
            if len(parts) != 3:
                raise forms.ValidationError(
                    f"Line {number}: write the instrument, the score and the date, separated by commas."
                )
            rows.append({"instrument": parts[0], "score": parts[1], "date": parts[2]})
        return rows


class ReviewDateForm(forms.Form):
    review_date = forms.DateField(label="New review date", widget=DateInput, help_text="The date the payer gave.")


class OutcomeForm(forms.Form):
    """The outcome, and per code of the authorization (`codes`) the units and window approved."""

    outcome = forms.ChoiceField(label="Outcome", choices=[("", "Choose…"), *ReviewOutcome.choices])
    decided_on = forms.DateField(label="Decision date", widget=DateInput)
    authorization_number = forms.CharField(
        label="Authorization number",
        max_length=60,
        required=False,
        help_text="The same number extends the current authorization; a new one starts the next, linked to it.",
    )
    next_review_date = forms.DateField(
        label="Next review",
        widget=DateInput,
        required=False,
        help_text="The payer's date; left empty, the payer's cadence sets it.",
    )
    recommended_level_of_care = forms.ChoiceField(
        label="Recommended level of care",
        choices=[("", "—"), *LevelOfCare.choices],
        required=False,
        help_text="For a step-down.",
    )
    reason = forms.CharField(
        label="Reason, or the information the payer asked for",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    information_due = forms.DateField(
        label="Information due", widget=DateInput, required=False, help_text="When pended: required."
    )
    reason_code = forms.CharField(label="Payer's reason code (HCR03)", max_length=3, required=False)
    payer_reference = forms.CharField(label="Payer's reference", max_length=60, required=False)
    channel = forms.ChoiceField(
        label="Presented by", choices=SubmissionChannel.choices, initial=SubmissionChannel.PHONE, required=False
    )

    def __init__(self, *args, codes: list[tuple[str, str]] = (), **kwargs):  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.codes = list(codes)
        for index, (code, _label) in enumerate(self.codes):
            self.fields[f"units_{index}"] = forms.IntegerField(label=f"{code} units", required=False, min_value=0)
            self.fields[f"start_{index}"] = forms.DateField(label=f"{code} from", widget=DateInput, required=False)
            self.fields[f"end_{index}"] = forms.DateField(label=f"{code} through", widget=DateInput, required=False)

    def line_rows(self):
        """(code, label, units field, from field, through field) for the template."""
        return [
            (code, label, self[f"units_{i}"], self[f"start_{i}"], self[f"end_{i}"])
            for i, (code, label) in enumerate(self.codes)
        ]

    @staticmethod
    def initial_for(review: ConcurrentReview, defaults: list, today: dt.date) -> dict:
        """Today's decision, the current number (an extension), and per code what is asked for."""
        initial: dict = {"decided_on": today, "authorization_number": review.authorization.number}
        for index, line in enumerate(defaults):
            initial[f"units_{index}"] = line.units
            initial[f"start_{index}"] = line.start_date
            initial[f"end_{index}"] = line.end_date
        return initial

    def approved_lines(self) -> list[ApprovedLine]:
        lines = []
        for index, (code, _label) in enumerate(self.codes):
            units = self.cleaned_data.get(f"units_{index}")
            start, end = self.cleaned_data.get(f"start_{index}"), self.cleaned_data.get(f"end_{index}")
            if not units:
                continue
            if start is None or end is None:
                self.add_error(f"end_{index}", f"Give the dates approved for {code}.")
                continue
            lines.append(ApprovedLine(code=code, units=units, start_date=start, end_date=end))
        return lines

    def decided_at(self, organization, now: dt.datetime) -> dt.datetime:
        day = self.cleaned_data["decided_on"]
        if day == organization.local_today(now):
            return now
        return organization.local_datetime(day, dt.time(12))
