"""Forms of the scheduling pages. They check the shape of the input; the rules (capacity, overlaps,
qualifications, absences, date ranges) are the services' and come back as `ApplicationError`s."""

from __future__ import annotations

import datetime as dt
from typing import cast

from django import forms
from django.forms.models import ModelChoiceIterator

from iop.clients.models import Client, EpisodeStatus
from iop.clients.selectors import episode_list
from iop.common.forms import DateInput, LongSelect, OrganizationChoiceField, TimeInput
from iop.tenancy.models import Organization
from iop.tenancy.selectors import program_list

from . import selectors
from .models import FacilitatorRole, Group, Session
from .services.common import PLACEABLE_STATUSES


class ScheduleDateField(forms.DateField):
    """A date the schedule can compute with: far-off years (a typo, a crafted URL) would overflow
    the week and time arithmetic, so they are refused with a message instead."""

    earliest, latest = dt.date(2000, 1, 1), dt.date(2100, 12, 31)

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", DateInput())
        super().__init__(**kwargs)

    def validate(self, value):
        super().validate(value)
        if value is not None and not self.earliest <= value <= self.latest:
            raise forms.ValidationError(
                f"Enter a date between {self.earliest.year} and {self.latest.year}.", code="out_of_range"
            )


def _facilitator_field(label: str, *, required: bool = True, empty_label: str | None = None):
    field = OrganizationChoiceField(
        label=label,
        queryset=None,
        required=required,
        empty_label=empty_label,
        error_messages={"invalid_choice": "Choose one of your organization's facilitators."},
    )
    field.label_from_instance = lambda profile: profile.membership.user.get_full_name()  # type: ignore[method-assign, assignment]  # a per-field label, as Django allows; mypy refuses assigning to a method
    return field


def _facilitators(organization: Organization):
    # The pickers need names only; the qualifications `facilitator_list` prefetches are not shown.
    return selectors.facilitator_list(organization=organization).prefetch_related(None)


class WeekFilterForm(forms.Form):
    """The master schedule's week and filters. Sent by GET: a date, a program and a facilitator
    are not PHI, and a link to a filtered week is worth sharing."""

    week = ScheduleDateField(label="Week of", required=False)
    program = OrganizationChoiceField(
        label="Program",
        queryset=None,
        required=False,
        empty_label="All programs",
        error_messages={"invalid_choice": "Choose one of your organization's programs."},
    )
    facilitator = _facilitator_field("Facilitator", required=False, empty_label="Any facilitator")

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["program"]).queryset = program_list(
            organization=organization, active_only=False
        )
        cast(forms.ModelChoiceField, self.fields["facilitator"]).queryset = _facilitators(organization)
        self.fields["week"].initial = organization.local_today()

    def value(self, name: str):
        """The cleaned value, or None when the form is unbound or that field was refused."""
        if not self.is_bound or (not self.is_valid() and name in self.errors):
            return None
        return self.cleaned_data.get(name)


class PlaceableEpisodeChoices(ModelChoiceIterator):
    """The options from the columns their labels show. The list holds every client in intake or
    active care (hundreds at a large program), and loading whole episodes with their client and
    program for it cost three objects an option (issue #15)."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        assert self.queryset is not None  # offer_placeable_episodes set it
        columns = ("pk", "client__last_name", "client__first_name", "client__preferred_name", "program__name", "status")
        for pk, last_name, first_name, preferred_name, program, status in self.queryset.values_list(*columns):
            name = Client.sort_name_of(last_name=last_name, first_name=first_name, preferred_name=preferred_name)
            yield (str(pk), f"{name} — {program}{' (intake)' if status == EpisodeStatus.INTAKE else ''}")


def offer_placeable_episodes(field: forms.ModelChoiceField, *, session: Session, on_roster=()) -> None:
    """Make `field` offer the clients in intake or active care not on `session`'s roster yet, by
    name (the roster's add form and the roll call's walk-in form)."""
    field.iterator = PlaceableEpisodeChoices
    field.queryset = (
        episode_list(organization=session.organization)
        .filter(status__in=PLACEABLE_STATUSES)
        .exclude(pk__in=list(on_roster))
        .order_by("client__last_name", "client__first_name", "pk")
    )


class RosterAddForm(forms.Form):
    """Seat one client in one session. Offers clients in intake or active care who are not on
    this session's roster yet."""

    episode = OrganizationChoiceField(
        label="Client",
        queryset=None,
        empty_label="Choose a client",
        error_messages={"invalid_choice": "Choose a client in intake or active care who is not on this roster yet."},
        widget=LongSelect,
    )
    waitlist_if_full = forms.BooleanField(
        label="If the session is full, put the client on its waitlist", required=False
    )

    def __init__(self, *args, session: Session, on_roster=(), **kwargs):
        kwargs.setdefault("prefix", "roster")
        super().__init__(*args, **kwargs)
        offer_placeable_episodes(
            cast(forms.ModelChoiceField, self.fields["episode"]), session=session, on_roster=on_roster
        )


class SessionTopicForm(forms.Form):
    topic = forms.CharField(label="Topic", max_length=200, required=False)

    def __init__(self, *args, session: Session, **kwargs):
        kwargs.setdefault("prefix", "topic")
        kwargs.setdefault("initial", {"topic": session.topic})
        super().__init__(*args, **kwargs)


class SessionMoveForm(forms.Form):
    """Move this one session; the weekly recurrence stays as it is."""

    local_date = ScheduleDateField(label="Date")
    start_time = forms.TimeField(label="Start time", widget=TimeInput())
    duration_minutes = forms.IntegerField(label="Duration in minutes", min_value=15, max_value=480)

    def __init__(self, *args, session: Session, **kwargs):
        kwargs.setdefault("prefix", "move")
        local_start = session.starts_at.astimezone(session.organization.tzinfo)
        kwargs.setdefault(
            "initial",
            {
                "local_date": local_start.date(),
                "start_time": local_start.time(),
                "duration_minutes": session.duration_minutes,
            },
        )
        super().__init__(*args, **kwargs)


class SessionCancelForm(forms.Form):
    reason = forms.CharField(
        label="Reason (optional)",
        max_length=200,
        required=False,
        help_text="Clients see that the session is cancelled in their next reminder.",
    )

    def __init__(self, *args, session: Session, **kwargs):
        kwargs.setdefault("prefix", "cancel")
        super().__init__(*args, **kwargs)


RETURN_PAGES = [("session", "Session page"), ("absences", "Facilitator absences")]


class FacilitatorAssignForm(forms.Form):
    """One click: a suggested facilitator becomes the lead (or co-facilitator) of one session.
    Posted by the buttons of the session page and of the absences page (`back` says which)."""

    staff_profile = _facilitator_field("Facilitator")
    role = forms.ChoiceField(label="Role", choices=FacilitatorRole.choices)
    back = forms.ChoiceField(choices=RETURN_PAGES, required=False)

    def __init__(self, *args, organization: Organization, **kwargs):
        kwargs.setdefault("prefix", "cover")
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["staff_profile"]).queryset = _facilitators(organization)


class AbsenceForm(forms.Form):
    staff_profile = _facilitator_field("Facilitator", empty_label="Choose a facilitator")
    start_date = ScheduleDateField(label="First day away")
    end_date = ScheduleDateField(label="Last day away")
    reason = forms.CharField(
        label="Reason (optional)",
        max_length=200,
        required=False,
        help_text="Seen by staff only. Avoid health details.",
    )

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["staff_profile"]).queryset = _facilitators(organization)
        today = organization.local_today()
        self.fields["start_date"].initial = today
        self.fields["end_date"].initial = today


class ProposalStartForm(forms.Form):
    """The date the placement assistant plans from (GET: a date is not PHI)."""

    start = ScheduleDateField(label="Start placement on", required=False)

    def start_date(self, default: dt.date) -> dt.date:
        if self.is_bound and self.is_valid() and self.cleaned_data["start"]:
            return self.cleaned_data["start"]
        return default


class PlacementAcceptForm(forms.Form):
    """The groups the VA accepts (the proposal ticked in advance), the date range and what to do
    when a session is full."""

    groups: forms.ModelMultipleChoiceField[Group] = forms.ModelMultipleChoiceField(
        label="Groups",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose groups of the client's program."},
    )
    start_date = ScheduleDateField(label="First day")
    end_date = ScheduleDateField(
        label="Last day (optional)",
        required=False,
        help_text="Leave empty to keep the client in these groups until the placement is ended.",
    )
    waitlist_if_full = forms.BooleanField(
        label="Where a session is full, put the client on its waitlist", required=False
    )

    def __init__(self, *args, groups, **kwargs):
        super().__init__(*args, **kwargs)
        choices = cast(forms.ModelMultipleChoiceField, self.fields["groups"])
        choices.queryset = groups
        choices.label_from_instance = lambda group: group.name  # type: ignore[method-assign, assignment]  # a per-field label, as Django allows; mypy refuses assigning to a method

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "groups": list(data["groups"]),
            "start_date": data["start_date"],
            "end_date": data["end_date"],
            "waitlist_if_full": data["waitlist_if_full"],
        }


class PlacementEndForm(forms.Form):
    end_date = ScheduleDateField(
        label="Last day in the group",
        help_text="The client leaves every later session of the group and its waitlists.",
    )

    def __init__(self, *args, placement, organization: Organization, **kwargs):
        # One form per placement on the page: the prefix keeps their ids apart.
        kwargs.setdefault("prefix", f"end-{placement.pk}")
        super().__init__(*args, **kwargs)
        self.placement = placement
        self.fields["end_date"].initial = max(organization.local_today(), placement.start_date)
