"""Serializers of the absence-alert endpoints."""

from __future__ import annotations

from rest_framework import serializers

from ..models import AbsenceAlert, AlertAction


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
