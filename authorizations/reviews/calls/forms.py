"""Forms of the review calls panel: schedule (or move) a call, and cancel it. The time is typed
in the organization's zone; the forms check the shape, the services decide."""

from __future__ import annotations

import datetime as dt

from django import forms

from authorizations.models import ReviewCall
from iop.common.forms import DateInput, TimeInput

from .services import MAX_MINUTES, MIN_MINUTES


class CallForm(forms.Form):
    date = forms.DateField(label="Date", widget=DateInput())
    time = forms.TimeField(label="Time", widget=TimeInput(), help_text="Local time of the program.")
    duration_minutes = forms.IntegerField(
        label="Length (minutes)", min_value=MIN_MINUTES, max_value=MAX_MINUTES, initial=30
    )
    dial_in = forms.CharField(
        label="Phone or meeting link",
        max_length=300,
        help_text="A number with its access code (+1 800 555 0100,,123456#) or an https:// link.",
    )
    reviewer_name = forms.CharField(label="Payer reviewer", max_length=120, required=False)
    reviewer_reference = forms.CharField(label="Payer's reference", max_length=60, required=False)
    participants = forms.CharField(label="Also joining", max_length=300, required=False)

    @staticmethod
    def initial_for(call: ReviewCall | None, *, organization, review_date: dt.date) -> dict:
        if call is None:
            return {"date": review_date, "time": dt.time(10, 0), "duration_minutes": 30}
        local = call.starts_at.astimezone(organization.tzinfo)
        return {
            "date": local.date(),
            "time": local.time().replace(second=0, microsecond=0),
            "duration_minutes": call.duration_minutes,
            "dial_in": call.dial_in,
            "reviewer_name": call.reviewer_name,
            "reviewer_reference": call.reviewer_reference,
            "participants": call.participants,
        }


class CallCancelForm(forms.Form):
    reason = forms.CharField(label="Why is it cancelled?", max_length=300)
