"""Forms of the roll-call page. They check the shape of input only; the roll-call service
decides (times against the session, whole roll call refused when one row is)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import cast

from django import forms
from django.utils.html import format_html_join

from iop.common.forms import LongSelect, OrganizationChoiceField, Time24Field, Time24Input
from scheduling.forms import offer_placeable_episodes
from scheduling.models import Session

from ..models import AbsenceReason, AttendanceRecord, AttendanceStatus
from .services import RollCallLine

# Service field names → the row form's fields, so a refusal shows next to its input.
SERVICE_FIELDS = {"status": "status", "arrived_at": "arrived", "departed_at": "departed"}
REASON_CHOICES: list[tuple[str, str]] = [("", "—"), *AbsenceReason.choices]


class StatusRadioSelect(forms.RadioSelect):
    """The status radios, drawn as one line of segments: the two long absences show a short label
    ("Excused"), while their full label ("Absent (excused)") stays the radio's accessible name."""

    SHORT_LABELS: dict[str, str] = {
        AttendanceStatus.ABSENT_EXCUSED: "Excused",
        AttendanceStatus.ABSENT_UNEXCUSED: "Unexcused",
    }

    def create_option(self, *args, **kwargs):
        option = super().create_option(*args, **kwargs)
        option["short_label"] = self.SHORT_LABELS.get(option["value"], "")
        return option


class RollCallRowForm(forms.Form):
    """One client's row of the roll call. A row left without a status is not recorded yet."""

    status = forms.ChoiceField(
        label="Attendance",
        choices=AttendanceStatus.choices,
        widget=StatusRadioSelect,
        required=False,
    )
    arrived = Time24Field(label="Arrived", required=False)
    departed = Time24Field(label="Left", required=False)
    absence_reason = forms.ChoiceField(label="Reason", choices=REASON_CHOICES, required=False)
    note = forms.CharField(label="Note", max_length=300, required=False)

    def __init__(self, *args, session: Session, record: AttendanceRecord | None, subject: str = "", **kwargs):
        self.session = session
        # The client the row is about: the page's error summary names them ("Ana Varga — Left: …").
        self.error_subject = subject
        kwargs["initial"] = self.initial_for(session, record)
        super().__init__(*args, **kwargs)

    @staticmethod
    def initial_for(session: Session, record: AttendanceRecord | None) -> dict:
        """The row as recorded, else blank with the session's times."""
        tz = session.organization.tzinfo
        if record is None:
            return {
                "arrived": session.starts_at.astimezone(tz).time(),
                "departed": session.ends_at.astimezone(tz).time(),
            }
        return {
            "status": record.status,
            "arrived": (record.arrived_at or session.starts_at).astimezone(tz).time(),
            "departed": (record.departed_at or session.ends_at).astimezone(tz).time(),
            "absence_reason": record.absence_reason,
            "note": record.note,
        }

    def _instant(self, value: dt.time | None) -> dt.datetime | None:
        """A local time on the session's day (a session running past midnight: the next day)."""
        if value is None:
            return None
        organization = self.session.organization
        local_start = self.session.starts_at.astimezone(organization.tzinfo)
        day = self.session.local_date
        if value < local_start.time() and self.session.ends_at.astimezone(organization.tzinfo).date() > day:
            day += dt.timedelta(days=1)
        return organization.local_datetime(day, value)

    def line(self, roster_entry_id, *, default_status: str = "") -> RollCallLine | None:
        data = self.cleaned_data
        status = data.get("status") or default_status
        if not status:
            return None
        return RollCallLine(
            roster_entry_id=roster_entry_id,
            status=status,
            arrived_at=self._instant(data.get("arrived")),
            departed_at=self._instant(data.get("departed")),
            absence_reason=data.get("absence_reason") or "",
            note=data.get("note") or "",
        )


# --- The rows as the page writes them ---------------------------------------------------------------
# A roll call draws five inputs a client. Drawn as bound widgets, each through its own templates,
# they took about half of the page's time (issue #15), so the page writes them itself from these
# plain values; `RollCallRowForm` still reads and checks what is posted. The names, ids and
# attributes are the ones the widgets would write (`id_<row>-<field>`, `…_<n>` for a radio).


@dataclass(frozen=True)
class RowOption:
    value: str
    label: str
    short_label: str = ""


@dataclass(frozen=True)
class RowInput:
    name: str
    id: str
    value: str
    invalid: bool


class RowInputs:
    """One row's inputs: what it shows (as recorded, or as posted) and, for a posted row, its form
    (the errors)."""

    def __init__(self, prefix: str, values: dict[str, str], form: RollCallRowForm | None = None):
        self.form = form
        self.errors = form.errors if form is not None else {}

        def input_(name: str) -> RowInput:
            html_name = f"{prefix}-{name}"
            return RowInput(
                name=html_name, id=f"id_{html_name}", value=values.get(name) or "", invalid=name in self.errors
            )

        self.status = input_("status")
        self.arrived = input_("arrived")
        self.departed = input_("departed")
        self.absence_reason = input_("absence_reason")
        self.note = input_("note")

    @classmethod
    def recorded(cls, prefix: str, *, session: Session, record: AttendanceRecord | None) -> RowInputs:
        values = {
            name: value.strftime(Time24Input.FORMAT) if isinstance(value, dt.time) else value
            for name, value in RollCallRowForm.initial_for(session, record).items()
        }
        return cls(prefix, values)

    @classmethod
    def posted(cls, form: RollCallRowForm) -> RowInputs:
        return cls(form.prefix or "", {name: form[name].value() for name in form.fields}, form)


def _row_fields() -> dict:
    fields = RollCallRowForm.base_fields
    return {
        "status_options": [
            RowOption(value, str(label), StatusRadioSelect.SHORT_LABELS.get(value, ""))
            for value, label in AttendanceStatus.choices
        ],
        "reason_options": [RowOption(value, str(label)) for value, label in REASON_CHOICES],
        # The time inputs' attributes (Time24Input) and the note's maxlength, as the widgets write them.
        "time_attrs": format_html_join("", ' {}="{}"', fields["arrived"].widget.attrs.items()),
        "note_attrs": format_html_join("", ' {}="{}"', fields["note"].widget.attrs.items()),
    }


ROW_FIELDS = _row_fields()


class WalkInForm(forms.Form):
    """A client who joined without being on the roster: added with the reason, then recorded."""

    episode = OrganizationChoiceField(
        label="Client",
        queryset=None,
        empty_label="Choose a client",
        error_messages={"invalid_choice": "Choose a client in intake or active care who is not on this roster."},
        widget=LongSelect,
    )
    reason = forms.CharField(
        label="Why they joined",
        max_length=200,
        help_text="For example: make-up for a missed session, moved from another group today.",
    )

    def __init__(self, *args, session: Session, on_roster=(), **kwargs):
        kwargs.setdefault("prefix", "walk_in")
        super().__init__(*args, **kwargs)
        offer_placeable_episodes(
            cast(forms.ModelChoiceField, self.fields["episode"]), session=session, on_roster=on_roster
        )
