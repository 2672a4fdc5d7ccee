"""Serializers of the weekly-hours and hours-flag endpoints (hours as decimals with one place,
like payers state them)."""

from __future__ import annotations

from rest_framework import serializers

from iop.clients.models import Episode

from ..fields import HoursField
from ..models import PaceState, ThresholdFlag
from .requirements import RequirementSource


class WeekSerializer(serializers.Serializer):
    """One week of an episode (`attendance.hours.selectors.WeekSummary`)."""

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
