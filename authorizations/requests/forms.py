"""Forms of the request and packet pages. They check the shape of input only (types, choices,
required); the services decide the rest — units, frequencies, dates against the request's window,
ICD-10 format, whose coverage — and their refusals are shown next to these fields."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.choices import BaseChoiceIterator

from authorizations.codes import service_codes
from authorizations.coverage.selectors import client_coverages
from authorizations.models import (
    APPROVING_ACTIONS,
    CertificationType,
    DeterminationAction,
    RequestPacket,
    ServiceLine,
    ServiceTrack,
    SubmissionChannel,
    UnitType,
    Urgency,
)
from authorizations.requests.services.determinations import ApprovedLine
from authorizations.requests.services.drafting import OTHER_COMPONENTS, attachment_validator
from authorizations.requests.services.x12_278 import MAX_278_CHARS
from authorizations.x12.uploads import X12_EXTENSIONS, x12_upload_read
from iop.common.dates import date_full
from iop.common.forms import DateInput, OrganizationChoiceField

_TEXTAREA = {"rows": 4}


class CoverageChoiceField(OrganizationChoiceField):
    def label_from_instance(self, coverage) -> str:
        plan = f" — {coverage.plan.name}" if coverage.plan_id else ""
        end = f" to {date_full(coverage.effective_to)}" if coverage.effective_to else ""
        return (
            f"{coverage.payer.name}{plan} · member {coverage.member_id or 'id missing'} · "
            f"{coverage.get_priority_display().lower()}, from {date_full(coverage.effective_from)}{end}"
        )


def _coverage_field(label: str) -> CoverageChoiceField:
    return CoverageChoiceField(
        label=label,
        queryset=None,
        empty_label="Choose a coverage",
        error_messages={
            "invalid_choice": "Choose one of the client's own coverages: a request must be against the "
            "client's own coverage.",
            "required": "Choose the coverage the request is for.",
        },
    )


class RequestStartForm(forms.Form):
    coverage = _coverage_field("Coverage")
    start_date = forms.DateField(label="First day requested", widget=DateInput)
    urgency = forms.ChoiceField(
        label="Urgency", choices=Urgency.choices, initial=Urgency.STANDARD, widget=forms.RadioSelect
    )

    def __init__(self, *args, client, today: dt.date, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("start_date", today)
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["coverage"]).queryset = client_coverages(
            organization=client.organization, client_id=client.pk
        )


class PacketStartForm(forms.Form):
    """One coverage per partner (`coverage_a` for the couple's partner_a, `coverage_b` for b)."""

    joint_goals = forms.CharField(
        label="Joint treatment goals",
        required=False,
        widget=forms.Textarea(attrs=_TEXTAREA),
        help_text="Shared by both requests: for example communication skills, relapse prevention, couples therapy.",
    )
    start_date = forms.DateField(label="First day requested", widget=DateInput)
    urgency = forms.ChoiceField(
        label="Urgency", choices=Urgency.choices, initial=Urgency.STANDARD, widget=forms.RadioSelect
    )

    def __init__(self, *args, couple, today: dt.date, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("start_date", today)
        super().__init__(*args, **kwargs)
        self.couple = couple
        coverages = {}
        for key, partner in (("coverage_a", couple.partner_a), ("coverage_b", couple.partner_b)):
            field = _coverage_field(f"{partner.display_name}'s coverage")
            field.queryset = client_coverages(organization=partner.organization, client_id=partner.pk)
            coverages[key] = field
        self.fields = {**coverages, **self.fields}

    def coverages(self) -> dict:
        data = self.cleaned_data
        return {self.couple.partner_a_id: data["coverage_a"], self.couple.partner_b_id: data["coverage_b"]}


class RequestDetailsForm(forms.Form):
    start_date = forms.DateField(label="First day requested", widget=DateInput)
    end_date = forms.DateField(label="Last day requested", widget=DateInput)
    urgency = forms.ChoiceField(label="Urgency", choices=Urgency.choices, widget=forms.RadioSelect)
    certification_type = forms.ChoiceField(label="Certification type", choices=CertificationType.choices)
    why_not_lower_level = forms.CharField(
        label="Why a lower level of care is not enough", required=False, widget=forms.Textarea(attrs=_TEXTAREA)
    )
    why_not_higher_level = forms.CharField(
        label="Why a higher level of care is not needed", required=False, widget=forms.Textarea(attrs=_TEXTAREA)
    )
    clinical_summary = forms.CharField(
        label="Clinical summary and treatment goals",
        required=False,
        widget=forms.Textarea(attrs=_TEXTAREA),
        help_text="Symptoms, risk, functioning and the measurable goals of the treatment plan.",
    )
    emotional_support_animal_note = forms.CharField(
        label="Emotional support animal: clinical necessity",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Only where one applies.",
    )
    other_components = forms.MultipleChoiceField(
        label="Other requested components the plan covers",
        required=False,
        choices=list(OTHER_COMPONENTS.items()),
        widget=forms.CheckboxSelectMultiple,
    )

    FIELDS = (
        "start_date",
        "end_date",
        "urgency",
        "certification_type",
        "why_not_lower_level",
        "why_not_higher_level",
        "clinical_summary",
        "emotional_support_animal_note",
        "other_components",
    )

    @classmethod
    def initial_for(cls, request) -> dict:
        return {name: getattr(request, name) for name in cls.FIELDS}


class DiagnosisForm(forms.Form):
    code = forms.CharField(label="ICD-10-CM code", max_length=12, help_text="For example F33.1 or F10.20.")
    description = forms.CharField(label="Description (optional)", max_length=200, required=False)


def _code_choices(organization) -> list[tuple[str, str]]:
    return [("", "Choose a code")] + [
        (c.code, f"{c.code} — {c.descriptor} ({c.get_unit_type_display().lower()})")
        for c in service_codes(organization=organization)
    ]


class _CodeChoices(BaseChoiceIterator):
    """The organization's codes, read when first drawn or checked: a request page that cannot be
    edited builds the form but never shows it (one query less)."""

    def __init__(self, organization):
        self.organization = organization
        self.loaded: list[tuple[str, str]] | None = None

    def __iter__(self):
        if self.loaded is None:
            self.loaded = _code_choices(self.organization)
        return iter(self.loaded)


class LineForm(forms.Form):
    """One itemized line. Units and frequency bounds are the service's (its messages say why)."""

    code = forms.ChoiceField(label="Code")
    track = forms.ChoiceField(label="Track", choices=[("", "The code's track"), *ServiceTrack.choices], required=False)
    units = forms.IntegerField(label="Units a session", initial=1)
    frequency_per_week = forms.DecimalField(
        label="How often a week", max_digits=4, decimal_places=1, initial=1, help_text="Sessions (or days) a week."
    )
    start_date = forms.DateField(label="From", widget=DateInput, required=False, help_text="Blank: the request's.")
    end_date = forms.DateField(label="To", widget=DateInput, required=False, help_text="Blank: the request's.")
    description = forms.CharField(label="Description (optional)", max_length=200, required=False)

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["code"]).choices = _CodeChoices(organization)

    @staticmethod
    def initial_for(line) -> dict:
        return {
            "code": line.code,
            "track": line.track,
            "units": line.units,
            "frequency_per_week": line.frequency_per_week,
            "start_date": line.start_date,
            "end_date": line.end_date,
            "description": line.description,
        }


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label="File",
        help_text="PDF, image (PNG, JPEG, TIFF) or Word document (.docx), up to 10 MB.",
        validators=[attachment_validator],
    )


class DateTimeLocalInput(forms.DateTimeInput):
    """The browser's date-and-time picker; it submits `YYYY-MM-DDTHH:MM`, which DateTimeField parses."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


def _submitted_at_field() -> forms.DateTimeField:
    return forms.DateTimeField(
        label="Submitted at",
        required=False,
        widget=DateTimeLocalInput,
        help_text="Your organization's local time. Leave blank for now.",
    )


class _SubmittedAtMixin:
    cleaned_data: dict[str, Any]  # mixed into a Form, which sets it

    def submitted_at_in(self, organization) -> dt.datetime | None:
        """The date and time typed, read in the organization's zone (None: now). The service
        refuses one in the future or before the request was created."""
        value = self.cleaned_data.get("submitted_at")
        if value is None:
            return None
        if timezone.is_aware(value):  # the field read it in the current zone; take its wall time
            value = timezone.make_naive(value)
        return organization.local_datetime(value.date(), value.time())


class SubmitForm(_SubmittedAtMixin, forms.Form):
    channel = forms.ChoiceField(label="Submitted by", choices=[("", "Choose…"), *SubmissionChannel.choices])
    payer_reference = forms.CharField(label="Payer reference number", max_length=60, required=False)
    submitted_at = _submitted_at_field()


class PacketSubmitForm(_SubmittedAtMixin, forms.Form):
    """The channel, when it went out, and the payer's reference number for each partner's request."""

    channel = forms.ChoiceField(label="Submitted by", choices=[("", "Choose…"), *SubmissionChannel.choices])
    submitted_at = _submitted_at_field()

    def __init__(self, *args, packet: RequestPacket, **kwargs):
        super().__init__(*args, **kwargs)
        self.request_ids = []
        for request in packet.requests.all():
            name = f"reference_{request.pk}"
            self.fields[name] = forms.CharField(
                label=f"Payer reference for {request.episode.client.display_name}", max_length=60, required=False
            )
            self.request_ids.append(request.pk)

    def references(self) -> dict:
        return {pk: self.cleaned_data.get(f"reference_{pk}", "") for pk in self.request_ids}


class PacketGoalsForm(forms.Form):
    joint_goals = forms.CharField(label="Joint treatment goals", required=False, widget=forms.Textarea(attrs=_TEXTAREA))


class PendForm(forms.Form):
    information_requested = forms.CharField(
        label="Information the payer asked for", widget=forms.Textarea(attrs={"rows": 3})
    )
    information_due = forms.DateField(label="Due by", widget=DateInput)


MAX_278_UPLOAD_BYTES = 512 * 1024
X12_278_EXTENSIONS = (*X12_EXTENSIONS, ".278")


class X12ResponseImportForm(forms.Form):
    """The payer's X12 278 response, as received from the clearinghouse."""

    file = forms.FileField(
        label="X12 278 response file",
        help_text="A .txt, .edi, .x12 or .278 file, up to 512 KB.",
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(X12_278_EXTENSIONS)}),
    )
    information_due = forms.DateField(
        label="Information due by",
        widget=DateInput,
        required=False,
        help_text="Only when the payer pended the request: a 278 does not carry the date.",
    )

    def clean_file(self) -> str:
        return x12_upload_read(
            self.cleaned_data["file"],
            kind="278",
            extensions=X12_278_EXTENSIONS,
            max_bytes=MAX_278_UPLOAD_BYTES,
            max_chars=MAX_278_CHARS,
        )


_LINE_FIELD_NAMES = ("approve", "code", "units", "start_date", "end_date", "service_line_id")


def _units_asked(line: ServiceLine) -> int:
    """What a request line asked, in its units: the units a session over its sessions."""
    return line.units * line.estimated_sessions or line.units


class DeterminationForm(forms.Form):
    action = forms.ChoiceField(label="Decision", choices=[("", "Choose…"), *DeterminationAction.choices])
    decided_on = forms.DateField(label="Decision date", widget=DateInput)
    authorization_number = forms.CharField(label="Authorization number", max_length=60, required=False)
    approved_code = forms.CharField(label="Approved code", max_length=10, required=False)
    approved_units = forms.IntegerField(label="Approved units", required=False)
    unit_type = forms.ChoiceField(label="Unit type", choices=[("", "The code's"), *UnitType.choices], required=False)
    start_date = forms.DateField(label="Authorized from", widget=DateInput, required=False)
    end_date = forms.DateField(label="Authorized to", widget=DateInput, required=False)
    next_review_date = forms.DateField(label="Next review", widget=DateInput, required=False)
    reason = forms.CharField(
        label="Reason or notes",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="When pended (A4): the information the payer asked for.",
    )
    information_due = forms.DateField(
        label="Information due", widget=DateInput, required=False, help_text="When pended (A4): required."
    )

    # The single-code fields, for a request without lines (or an answer given as one code).
    SINGLE_CODE_FIELDS = ("approved_code", "approved_units", "unit_type", "start_date", "end_date")

    def __init__(self, *args, request_lines: Iterable[ServiceLine] = (), **kwargs):
        """One row per request line (`lines-<n>-…`, the names the service's refusals use),
        prefilled with what the line asked: its code, its units over the window, its window. The
        ticked rows are the lines approved (`approved_lines`)."""
        super().__init__(*args, **kwargs)
        self.request_lines = list(request_lines)
        for n, line in enumerate(self.request_lines):
            p = f"lines-{n}-"
            asked = _units_asked(line)
            self.fields[p + "approve"] = forms.BooleanField(label=f"Approve {line.code}", required=False, initial=True)
            self.fields[p + "code"] = forms.CharField(label="Code", max_length=10, required=False, initial=line.code)
            self.fields[p + "units"] = forms.IntegerField(label="Units approved", required=False, initial=asked)
            self.fields[p + "start_date"] = forms.DateField(
                label="From", widget=DateInput, required=False, initial=line.start_date
            )
            self.fields[p + "end_date"] = forms.DateField(
                label="To", widget=DateInput, required=False, initial=line.end_date
            )
            self.fields[p + "service_line_id"] = forms.UUIDField(
                widget=forms.HiddenInput, required=False, initial=line.pk
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # With rows, an approval says which lines: none ticked falls back to the single-code fields,
        # which the page does not show for such a request, so without them it would be refused on
        # fields nobody can see.
        ticked = any(data.get(f"lines-{n}-approve") for n in range(len(self.request_lines)))
        single = data.get("approved_units") is not None
        if data.get("action") in APPROVING_ACTIONS and self.request_lines and not ticked and not single:
            self.add_error(None, "Tick the lines the payer approved: an approval approves at least one of them.")
        # A row is prefilled with what its line asked, so a larger figure typed here is nearly always
        # a slip; a payer that gave more changed the request, which is recorded as modified (A6).
        # (The API takes the payer's figures as they were sent.)
        if data.get("action") in (DeterminationAction.CERTIFIED, DeterminationAction.PARTIAL):
            for n, line in enumerate(self.request_lines):
                p = f"lines-{n}-"
                units, code = data.get(p + "units"), (data.get(p + "code") or line.code).strip().upper()
                if data.get(p + "approve") and code == line.code and units is not None and units > _units_asked(line):
                    self.add_error(
                        p + "units",
                        f"Line {n + 1} ({line.code}): {units} units is more than the {_units_asked(line)} asked for."
                        " Enter the units the payer approved; if it approved more than asked, record the decision"
                        " as modified (A6).",
                    )
        return data

    @property
    def main_fields(self) -> list[forms.BoundField]:
        """The visible fields other than the line rows (and, when the request has lines, other
        than the single-code fields: the rows say it per code)."""
        hidden = self.SINGLE_CODE_FIELDS if self.request_lines else ()
        return [f for f in self.visible_fields() if not f.name.startswith("lines-") and f.name not in hidden]

    @property
    def line_rows(self) -> list[dict[str, Any]]:
        """Per request line: the line and its bound fields, for the template's table."""
        return [
            {"line": line, **{name: self[f"lines-{n}-{name}"] for name in _LINE_FIELD_NAMES}}
            for n, line in enumerate(self.request_lines)
        ]

    def approved_lines(self) -> list[ApprovedLine]:
        """The ticked rows as the service takes them (blanks left for it to refuse by name)."""
        data = self.cleaned_data
        approved = []
        for n, line in enumerate(self.request_lines):
            p = f"lines-{n}-"
            if not data.get(p + "approve"):
                continue
            approved.append(
                ApprovedLine(
                    code=data.get(p + "code") or line.code,
                    units=data.get(p + "units") or 0,
                    start_date=data.get(p + "start_date"),  # type: ignore[arg-type]  # None: refused by name
                    end_date=data.get(p + "end_date"),  # type: ignore[arg-type]
                    unit_type=line.unit_type if (data.get(p + "code") or line.code).upper() == line.code else "",
                    frequency_per_week=line.frequency_per_week,
                    service_line_id=data.get(p + "service_line_id") or line.pk,
                )
            )
        return approved

    def service_values(self) -> dict[str, Any]:
        """What the service takes besides the decision time: the filled single-code fields, or the
        approved lines when any row is ticked."""
        values = {
            k: v
            for k, v in self.cleaned_data.items()
            if k != "decided_on" and not k.startswith("lines-") and v is not None
        }
        lines = self.approved_lines()
        if lines:
            for name in self.SINGLE_CODE_FIELDS:
                values.pop(name, None)
            values["lines"] = lines
        return values

    def decided_at(self, organization, now: dt.datetime) -> dt.datetime:
        """The decision date at noon where the organization is; today's is now (a later date stays
        in the future, for the service to refuse)."""
        day = self.cleaned_data["decided_on"]
        if day == organization.local_today(now):
            return now
        return organization.local_datetime(day, dt.time(12))

    @staticmethod
    def initial_for(request, today: dt.date) -> dict:
        group = next((line for line in request.lines.all() if line.track == ServiceTrack.GROUP), None)
        return {
            "decided_on": today,
            "approved_code": group.code if group else "",
            "start_date": request.start_date,
            "end_date": request.end_date,
        }
