"""Serializers of the review calls API: the call as read (with its earlier times), and the input
of each service call. The services decide (time ahead, length, dial-in, one call per review) and
their refusals come back as 400s with their codes."""

from __future__ import annotations

import datetime as dt

from rest_framework import serializers

from attendance.fields import AwareDateTimeField
from authorizations.models import ReviewCall

from .selectors import CallChange, dial_in_href
from .services import MAX_MINUTES, MIN_MINUTES


class CallChangeSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    moved_from = serializers.DateTimeField(allow_null=True)
    moved_to = serializers.DateTimeField(allow_null=True)
    cancelled = serializers.BooleanField()
    reason = serializers.CharField()


class ReviewCallSerializer(serializers.ModelSerializer):
    ends_at = serializers.SerializerMethodField()
    dial_in_href = serializers.SerializerMethodField()
    changes = serializers.SerializerMethodField()

    class Meta:
        model = ReviewCall
        fields = [
            "id",
            "review",
            "starts_at",
            "ends_at",
            "duration_minutes",
            "dial_in",
            "dial_in_href",
            "reviewer_name",
            "reviewer_reference",
            "participants",
            "status",
            "cancel_reason",
            "changes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_ends_at(self, obj: ReviewCall) -> dt.datetime:
        return obj.starts_at + dt.timedelta(minutes=obj.duration_minutes)

    def get_dial_in_href(self, obj: ReviewCall) -> str:
        return dial_in_href(obj.dial_in)

    def get_changes(self, obj: ReviewCall) -> list[dict]:
        """The earlier times (moves) and the cancellation, oldest first."""
        changes: list[CallChange] = self.context.get("changes", {}).get(obj.pk, [])
        return list(CallChangeSerializer(changes, many=True).data)


class ReviewCallCreateSerializer(serializers.Serializer):
    starts_at = AwareDateTimeField()
    duration_minutes = serializers.IntegerField(default=30, help_text=f"{MIN_MINUTES}–{MAX_MINUTES}.")
    dial_in = serializers.CharField(max_length=300, allow_blank=True)
    reviewer_name = serializers.CharField(max_length=120, required=False, default="", allow_blank=True)
    reviewer_reference = serializers.CharField(max_length=60, required=False, default="", allow_blank=True)
    participants = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)


class ReviewCallRescheduleSerializer(serializers.Serializer):
    starts_at = AwareDateTimeField()
    duration_minutes = serializers.IntegerField(required=False, help_text=f"{MIN_MINUTES}–{MAX_MINUTES}.")
    dial_in = serializers.CharField(max_length=300, required=False, allow_blank=True)
    reviewer_name = serializers.CharField(max_length=120, required=False, allow_blank=True)
    reviewer_reference = serializers.CharField(max_length=60, required=False, allow_blank=True)
    participants = serializers.CharField(max_length=300, required=False, allow_blank=True)


class ReviewCallCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, allow_blank=True)
