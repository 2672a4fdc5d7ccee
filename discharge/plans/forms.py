"""Forms of the discharge page: the plan, a checklist tick, the termination session, completing
the discharge, the summary. Forms check the shape of the input; the services decide."""

from __future__ import annotations

from django import forms

from discharge.models import AftercareLevel, AftercareProvider, TransitionPlan, TransitionType
from iop.common.forms import DateInput


class PlanForm(forms.Form):
    transition_type = forms.ChoiceField(
        label="Kind of transition", choices=[("", "Not decided yet"), *TransitionType.choices], required=False
    )
    target_date = forms.DateField(label="Target last day", required=False, widget=DateInput())
    reason = forms.CharField(
        label="Reason",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Goals met, step-down to…, transfer to…; what the client agreed to.",
    )
    receiving_provider = forms.ModelChoiceField(
        label="Receiving provider", queryset=AftercareProvider.all_objects.none(), required=False
    )
    receiving_level_of_care = forms.ChoiceField(
        label="Level of care after", choices=[("", "—"), *AftercareLevel.choices], required=False
    )

    def __init__(self, *args, organization=None, **kwargs):
        super().__init__(*args, **kwargs)
        if organization is not None:
            field = self.fields["receiving_provider"]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = AftercareProvider.objects.filter(organization=organization, is_active=True).order_by(
                "name"
            )

    @staticmethod
    def initial_for(plan: TransitionPlan) -> dict:
        return {
            "transition_type": plan.transition_type,
            "target_date": plan.target_date,
            "reason": plan.reason,
            "receiving_provider": plan.receiving_provider_id,
            "receiving_level_of_care": plan.receiving_level_of_care,
        }


class TickForm(forms.Form):
    item = forms.UUIDField(widget=forms.HiddenInput)
    done = forms.BooleanField(required=False, widget=forms.HiddenInput)
    note = forms.CharField(label="Note", required=False, max_length=500)


class TerminationForm(forms.Form):
    session = forms.UUIDField(label="Session")


class CompleteForm(forms.Form):
    last_day = forms.DateField(label="Last day of care", widget=DateInput())
    override_reason = forms.CharField(
        label="Complete with items open — reason (organization admins)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class SummaryForm(forms.Form):
    summary = forms.CharField(
        label="Discharge summary",
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Reason for discharge; progress against the treatment-plan goals; condition at "
        "admission and discharge; aftercare; medications; crisis plan.",
    )
    sign = forms.BooleanField(required=False, widget=forms.HiddenInput)
