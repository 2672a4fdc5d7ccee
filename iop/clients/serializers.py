from __future__ import annotations

from rest_framework import serializers

from iop.common.serializers import TenantScopedPrimaryKeyRelatedField
from iop.tenancy.models import Program

from .models import AvailabilityWindow, Client, Couple, Episode, EpisodeStatus, TherapyTrack, TreatmentPlan
from .services import CLIENT_EDITABLE_FIELDS


class EpisodeSummarySerializer(serializers.ModelSerializer):
    program = serializers.UUIDField(source="program_id", read_only=True)
    program_name = serializers.CharField(source="program.name", read_only=True)

    class Meta:
        model = Episode
        fields = ["id", "program", "program_name", "status", "admission_date", "discharge_date"]
        read_only_fields = fields


class ClientSerializer(serializers.ModelSerializer):
    current_episode = serializers.SerializerMethodField()

    class Meta:
        model = Client
        fields = ["id", *CLIENT_EDITABLE_FIELDS, "reminder_consent_at", "current_episode", "created_at", "updated_at"]
        read_only_fields = ["id", "reminder_consent_at", "current_episode", "created_at", "updated_at"]

    def get_current_episode(self, client: Client) -> dict | None:
        episodes = getattr(client, "episodes_newest_first", None)
        if not episodes:
            return None
        return EpisodeSummarySerializer(episodes[0]).data


class ClientInputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Client
        fields = CLIENT_EDITABLE_FIELDS


class ClientSearchSerializer(serializers.Serializer):
    q = serializers.CharField(max_length=120, help_text="Name, email or phone; sent in the body, never the URL.")


class EpisodeSerializer(serializers.ModelSerializer):
    client = serializers.UUIDField(source="client_id", read_only=True)
    program = serializers.UUIDField(source="program_id", read_only=True)
    allowed_transitions = serializers.SerializerMethodField()

    class Meta:
        model = Episode
        fields = [
            "id",
            "client",
            "program",
            "status",
            "level_of_care",
            "referral_date",
            "admission_date",
            "step_down_date",
            "discharge_date",
            "status_changed_at",
            "allowed_transitions",
            "created_at",
        ]
        read_only_fields = fields

    def get_allowed_transitions(self, episode: Episode) -> list[str]:
        return list(episode.allowed_transitions())


class EpisodeCreateSerializer(serializers.Serializer):
    client = TenantScopedPrimaryKeyRelatedField(queryset=Client.objects, model_name="client")
    program = TenantScopedPrimaryKeyRelatedField(queryset=Program.objects, model_name="program")
    referral_date = serializers.DateField()


class EpisodeTransitionSerializer(serializers.Serializer):
    to_status = serializers.ChoiceField(choices=EpisodeStatus.choices)
    effective_date = serializers.DateField()
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class AvailabilityWindowSerializer(serializers.ModelSerializer):
    class Meta:
        model = AvailabilityWindow
        fields = ["weekday", "start_time", "end_time"]

    def validate(self, attrs):
        if attrs["end_time"] <= attrs["start_time"]:
            raise serializers.ValidationError({"end_time": "Must be after the start time."})
        return attrs


class TreatmentPlanSerializer(serializers.ModelSerializer):
    """`goals` and `emotional_support_animal_note` are clinical content: omitted for roles without
    clinical access (minimum necessary)."""

    episode = serializers.UUIDField(source="episode_id", read_only=True)
    availability = AvailabilityWindowSerializer(many=True, read_only=True)

    CLINICAL_FIELDS = ("goals", "emotional_support_animal_note")

    class Meta:
        model = TreatmentPlan
        fields = [
            "id",
            "episode",
            "required_hours_per_week",
            "required_days_per_week",
            "tracks",
            "goals",
            "emotional_support_animal_note",
            "effective_from",
            "availability",
            "updated_at",
        ]
        read_only_fields = fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not self.context.get("clinical_access", False):
            for name in self.CLINICAL_FIELDS:
                data.pop(name, None)
        return data


class TreatmentPlanInputSerializer(serializers.Serializer):
    required_hours_per_week = serializers.DecimalField(max_digits=4, decimal_places=1, min_value=0, max_value=60)
    required_days_per_week = serializers.IntegerField(min_value=0, max_value=7)
    tracks = serializers.ListField(child=serializers.ChoiceField(choices=TherapyTrack.choices), allow_empty=True)
    goals = serializers.CharField(required=False, allow_blank=True, default="")
    emotional_support_animal_note = serializers.CharField(required=False, allow_blank=True, default="")
    effective_from = serializers.DateField(required=False)
    availability = AvailabilityWindowSerializer(many=True, required=False, default=list)


class TreatmentPlanCreateSerializer(TreatmentPlanInputSerializer):
    episode = TenantScopedPrimaryKeyRelatedField(queryset=Episode.objects, model_name="episode")


class CoupleSerializer(serializers.ModelSerializer):
    partner_a = serializers.UUIDField(source="partner_a_id", read_only=True)
    partner_b = serializers.UUIDField(source="partner_b_id", read_only=True)
    identified_patient = serializers.UUIDField(source="identified_patient_id", read_only=True)

    class Meta:
        model = Couple
        fields = ["id", "partner_a", "partner_b", "identified_patient", "started_on", "ended_on", "created_at"]
        read_only_fields = fields


class CoupleCreateSerializer(serializers.Serializer):
    partner_one = TenantScopedPrimaryKeyRelatedField(queryset=Client.objects, model_name="client")
    partner_two = TenantScopedPrimaryKeyRelatedField(queryset=Client.objects, model_name="client")
    identified_patient = TenantScopedPrimaryKeyRelatedField(
        queryset=Client.objects, model_name="client", required=False, allow_null=True
    )
    started_on = serializers.DateField()


class CoupleEndSerializer(serializers.Serializer):
    ended_on = serializers.DateField()
