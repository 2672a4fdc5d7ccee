"""Serializers of the denials & appeals API. Output: a case with its clocks, next step,
peer-to-peers and appeals. Input serializers check the shape of one service call; the services
decide the rest and refuse with their codes (400, `code`).

The denial's reason and the appeal letters are clinical: left out for roles that do not read
clinical content (`clinical_access` in the context)."""

from __future__ import annotations

from rest_framework import serializers

from attendance.fields import AwareDateTimeField
from authorizations.appeals import selectors
from authorizations.models import (
    Appeal,
    AppealLevel,
    AppealOutcome,
    CaseStatus,
    DenialCase,
    PeerToPeer,
    PeerToPeerOutcome,
    PeerToPeerStatus,
    SubmissionChannel,
)
from iop.accounts.models import User


class PeerToPeerSerializer(serializers.ModelSerializer):
    clinician: serializers.PrimaryKeyRelatedField = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = PeerToPeer
        fields = ["id", "case", "scheduled_at", "clinician", "payer_physician", "dial_in", "status", "outcome", "notes"]
        read_only_fields = fields


class AppealSerializer(serializers.ModelSerializer):
    class Meta:
        model = Appeal
        fields = [
            "id",
            "case",
            "level",
            "expedited",
            "filing_due_at",
            "filed_at",
            "channel",
            "reference",
            "decision_due_at",
            "letter",
            "outcome",
            "decided_at",
            "outcome_note",
        ]
        read_only_fields = fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not self.context.get("clinical_access", False):
            data.pop("letter", None)
        return data


class ClockSerializer(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field named like Field.label
    due_at = serializers.DateTimeField()


class DenialCaseSerializer(serializers.ModelSerializer):
    client = serializers.UUIDField(source="episode.client_id", read_only=True)
    request = serializers.UUIDField(source="determination.request_id", read_only=True)
    regime_name = serializers.CharField(source="regime.name", read_only=True, default="")
    peer_to_peers = PeerToPeerSerializer(many=True, read_only=True)
    appeals = serializers.SerializerMethodField()
    clocks = serializers.SerializerMethodField()
    next_step = serializers.SerializerMethodField()

    class Meta:
        model = DenialCase
        fields = [
            "id",
            "client",
            "episode",
            "determination",
            "request",
            "authorization",
            "regime",
            "regime_name",
            "status",
            "letter_received_at",
            "denied_from",
            "denied_to",
            "denied_units",
            "reason",
            "criteria_cited",
            "expedited",
            "p2p_due_at",
            "closed_at",
            "outcome_note",
            "clocks",
            "next_step",
            "peer_to_peers",
            "appeals",
        ]
        read_only_fields = fields

    def get_appeals(self, case) -> list[dict]:
        return list(AppealSerializer(case.appeals.all(), many=True, context=self.context).data)

    def get_clocks(self, case) -> list[dict]:
        return list(ClockSerializer(selectors.case_clocks(case), many=True).data)

    def get_next_step(self, case) -> dict:
        step = selectors.case_next_step(case)
        return {"text": step.text, "link": step.link}

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not self.context.get("clinical_access", False):
            data.pop("reason", None)
        return data


# --- Input ----------------------------------------------------------------------------------------------


class DenialUpdateSerializer(serializers.Serializer):
    letter_received_at = AwareDateTimeField()
    reason = serializers.CharField()
    denied_from = serializers.DateField(required=False, allow_null=True, default=None)
    denied_to = serializers.DateField(required=False, allow_null=True, default=None)
    denied_units = serializers.IntegerField(required=False, allow_null=True, default=None)
    criteria_cited = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    expedited = serializers.BooleanField(required=False, default=False)


class P2PScheduleSerializer(serializers.Serializer):
    scheduled_at = AwareDateTimeField()
    clinician = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="A clinician of the organization (default: the episode's primary clinician).",
    )
    payer_physician = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    dial_in = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class P2PRescheduleSerializer(serializers.Serializer):
    scheduled_at = AwareDateTimeField()
    payer_physician = serializers.CharField(max_length=120, required=False, allow_null=True, default=None)
    dial_in = serializers.CharField(max_length=300, required=False, allow_null=True, default=None)


class P2POutcomeSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[c for c in PeerToPeerStatus.choices if c[0] != PeerToPeerStatus.SCHEDULED]
    )
    outcome = serializers.ChoiceField(choices=PeerToPeerOutcome.choices, required=False, allow_blank=True, default="")
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class AppealLetterSerializer(serializers.Serializer):
    letter = serializers.CharField()
    expedited = serializers.BooleanField(required=False, allow_null=True, default=None)


class AppealFileSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=SubmissionChannel.choices)
    reference = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    filed_at = AwareDateTimeField(required=False, allow_null=True, default=None)
    level = serializers.ChoiceField(choices=AppealLevel.choices, required=False, allow_null=True, default=None)
    letter = serializers.CharField(required=False, allow_null=True, default=None)
    expedited = serializers.BooleanField(required=False, allow_null=True, default=None)


class AppealOutcomeSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=[c for c in AppealOutcome.choices if c[0] != AppealOutcome.PENDING])
    decided_at = AwareDateTimeField(required=False, allow_null=True, default=None)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class CaseCloseSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=[c for c in CaseStatus.choices if c[0] != CaseStatus.OPEN])
    note = serializers.CharField(required=False, allow_blank=True, default="")
