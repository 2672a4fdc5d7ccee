"""Serializers of the reviews API: a review (clinical fields only for roles that read clinical
content), and the inputs that change one — clinical fields, scheduling, a moved date, the outcome."""

from __future__ import annotations

from rest_framework import serializers

from authorizations.models import ConcurrentReview, SubmissionChannel
from authorizations.reviews.selectors import next_call, packet_state
from authorizations.reviews.services.clinical import CLINICAL_FIELDS
from authorizations.reviews.services.outcomes import ReviewOutcome
from iop.tenancy.models import LevelOfCare


class ReviewSerializer(serializers.ModelSerializer):
    """A review: its authorization, client, payer, clinician, dates, the next scheduled call and
    the packet's readiness; with `progress_since_last_review`, `risk_note`, `medications_note`,
    `standardized_scores`, `discharge_plan` and `criteria_cited` for clinical roles only."""

    authorization = serializers.UUIDField(source="authorization_id", read_only=True)
    authorization_number = serializers.CharField(source="authorization.number", read_only=True)
    episode = serializers.UUIDField(source="episode_id", read_only=True)
    client = serializers.UUIDField(source="episode.client_id", read_only=True)
    payer_name = serializers.CharField(source="authorization.coverage.payer.name", read_only=True)
    clinician = serializers.IntegerField(source="clinician_id", read_only=True, allow_null=True)
    request = serializers.UUIDField(source="request_id", read_only=True, allow_null=True)
    call = serializers.SerializerMethodField()
    packet = serializers.SerializerMethodField()

    class Meta:
        model = ConcurrentReview
        fields = [
            "id",
            "authorization",
            "authorization_number",
            "episode",
            "client",
            "payer_name",
            "review_date",
            "status",
            "clinician",
            "submission_due_at",
            "request",
            "call",
            "packet",
            *CLINICAL_FIELDS,
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_call(self, obj) -> dict | None:
        call = next_call(obj)
        if call is None:
            return None
        return {
            "id": str(call.pk),
            "starts_at": call.starts_at,
            "reviewer_name": call.reviewer_name,
            "dial_in": call.dial_in,
        }

    def get_packet(self, obj) -> dict:
        state = packet_state(obj)
        return {"state": state.state, "missing": list(state.missing), "label": state.label}

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not self.context.get("show_clinical"):
            for name in CLINICAL_FIELDS:
                data.pop(name, None)
        return data


class ScoreSerializer(serializers.Serializer):
    instrument = serializers.CharField(max_length=40)
    score = serializers.DecimalField(max_digits=7, decimal_places=2)
    date = serializers.DateField()


class ReviewClinicalSerializer(serializers.Serializer):
    progress_since_last_review = serializers.CharField(required=False, allow_blank=True)
    risk_note = serializers.CharField(required=False, allow_blank=True)
    medications_note = serializers.CharField(required=False, allow_blank=True)
    standardized_scores = serializers.ListField(child=serializers.DictField(), required=False, max_length=20)
    discharge_plan = serializers.CharField(required=False, allow_blank=True)
    criteria_cited = serializers.CharField(required=False, allow_blank=True, max_length=120)


class ReviewScheduleSerializer(serializers.Serializer):
    authorization = serializers.UUIDField()
    review_date = serializers.DateField(required=False, allow_null=True, help_text="The payer's date, if it gave one.")


class ReviewMoveSerializer(serializers.Serializer):
    review_date = serializers.DateField()


class OutcomeLineSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=10)
    units = serializers.IntegerField(min_value=1)
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    unit_type = serializers.CharField(required=False, allow_blank=True, default="")


class ReviewOutcomeSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=ReviewOutcome.choices)
    lines = OutcomeLineSerializer(many=True, required=False)
    authorization_number = serializers.CharField(required=False, allow_blank=True, max_length=60, default="")
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    reason_code = serializers.CharField(required=False, allow_blank=True, max_length=3, default="")
    administrative_reference = serializers.CharField(required=False, allow_blank=True, max_length=60, default="")
    recommended_level_of_care = serializers.ChoiceField(
        choices=LevelOfCare.choices, required=False, allow_blank=True, default=""
    )
    next_review_date = serializers.DateField(required=False, allow_null=True, default=None)
    information_due = serializers.DateField(required=False, allow_null=True, default=None)
    decided_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    channel = serializers.ChoiceField(
        choices=SubmissionChannel.choices, required=False, default=SubmissionChannel.PHONE
    )
    payer_reference = serializers.CharField(required=False, allow_blank=True, max_length=60, default="")
