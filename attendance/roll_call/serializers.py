"""Serializers of the roll-call endpoints. Output serializers are read-only views of a session's
roll call and its records; input serializers check the shape of a request for one service call —
the services decide the rest.

`AttendanceRecordSerializer` is both the record in answers and one line of a roll call in the
request body (its writable fields), so the schema has one `AttendanceRecord` and its request form.
"""

from __future__ import annotations

from rest_framework import serializers

from scheduling.models import RosterEntry, RosterStatus, Session

from ..fields import AwareDateTimeField
from ..models import AttendanceRecord

# A roll call is one session's roster (capacity at most 100) plus walk-ins.
MAX_ROLL_CALL_LINES = 200


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

    # With many=True, max_length is the ListSerializer's; the stubs check it against the child serializer.
    records = AttendanceRecordSerializer(many=True, allow_empty=False, max_length=MAX_ROLL_CALL_LINES)  # type: ignore[call-arg]


class RollCallSavedSerializer(serializers.Serializer):
    created = serializers.IntegerField(help_text="Records created by this request.")
    updated = serializers.IntegerField(help_text="Records changed by this request.")
    unchanged = serializers.IntegerField(help_text="Lines equal to what was already stored: nothing changed.")
    clamped = serializers.ListField(
        child=serializers.UUIDField(),
        help_text="Roster entries whose times lie outside the session: kept as sent, counted within it.",
    )
    records = AttendanceRecordSerializer(many=True, help_text="The records of the request's lines, in its order.")
