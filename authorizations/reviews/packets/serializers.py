"""API shapes for review packets: a review's packet state (readiness, what is missing) and its
submission (channel, reference, by whom, when). No clinical text: the packet's content is in its
PDF, downloaded through the audited endpoint."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from authorizations.models import ConcurrentReview, ReviewPacket

from .checklist import missing_labels


def _name(user) -> str | None:
    return (user.get_full_name() or user.email) if user is not None else None


class PacketStateSerializer(serializers.ModelSerializer):
    ready = serializers.BooleanField(source="is_ready", read_only=True)
    missing_labels = serializers.SerializerMethodField()
    prepared_by = serializers.SerializerMethodField(help_text="Who prepared it; null when the evening job did.")

    class Meta:
        model = ReviewPacket
        fields = ["id", "prepared_at", "prepared_by", "ready", "missing", "missing_labels", "page_count"]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_prepared_by(self, obj: ReviewPacket) -> str | None:
        return _name(obj.prepared_by)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_missing_labels(self, obj: ReviewPacket) -> list[str]:
        return missing_labels(obj.missing)


class SubmissionSerializer(serializers.Serializer):
    request = serializers.UUIDField(source="pk")
    channel = serializers.CharField()
    payer_reference = serializers.CharField()
    submitted_at = serializers.DateTimeField()
    submitted_by = serializers.SerializerMethodField()
    decision_due_at = serializers.DateTimeField(allow_null=True)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_submitted_by(self, obj) -> str | None:
        return _name(obj.submitted_by)


class ReviewPacketSerializer(serializers.ModelSerializer):
    """A review with its packet (null until prepared) and its submission (null until submitted)."""

    review = serializers.UUIDField(source="pk", read_only=True)
    packet = serializers.SerializerMethodField()
    submission = serializers.SerializerMethodField()

    class Meta:
        model = ConcurrentReview
        fields = ["review", "review_date", "status", "submission_due_at", "packet", "submission"]
        read_only_fields = fields

    @extend_schema_field(PacketStateSerializer(allow_null=True))
    def get_packet(self, obj: ConcurrentReview) -> dict | None:
        packet = getattr(obj, "packet", None)
        return PacketStateSerializer(packet).data if packet is not None else None

    @extend_schema_field(SubmissionSerializer(allow_null=True))
    def get_submission(self, obj: ConcurrentReview) -> dict | None:
        request = obj.request
        if request is None or request.submitted_at is None:
            return None
        return SubmissionSerializer(request).data
