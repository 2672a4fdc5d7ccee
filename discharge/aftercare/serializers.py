"""Serializers of the aftercare API: the directory's providers, appointments and follow-up checks
as read, and the input of each service call. The services decide (provider active, level offered,
time ahead and after the last day…); their refusals come back as 400s with their codes."""

from __future__ import annotations

from rest_framework import serializers

from attendance.fields import AwareDateTimeField
from discharge.models import AftercareAppointment, AftercareLevel, AftercareProvider, FollowUpCheck, FollowUpOutcome


class AftercareProviderSerializer(serializers.ModelSerializer):
    payers_accepted = serializers.SerializerMethodField()

    class Meta:
        model = AftercareProvider
        fields = [
            "id",
            "name",
            "npi",
            "phone",
            "fax",
            "email",
            "address",
            "levels_of_care",
            "payers_accepted",
            "accepts_new_clients",
            "is_active",
            "notes",
        ]
        read_only_fields = fields

    def get_payers_accepted(self, obj: AftercareProvider) -> list[str]:
        """The ids of the payers accepted (prefetched)."""
        return [str(p.pk) for p in obj.payers_accepted.all()]


class AftercareProviderInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=160, allow_blank=True)
    npi = serializers.CharField(max_length=10, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    fax = serializers.CharField(max_length=32, required=False, allow_blank=True)
    email = serializers.CharField(max_length=254, required=False, allow_blank=True)
    address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    levels_of_care = serializers.ListField(
        child=serializers.ChoiceField(choices=AftercareLevel.choices), required=False
    )
    payers_accepted = serializers.ListField(child=serializers.UUIDField(), required=False)
    accepts_new_clients = serializers.BooleanField(required=False)
    is_active = serializers.BooleanField(required=False)
    notes = serializers.CharField(required=False, allow_blank=True)


class AftercareAppointmentSerializer(serializers.ModelSerializer):
    episode = serializers.UUIDField(source="plan.episode_id", read_only=True)
    provider_name = serializers.CharField(source="provider.name", read_only=True)
    provider_phone = serializers.CharField(source="provider.phone", read_only=True)

    class Meta:
        model = AftercareAppointment
        fields = [
            "id",
            "plan",
            "episode",
            "provider",
            "provider_name",
            "provider_phone",
            "starts_at",
            "level_of_care",
            "confirmed",
            "confirmation_number",
            "status",
            "outcome_recorded_at",
            "note",
            "created_at",
        ]
        read_only_fields = fields


class AppointmentBookSerializer(serializers.Serializer):
    episode = serializers.UUIDField(help_text="The episode whose transition plan the appointment is for.")
    provider = serializers.UUIDField()
    starts_at = AwareDateTimeField()
    level_of_care = serializers.ChoiceField(choices=AftercareLevel.choices, required=False, default="")
    confirmed = serializers.BooleanField(required=False, default=False)
    confirmation_number = serializers.CharField(max_length=60, required=False, default="", allow_blank=True)
    note = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)


class AppointmentRescheduleSerializer(serializers.Serializer):
    starts_at = AwareDateTimeField()
    confirmed = serializers.BooleanField(required=False)
    confirmation_number = serializers.CharField(max_length=60, required=False, allow_blank=True)


class AppointmentCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, allow_blank=True)


class AppointmentOutcomeSerializer(serializers.Serializer):
    outcome = serializers.CharField(max_length=12, help_text="kept or missed")
    note = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)


class FollowUpCheckSerializer(serializers.ModelSerializer):
    episode = serializers.UUIDField(source="plan.episode_id", read_only=True)

    class Meta:
        model = FollowUpCheck
        fields = ["id", "plan", "episode", "days", "due_date", "raised_at", "outcome", "checked_at", "note"]
        read_only_fields = fields


class FollowUpRecordSerializer(serializers.Serializer):
    outcome = serializers.CharField(
        max_length=12, help_text=f"One of {', '.join(v for v in FollowUpOutcome.values if v != 'pending')}."
    )
    note = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)
