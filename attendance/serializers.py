"""Serializers of the attendance API. Output serializers are read-only views of records, weeks,
flags and alerts (hours as decimals with one place, like payers state them); input serializers
check the shape of a request for one service call — the services decide the rest.

`AttendanceRecordSerializer` is both the record in answers and one line of a roll call in the
request body (its writable fields), so the schema has one `AttendanceRecord` and its request form.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework import serializers

from iop.clients.models import Episode
from iop.common.units import hours
from scheduling.models import RosterEntry, RosterStatus, Session

from .models import AbsenceAlert, AlertAction, AttendanceRecord, PaceState, ThresholdFlag
from .requirements import RequirementSource

# A roll call is one session's roster (capacity at most 100) plus walk-ins.
MAX_ROLL_CALL_LINES = 200


class AwareDateTimeField(serializers.DateTimeField):
    """An instant: ISO 8601 with its UTC offset. A time without an offset is refused rather than
    read in the server's zone (which is not the organization's)."""

    default_error_messages = {"naive": "Include the UTC offset, e.g. 2026-03-02T09:05:00-05:00."}

    def to_internal_value(self, value):
        parsed = value
        if isinstance(value, str):
            try:
                parsed = parse_datetime(value.strip())
            except ValueError:
                parsed = None
        if isinstance(parsed, dt.datetime) and timezone.is_naive(parsed):
            self.fail("naive")
        return super().to_internal_value(value)


class HoursField(serializers.DecimalField):
    """Minutes shown as hours to one decimal (the `source` is a number of minutes)."""

    def __init__(self, **kwargs):
        super().__init__(max_digits=6, decimal_places=1, read_only=True, **kwargs)

    def to_representation(self, value):
        return super().to_representation(hours(value))


# --- Records -------------------------------------------------------------------------------------


class AttendanceRecordSerializer(serializers.ModelSerializer):
    """A client's attendance at one session. As a roll-call line only `roster_entry`, `status`,
    the times, `absence_reason` and `note` are read; the minutes are computed."""

    roster_entry = serializers.UUIDField(source="roster_entry_id")
    session = serializers.UUIDField(source="session_id", read_only=True)
    group_name = serializers.CharField(source="session.group.name", read_only=True)
    local_date = serializers.DateField(source="session.local_date", read_only=True)
    episode = serializers.UUIDField(source="episode_id", read_only=True)
    client = serializers.UUIDField(source="episode.client_id", read_only=True)
    arrived_at = AwareDateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="With its UTC offset; null is the session's start. Ignored (stored null) for an absence.",
    )
    departed_at = AwareDateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="With its UTC offset; null is the session's end. Ignored (stored null) for an absence.",
    )
    updated_by_name = serializers.CharField(
        source="updated_by.get_full_name", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = AttendanceRecord
        fields = [
            "id",
            "roster_entry",
            "session",
            "group_name",
            "local_date",
            "episode",
            "client",
            "status",
            "arrived_at",
            "departed_at",
            "attended_minutes",
            "counted_minutes",
            "absence_reason",
            "note",
            "is_late_entry",
            "recorded_at",
            "updated_at",
            "updated_by_name",
        ]
        read_only_fields = [
            "id",
            "attended_minutes",
            "counted_minutes",
            "is_late_entry",
            "recorded_at",
            "updated_at",
        ]
        extra_kwargs = {
            "absence_reason": {"required": False, "default": ""},
            "note": {"required": False, "default": ""},
        }


class RollCallEntrySerializer(serializers.ModelSerializer):
    """A client seated in the session (or taken off it after attendance was recorded), with their
    record or null."""

    roster_entry = serializers.UUIDField(source="id", read_only=True)
    episode = serializers.UUIDField(source="episode_id", read_only=True)
    client = serializers.UUIDField(source="episode.client_id", read_only=True)
    roster_status = serializers.ChoiceField(source="status", choices=RosterStatus.choices, read_only=True)
    record = AttendanceRecordSerializer(source="attendance", read_only=True, allow_null=True)

    class Meta:
        model = RosterEntry
        fields = ["roster_entry", "episode", "client", "roster_status", "source", "record"]
        read_only_fields = fields


class RollCallSerializer(serializers.ModelSerializer):
    """A session's roll call: the session and every client on it with their attendance."""

    session = serializers.UUIDField(source="id", read_only=True)
    group = serializers.UUIDField(source="group_id", read_only=True)
    group_name = serializers.CharField(source="group.name", read_only=True)
    counts_toward_hours = serializers.BooleanField(source="group.group_type.counts_toward_hours", read_only=True)
    entries = RollCallEntrySerializer(source="roll_call_entries", many=True, read_only=True)

    class Meta:
        model = Session
        fields = [
            "session",
            "group",
            "group_name",
            "counts_toward_hours",
            "local_date",
            "starts_at",
            "ends_at",
            "status",
            "entries",
        ]
        read_only_fields = fields


class RollCallSaveSerializer(serializers.Serializer):
    """The bulk upsert: one line per client to record or correct. Clients left out are untouched."""

    records = AttendanceRecordSerializer(many=True, allow_empty=False, max_length=MAX_ROLL_CALL_LINES)


class RollCallSavedSerializer(serializers.Serializer):
    created = serializers.IntegerField(help_text="Records created by this request.")
    updated = serializers.IntegerField(help_text="Records changed by this request.")
    unchanged = serializers.IntegerField(help_text="Lines equal to what was already stored: nothing changed.")
    clamped = serializers.ListField(
        child=serializers.UUIDField(),
        help_text="Roster entries whose times lie outside the session: kept as sent, counted within it.",
    )
    records = AttendanceRecordSerializer(many=True, help_text="The records of the request's lines, in its order.")


# --- Weekly hours --------------------------------------------------------------------------------


class WeekSerializer(serializers.Serializer):
    """One week of an episode (`attendance.selectors.WeekSummary`)."""

    week_start = serializers.DateField()
    week_end = serializers.DateField()
    scheduled_hours = HoursField(source="scheduled_minutes", help_text="Booked sessions that count toward hours.")
    attended_hours = HoursField(source="attended_minutes")
    required_hours = HoursField(source="requirement.minutes_per_week")
    required_days = serializers.IntegerField(source="requirement.days_per_week")
    requirement_source = serializers.ChoiceField(
        source="requirement.source", choices=list(RequirementSource.LABELS.items())
    )
    days_attended = serializers.SerializerMethodField()
    remaining_hours = HoursField(source="remaining_minutes", help_text="Booked sessions not recorded yet.")
    state = serializers.ChoiceField(choices=PaceState.choices)
    closed = serializers.BooleanField(help_text="The week is over.")
    evaluable = serializers.BooleanField(
        help_text="False for the admission week and earlier, and for episodes not in active care: no flags are"
        " raised for it."
    )

    def get_days_attended(self, week) -> int:
        return len(week.attended_days)


class WeeklyHoursSerializer(serializers.ModelSerializer):
    """An episode's weeks, newest first: this week and the past weeks since admission."""

    episode = serializers.UUIDField(source="id", read_only=True)
    client = serializers.UUIDField(source="client_id", read_only=True)
    weeks = WeekSerializer(many=True, read_only=True)

    class Meta:
        model = Episode
        fields = ["episode", "client", "status", "admission_date", "weeks"]
        read_only_fields = fields


class WeeklyHoursQuerySerializer(serializers.Serializer):
    weeks = serializers.IntegerField(
        min_value=1, max_value=52, default=8, help_text="How many weeks, this week included (not before admission)."
    )


# --- Flags and alerts ----------------------------------------------------------------------------


class ThresholdFlagSerializer(serializers.ModelSerializer):
    episode = serializers.UUIDField(source="episode_id", read_only=True)
    client = serializers.UUIDField(source="episode.client_id", read_only=True)
    required_hours = HoursField(source="required_minutes")
    attended_hours = HoursField(source="attended_minutes")
    remaining_hours = HoursField(source="remaining_minutes")
    requirement_source = serializers.ChoiceField(choices=list(RequirementSource.LABELS.items()), read_only=True)
    resolved_by_name = serializers.CharField(
        source="resolved_by.get_full_name", read_only=True, allow_null=True, default=None
    )
    is_open = serializers.BooleanField(read_only=True)

    class Meta:
        model = ThresholdFlag
        fields = [
            "id",
            "episode",
            "client",
            "week_start",
            "state",
            "required_hours",
            "required_days",
            "attended_hours",
            "days_attended",
            "remaining_hours",
            "requirement_source",
            "raised_at",
            "is_open",
            "resolved_at",
            "resolved_by_name",
            "resolution",
        ]
        read_only_fields = fields


class FlagResolveSerializer(serializers.Serializer):
    resolution = serializers.CharField(max_length=300, help_text="What was done about it.")


class AbsenceAlertSerializer(serializers.ModelSerializer):
    episode = serializers.UUIDField(source="episode_id", read_only=True)
    client = serializers.UUIDField(source="episode.client_id", read_only=True)
    record = serializers.UUIDField(source="record_id", read_only=True, help_text="The absence that completed it.")
    session = serializers.UUIDField(source="record.session_id", read_only=True)
    local_date = serializers.DateField(source="record.session.local_date", read_only=True)
    group_name = serializers.CharField(source="record.session.group.name", read_only=True)
    acknowledged_by_name = serializers.CharField(
        source="acknowledged_by.get_full_name", read_only=True, allow_null=True, default=None
    )
    is_open = serializers.BooleanField(read_only=True)

    class Meta:
        model = AbsenceAlert
        fields = [
            "id",
            "episode",
            "client",
            "kind",
            "summary",
            "record",
            "session",
            "local_date",
            "group_name",
            "raised_at",
            "is_open",
            "acknowledged_at",
            "acknowledged_by_name",
            "action_taken",
            "action_note",
        ]
        read_only_fields = fields


class AlertAcknowledgeSerializer(serializers.Serializer):
    action_taken = serializers.ChoiceField(choices=AlertAction.choices)
    note = serializers.CharField(
        max_length=500, required=False, allow_blank=True, default="", help_text="Required for “other”."
    )
