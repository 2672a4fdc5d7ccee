"""Serializers of the requests API. Output serializers are read-only views of requests (with their
diagnoses, itemized lines, totals, missing items and determinations), packets and determinations;
input serializers check the shape of one service call — the services decide the rest (units ≥ 1,
ICD-10 format, dates within the window, whose coverage), and their refusals come back as 400s
naming the field.

Clinical content (diagnoses, justification, summary, ESA note, joint goals) is left out of the
answers for roles that do not read clinical content (`clinical_access` in the context)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from attendance.fields import AwareDateTimeField
from authorizations.models import (
    AuthorizationRequest,
    CertificationType,
    Coverage,
    Determination,
    DeterminationAction,
    Diagnosis,
    RequestAttachment,
    RequestPacket,
    ServiceLine,
    ServiceTrack,
    SubmissionChannel,
    UnitType,
    Urgency,
)
from authorizations.requests.services.determinations import ApprovedLine
from authorizations.requests.services.drafting import OTHER_COMPONENTS, attachment_validator
from authorizations.requests.services.x12_278 import MAX_278_CHARS
from authorizations.units.serializers import AuthorizationLineSerializer
from iop.clients.models import Couple, Episode
from iop.common.serializers import TenantScopedPrimaryKeyRelatedField

CLINICAL_FIELDS = (
    "diagnoses",
    "why_not_lower_level",
    "why_not_higher_level",
    "clinical_summary",
    "emotional_support_animal_note",
    "joint_goals",
)


def _without_clinical(data: dict, context: Mapping[str, Any]) -> dict:
    if context.get("clinical_access", False):
        return data
    return {k: v for k, v in data.items() if k not in CLINICAL_FIELDS}


# --- Output ---------------------------------------------------------------------------------------------


class DiagnosisSerializer(serializers.ModelSerializer):
    class Meta:
        model = Diagnosis
        fields = ["id", "code", "description", "sequence"]
        read_only_fields = fields


class ServiceLineSerializer(serializers.ModelSerializer):
    # Named `service_track` (not `track`): the treatment plan's `track` is a different choice set.
    service_track = serializers.ChoiceField(source="track", choices=ServiceTrack.choices, read_only=True)
    projected_cost = serializers.DecimalField(
        max_digits=11,
        decimal_places=2,
        allow_null=True,
        read_only=True,
        help_text="Sessions × units × the payer's rate on the line's start; null when no fee is on file.",
    )

    class Meta:
        model = ServiceLine
        fields = [
            "id",
            "service_track",
            "code_system",
            "code",
            "description",
            "unit_type",
            "units",
            "frequency_per_week",
            "start_date",
            "end_date",
            "estimated_sessions",
            "unit_rate",
            "projected_cost",
        ]
        read_only_fields = fields


class TotalsSerializer(serializers.Serializer):
    sessions = serializers.IntegerField()
    units = serializers.IntegerField()
    projected_cost = serializers.DecimalField(max_digits=12, decimal_places=2)
    lines_without_fee = serializers.IntegerField(help_text="Lines left out of the cost: no fee on file.")


class DeterminationSerializer(serializers.ModelSerializer):
    request = serializers.UUIDField(source="request_id", read_only=True)
    client = serializers.UUIDField(source="request.episode.client_id", read_only=True)
    authorization = serializers.SerializerMethodField()
    lines = AuthorizationLineSerializer(
        source="approved_lines", many=True, read_only=True, help_text="The lines this decision approved."
    )

    class Meta:
        model = Determination
        fields = [
            "id",
            "request",
            "client",
            "action",
            "authorization_number",
            "approved_code",
            "approved_units",
            "unit_type",
            "start_date",
            "end_date",
            "reason",
            "reason_code",
            "administrative_reference",
            "recommended_level_of_care",
            "next_review_date",
            "decided_at",
            "recorded_at",
            "authorization",
            "lines",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.UUIDField(allow_null=True))
    def get_authorization(self, obj) -> str | None:
        """The authorization it created, or the one it extended (a renewal under the same number)."""
        authorization = getattr(obj, "authorization", None)
        if authorization is not None:
            return str(authorization.pk)
        line = next(iter(obj.approved_lines.all()), None)
        return str(line.authorization_id) if line is not None else None


class AuthorizationRequestSerializer(serializers.ModelSerializer):
    client = serializers.UUIDField(source="episode.client_id", read_only=True)
    payer = serializers.CharField(source="coverage.payer.name", read_only=True)
    diagnoses = DiagnosisSerializer(many=True, read_only=True)
    lines = ServiceLineSerializer(many=True, read_only=True)
    determinations = DeterminationSerializer(many=True, read_only=True)
    totals = serializers.SerializerMethodField()
    missing = serializers.SerializerMethodField()
    warnings = serializers.SerializerMethodField()
    other_components = serializers.ListField(
        child=serializers.ChoiceField(choices=list(OTHER_COMPONENTS.items())), read_only=True
    )

    class Meta:
        model = AuthorizationRequest
        fields = [
            "id",
            "episode",
            "client",
            "coverage",
            "payer",
            "packet",
            "status",
            "certification_type",
            "urgency",
            "level_of_care",
            "start_date",
            "end_date",
            "why_not_lower_level",
            "why_not_higher_level",
            "clinical_summary",
            "emotional_support_animal_note",
            "other_components",
            "channel",
            "payer_reference",
            "submitted_at",
            "decision_due_at",
            "information_requested",
            "information_due",
            "diagnoses",
            "lines",
            "totals",
            "missing",
            "warnings",
            "determinations",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def _view(self, obj):
        return self.context.get("views", {}).get(obj.pk)

    @extend_schema_field(TotalsSerializer)
    def get_totals(self, obj) -> dict:
        from authorizations.requests.selectors import request_totals

        view = self._view(obj)
        totals = view.totals if view is not None else request_totals(list(obj.lines.all()))
        return TotalsSerializer(totals).data

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_missing(self, obj) -> list[str]:
        """Every item that blocks submission, each a sentence (empty: complete)."""
        view = self._view(obj)
        return view.check.problems if view is not None else []

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_warnings(self, obj) -> list[str]:
        view = self._view(obj)
        return view.check.warnings if view is not None else []

    def to_representation(self, instance):
        return _without_clinical(super().to_representation(instance), self.context)


class RequestPacketSerializer(serializers.ModelSerializer):
    requests = AuthorizationRequestSerializer(many=True, read_only=True)
    partner_a = serializers.UUIDField(source="couple.partner_a_id", read_only=True)
    partner_b = serializers.UUIDField(source="couple.partner_b_id", read_only=True)
    identified_patient = serializers.UUIDField(source="couple.identified_patient_id", read_only=True)

    class Meta:
        model = RequestPacket
        fields = [
            "id",
            "couple",
            "partner_a",
            "partner_b",
            "identified_patient",
            "joint_goals",
            "requests",
            "created_at",
        ]
        read_only_fields = fields

    def to_representation(self, instance):
        return _without_clinical(super().to_representation(instance), self.context)


# --- Input ---------------------------------------------------------------------------------------------


class RequestCreateSerializer(serializers.Serializer):
    episode = TenantScopedPrimaryKeyRelatedField(queryset=Episode.objects, model_name="episode")
    coverage = TenantScopedPrimaryKeyRelatedField(
        queryset=Coverage.objects, model_name="coverage", help_text="One of the episode's client's own coverages."
    )
    start_date = serializers.DateField(required=False, allow_null=True, default=None, help_text="Default: today.")
    urgency = serializers.ChoiceField(choices=Urgency.choices, default=Urgency.STANDARD)
    certification_type = serializers.ChoiceField(choices=CertificationType.choices, default=CertificationType.INITIAL)


class RequestUpdateSerializer(serializers.Serializer):
    start_date = serializers.DateField(required=False)
    end_date = serializers.DateField(required=False)
    urgency = serializers.ChoiceField(choices=Urgency.choices, required=False)
    certification_type = serializers.ChoiceField(choices=CertificationType.choices, required=False)
    why_not_lower_level = serializers.CharField(required=False, allow_blank=True)
    why_not_higher_level = serializers.CharField(required=False, allow_blank=True)
    clinical_summary = serializers.CharField(required=False, allow_blank=True)
    emotional_support_animal_note = serializers.CharField(required=False, allow_blank=True)
    other_components = serializers.ListField(
        child=serializers.ChoiceField(choices=list(OTHER_COMPONENTS.items())), required=False
    )


class DiagnosisInputSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=12, help_text="ICD-10-CM, e.g. F33.1 (F331 is read as F33.1).")
    description = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class DiagnosisOrderSerializer(serializers.Serializer):
    order = serializers.ListField(
        child=serializers.UUIDField(), help_text="Every diagnosis id of the request once, the primary first."
    )


class LineInputSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=10, help_text="A code of the organization's list (e.g. 90853).")
    units = serializers.IntegerField(help_text="Units a session; at least 1.")
    frequency_per_week = serializers.DecimalField(max_digits=4, decimal_places=1, help_text="More than 0, up to 14.")
    start_date = serializers.DateField(required=False, allow_null=True, default=None)
    end_date = serializers.DateField(required=False, allow_null=True, default=None)
    service_track = serializers.ChoiceField(
        choices=ServiceTrack.choices, required=False, help_text="Default: the code's track."
    )
    description = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class AttachmentInputSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="PDF, image (PNG, JPEG, TIFF) or Word document (.docx), up to 10 MB; a damaged, "
        "encrypted or over-expanding (zip bomb) document is refused.",
        validators=[attachment_validator],
    )


class RequestAttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = RequestAttachment
        fields = ["id", "name", "content_type", "size", "uploaded_at"]
        read_only_fields = fields


class LineUpdateSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=10, required=False)
    units = serializers.IntegerField(required=False)
    frequency_per_week = serializers.DecimalField(max_digits=4, decimal_places=1, required=False)
    start_date = serializers.DateField(required=False)
    end_date = serializers.DateField(required=False)
    service_track = serializers.ChoiceField(choices=ServiceTrack.choices, required=False)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)


class SubmitSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=SubmissionChannel.choices)
    payer_reference = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    submitted_at = AwareDateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="When the request went to the payer (not in the future, not before it was created). Default: now.",
    )


class PendSerializer(serializers.Serializer):
    information_requested = serializers.CharField()
    information_due = serializers.DateField()


class ApprovedLineInputSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=10)
    units = serializers.IntegerField(help_text="Units approved over the line's window (at least 1).")
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    unit_type = serializers.CharField(
        max_length=16, required=False, allow_blank=True, default="", help_text="Default: the request line's."
    )
    frequency_per_week = serializers.DecimalField(
        max_digits=4, decimal_places=1, required=False, allow_null=True, default=None
    )
    service_line_id = serializers.UUIDField(
        required=False, allow_null=True, default=None, help_text="The request line it answers (default: by code)."
    )

    def to_internal_value(self, data):
        return ApprovedLine(**super().to_internal_value(data))


class DeterminationInputSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=DeterminationAction.choices, help_text="X12 278 HCR01.")
    authorization_number = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    approved_code = serializers.CharField(max_length=10, required=False, allow_blank=True, default="")
    approved_units = serializers.IntegerField(required=False, allow_null=True, default=None)
    unit_type = serializers.ChoiceField(choices=UnitType.choices, required=False, allow_blank=True, default="")
    start_date = serializers.DateField(required=False, allow_null=True, default=None)
    end_date = serializers.DateField(required=False, allow_null=True, default=None)
    lines = ApprovedLineInputSerializer(
        many=True,
        required=False,
        default=list,
        help_text="One per approved code (a 278 response's service lines). Without it an approval is one line "
        "from approved_code, approved_units, unit_type and the dates.",
    )
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    reason_code = serializers.CharField(max_length=3, required=False, allow_blank=True, default="", help_text="HCR03.")
    administrative_reference = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    recommended_level_of_care = serializers.CharField(max_length=8, required=False, allow_blank=True, default="")
    next_review_date = serializers.DateField(required=False, allow_null=True, default=None)
    information_due = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="When the requested information is due: required for A4 (the reason says what is asked).",
    )
    decided_at = AwareDateTimeField(required=False, allow_null=True, default=None, help_text="Default: now.")


class PacketCreateSerializer(serializers.Serializer):
    couple = TenantScopedPrimaryKeyRelatedField(queryset=Couple.objects, model_name="couple")
    coverage_a = TenantScopedPrimaryKeyRelatedField(
        queryset=Coverage.objects,
        model_name="coverage",
        help_text="The coverage of the couple's partner_a (their own).",
    )
    coverage_b = TenantScopedPrimaryKeyRelatedField(
        queryset=Coverage.objects,
        model_name="coverage",
        help_text="The coverage of the couple's partner_b (their own).",
    )
    joint_goals = serializers.CharField(required=False, allow_blank=True, default="")
    start_date = serializers.DateField(required=False, allow_null=True, default=None)
    urgency = serializers.ChoiceField(choices=Urgency.choices, default=Urgency.STANDARD)


class PacketSubmitSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=SubmissionChannel.choices)
    payer_references = serializers.DictField(
        child=serializers.CharField(max_length=60, allow_blank=True),
        required=False,
        default=dict,
        help_text="The payer's reference number per request id.",
    )
    submitted_at = AwareDateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="When the requests went to the payer (not in the future, not before they were created). "
        "Default: now.",
    )


class X12ResponseImportSerializer(serializers.Serializer):
    raw_278 = serializers.CharField(
        max_length=MAX_278_CHARS,
        trim_whitespace=False,
        help_text="The payer's X12 278 response as received (segments, separators and newlines as they are).",
    )
    information_due = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="When the payer pended the request (HCR A4): the date the information is due (a 278 has none).",
    )
