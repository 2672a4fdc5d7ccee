"""The denial case page's forms. Dates and times are typed in the organization's local time and
read into instants with `local_instant` (a DST-correct wall time); the services check the rules."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from authorizations.models import (
    AppealOutcome,
    CaseStatus,
    DenialCase,
    PeerToPeerOutcome,
    PeerToPeerStatus,
    SubmissionChannel,
)
from authorizations.requests.forms import DateTimeLocalInput
from iop.common.forms import DateInput
from iop.tenancy.models import Membership, Role

_TEXT = {"rows": 4}


def local_instant(value: dt.datetime | None, organization) -> dt.datetime | None:
    """The wall time typed, in the organization's zone (None stays None)."""
    if value is None:
        return None
    if timezone.is_aware(value):  # the field read it in the current zone; take its wall time
        value = timezone.make_naive(value)
    return organization.local_datetime(value.date(), value.time())


def _local_input(value: dt.datetime | None, organization) -> str:
    return timezone.localtime(value, organization.tzinfo).strftime("%Y-%m-%dT%H:%M") if value else ""


def _when(label: str, *, required: bool = True, help_text: str = "Your organization's local time.") -> forms.Field:
    return forms.DateTimeField(label=label, required=required, widget=DateTimeLocalInput, help_text=help_text)


class DenialForm(forms.Form):
    letter_received_at = _when("Denial letter (or call) received")
    reason = forms.CharField(label="Reason the payer gave", widget=forms.Textarea(attrs=_TEXT))
    criteria_cited = forms.CharField(
        label="Criteria cited", max_length=200, required=False, help_text="ASAM, LOCUS, InterQual, MCG…"
    )
    denied_from = forms.DateField(label="Denied from", required=False, widget=DateInput)
    denied_to = forms.DateField(label="Denied through", required=False, widget=DateInput)
    denied_units = forms.IntegerField(label="Units denied", required=False, min_value=1)
    expedited = forms.BooleanField(
        label="Expedited: waiting could seriously jeopardize the client's health or function", required=False
    )

    @staticmethod
    def initial_for(case: DenialCase) -> dict:
        return {
            "letter_received_at": _local_input(case.letter_received_at, case.organization),
            "reason": case.reason,
            "criteria_cited": case.criteria_cited,
            "denied_from": case.denied_from,
            "denied_to": case.denied_to,
            "denied_units": case.denied_units,
            "expedited": case.expedited,
        }


class ClinicianChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.user.get_full_name() or obj.user.email


class P2PScheduleForm(forms.Form):
    scheduled_at = _when("Call time")
    clinician = ClinicianChoiceField(
        label="Treating clinician",
        queryset=Membership.all_objects.none(),
        required=False,
        empty_label="The primary clinician",
    )
    payer_physician = forms.CharField(label="Payer's physician", max_length=120, required=False)
    dial_in = forms.CharField(label="Phone number or meeting link", max_length=300, required=False)

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["clinician"]
        assert isinstance(field, ClinicianChoiceField)
        field.queryset = (
            Membership.objects.filter(organization=organization, role=Role.CLINICIAN, is_active=True)
            .select_related("user")
            .order_by("user__full_name", "user__email")
        )


class P2PRescheduleForm(forms.Form):
    scheduled_at = _when("New call time")
    payer_physician = forms.CharField(label="Payer's physician", max_length=120, required=False)
    dial_in = forms.CharField(label="Phone number or meeting link", max_length=300, required=False)


class P2POutcomeForm(forms.Form):
    status = forms.ChoiceField(
        label="The call",
        choices=[("", "Choose…")]
        + [(v, label) for v, label in PeerToPeerStatus.choices if v != PeerToPeerStatus.SCHEDULED],
    )
    outcome = forms.ChoiceField(
        label="Outcome (a held call)", choices=[("", "—"), *PeerToPeerOutcome.choices], required=False
    )
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea(attrs=_TEXT))


class AppealLetterForm(forms.Form):
    letter = forms.CharField(
        label="Appeal letter", widget=forms.Textarea(attrs={"rows": 10}), help_text="The clinical argument."
    )
    expedited = forms.BooleanField(label="Ask for an expedited appeal", required=False)


class AppealFileForm(forms.Form):
    channel = forms.ChoiceField(label="Sent by", choices=[("", "Choose…"), *SubmissionChannel.choices])
    reference = forms.CharField(label="Payer's appeal reference", max_length=60, required=False)
    filed_at = _when("Filed at", required=False, help_text="Your organization's local time. Leave blank for now.")


class AppealOutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label="Decision",
        choices=[("", "Choose…")] + [(v, label) for v, label in AppealOutcome.choices if v != AppealOutcome.PENDING],
    )
    decided_at = _when("Decided at", required=False, help_text="Your organization's local time. Leave blank for now.")
    note = forms.CharField(label="Note", required=False, widget=forms.Textarea(attrs=_TEXT))


class CaseCloseForm(forms.Form):
    status = forms.ChoiceField(
        label="The case ends",
        choices=[("", "Choose…")] + [(v, label) for v, label in CaseStatus.choices if v != CaseStatus.OPEN],
    )
    note = forms.CharField(label="Note", required=False, widget=forms.Textarea(attrs=_TEXT))
