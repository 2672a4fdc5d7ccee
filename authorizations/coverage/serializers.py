"""Serializers of the coverage API: payers with their plans and rules (read), coverages with their
latest benefit verification, verifications, and the input of each write. Output serializers are
read-only views; input serializers check the shape of one service call — the services decide the
rest. Ids in a body must be this organization's (another tenant's is "no such …", a 400)."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from attendance.fields import AwareDateTimeField
from authorizations.coverage.selectors import latest_verification, verification_stale_reason
from authorizations.coverage.services.x12_import import MAX_271_CHARS
from authorizations.models import (
    Answer,
    BenefitLine,
    BenefitVerification,
    Coverage,
    CoveragePriority,
    NetworkStatus,
    Payer,
    PayerPlan,
    PayerRule,
    SubscriberRelationship,
    VerificationMethod,
)
from iop.clients.models import Client
from iop.common.serializers import TenantScopedPrimaryKeyRelatedField

# --- Payers -------------------------------------------------------------------------------------------


class PayerPlanSerializer(serializers.ModelSerializer):
    class Meta:
        model = PayerPlan
        fields = ["id", "name", "plan_type", "is_active"]
        read_only_fields = fields


class PayerRuleSerializer(serializers.ModelSerializer):
    plan = serializers.UUIDField(
        source="plan_id", read_only=True, allow_null=True, help_text="Null: all the payer's plans."
    )

    class Meta:
        model = PayerRule
        fields = [
            "id",
            "plan",
            "level_of_care",
            "effective_from",
            "effective_to",
            "min_hours_per_week",
            "min_days_per_week",
            "min_minutes_per_day",
            "review_cadence_days",
            "initial_authorization_days",
            "standard_decision_hours",
            "expedited_decision_hours",
            "appeal_window_days",
        ]
        read_only_fields = fields


class PayerSerializer(serializers.ModelSerializer):
    """A payer with its plans and effective-dated IOP rules (configured in Django admin)."""

    plans = PayerPlanSerializer(many=True, read_only=True)
    rules = PayerRuleSerializer(many=True, read_only=True)

    class Meta:
        model = Payer
        fields = ["id", "name", "payer_id", "phone", "fax", "portal_url", "is_active", "plans", "rules"]
        read_only_fields = fields


# --- Verifications ------------------------------------------------------------------------------------


class AnswerField(serializers.ChoiceField):
    """A yes / no / unknown answer: one `AnswerEnum` in the schema for a verification's three
    answers (drf-spectacular would otherwise name the one choice set once per field)."""

    def __init__(self, **kwargs):
        super().__init__(choices=Answer.choices, **kwargs)


class AnswerFieldExtension(OpenApiSerializerFieldExtension):
    target_class = AnswerField

    def map_serializer_field(self, auto_schema, direction):
        component = ResolvedComponent(
            name="AnswerEnum",
            type=ResolvedComponent.SCHEMA,
            object="AnswerEnum",
            schema={
                "type": "string",
                "enum": list(Answer.values),
                "description": "\n".join(f"* `{value}` - {label}" for value, label in Answer.choices),
            },
        )
        auto_schema.registry.register_on_missing(component)
        return component.ref


_VERIFICATION_FIELDS = [
    "id",
    "coverage",
    "client",
    "verified_at",
    "verified_by_name",
    "method",
    "reference_number",
    "network_status",
    "mental_health_iop",
    "substance_use_iop",
    "authorization_required",
    "deductible",
    "deductible_met",
    "out_of_pocket_max",
    "out_of_pocket_met",
    "copay",
    "coinsurance_percent",
    "visit_limit",
    "day_limit",
    "plan_year_start",
    "plan_name",
    "coverage_level",
    "coverage_level_label",
    "notes",
]


class BenefitLineSerializer(serializers.ModelSerializer):
    """One benefit of the person a 271 is about (an EB segment): the payer's codes with their
    names, amounts, the percentage, the quantity, EB11 as an answer and EB12 as a network."""

    benefit_label = serializers.CharField(read_only=True, help_text="EB01 by name: Copay, Deductible…")
    coverage_level_label = serializers.CharField(read_only=True)
    service_types = serializers.ListField(child=serializers.CharField(), read_only=True, help_text="EB03 codes.")
    service_type_labels = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="EB03 by name, in the same order: Mental health (MH)…"
    )
    time_period_label = serializers.CharField(read_only=True)
    quantity_qualifier_label = serializers.CharField(read_only=True)
    authorization_required = AnswerField(read_only=True)
    messages = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = BenefitLine
        fields = [
            "position",
            "benefit",
            "benefit_label",
            "coverage_level",
            "coverage_level_label",
            "service_types",
            "service_type_labels",
            "insurance_type",
            "plan_name",
            "time_period",
            "time_period_label",
            "amount",
            "percent",
            "quantity_qualifier",
            "quantity_qualifier_label",
            "quantity",
            "authorization_required",
            "network",
            "period_start",
            "period_end",
            "messages",
        ]
        read_only_fields = fields


class BenefitVerificationSerializer(serializers.ModelSerializer):
    """A benefit verification (without the raw 271: see the verification itself)."""

    coverage = serializers.UUIDField(source="coverage_id", read_only=True)
    client = serializers.UUIDField(source="coverage.client_id", read_only=True)
    verified_by_name = serializers.CharField(
        source="verified_by.get_full_name", read_only=True, allow_null=True, default=None
    )
    mental_health_iop = AnswerField(read_only=True)
    substance_use_iop = AnswerField(read_only=True)
    authorization_required = AnswerField(read_only=True)
    coverage_level_label = serializers.CharField(read_only=True)

    class Meta:
        model = BenefitVerification
        fields = _VERIFICATION_FIELDS
        read_only_fields = fields


class BenefitVerificationDetailSerializer(BenefitVerificationSerializer):
    """A benefit verification with, when imported, every benefit of the person the 271 is about
    (`benefits`: in- and out-of-network rows, service types, authorization required, limits) and
    the X12 271 itself ("" and [] when recorded by hand)."""

    benefits = BenefitLineSerializer(source="benefit_lines", many=True, read_only=True)

    class Meta(BenefitVerificationSerializer.Meta):
        fields = [*_VERIFICATION_FIELDS, "benefits", "raw_271"]
        read_only_fields = fields


class VerificationCreateSerializer(serializers.Serializer):
    coverage = TenantScopedPrimaryKeyRelatedField(queryset=Coverage.objects, model_name="coverage")
    verified_at = AwareDateTimeField(required=False, allow_null=True, default=None, help_text="Default: now.")
    method = serializers.ChoiceField(choices=VerificationMethod.choices)
    reference_number = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    network_status = serializers.ChoiceField(choices=NetworkStatus.choices, default=NetworkStatus.UNKNOWN)
    mental_health_iop = AnswerField(default=Answer.UNKNOWN)
    substance_use_iop = AnswerField(default=Answer.UNKNOWN)
    authorization_required = AnswerField(default=Answer.UNKNOWN)
    deductible = serializers.DecimalField(
        max_digits=9, decimal_places=2, min_value=0, required=False, allow_null=True, default=None
    )
    deductible_met = serializers.DecimalField(
        max_digits=9, decimal_places=2, min_value=0, required=False, allow_null=True, default=None
    )
    out_of_pocket_max = serializers.DecimalField(
        max_digits=9, decimal_places=2, min_value=0, required=False, allow_null=True, default=None
    )
    out_of_pocket_met = serializers.DecimalField(
        max_digits=9, decimal_places=2, min_value=0, required=False, allow_null=True, default=None
    )
    copay = serializers.DecimalField(
        max_digits=9, decimal_places=2, min_value=0, required=False, allow_null=True, default=None
    )
    coinsurance_percent = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=0, max_value=100, required=False, allow_null=True, default=None
    )
    visit_limit = serializers.IntegerField(min_value=0, required=False, allow_null=True, default=None)
    day_limit = serializers.IntegerField(min_value=0, required=False, allow_null=True, default=None)
    plan_year_start = serializers.DateField(required=False, allow_null=True, default=None)
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)


class Import271Serializer(serializers.Serializer):
    raw_271 = serializers.CharField(
        max_length=MAX_271_CHARS,
        trim_whitespace=False,
        help_text="The X12 271 eligibility response as received (segments, separators and newlines as they are).",
    )


# --- Coverages ----------------------------------------------------------------------------------------


class CoverageSerializer(serializers.ModelSerializer):
    """A client's coverage with its latest benefit verification and whether that is due again
    (older than 30 days, or from before a plan-year start)."""

    client = serializers.UUIDField(source="client_id", read_only=True)
    payer = serializers.UUIDField(source="payer_id", read_only=True)
    payer_name = serializers.CharField(source="payer.name", read_only=True)
    plan = serializers.UUIDField(source="plan_id", read_only=True, allow_null=True)
    plan_name = serializers.CharField(source="plan.name", read_only=True, allow_null=True, default=None)
    latest_verification = serializers.SerializerMethodField()
    reverification_due = serializers.SerializerMethodField()
    reverification_reason = serializers.SerializerMethodField()

    class Meta:
        model = Coverage
        fields = [
            "id",
            "client",
            "payer",
            "payer_name",
            "plan",
            "plan_name",
            "member_id",
            "group_number",
            "subscriber_name",
            "subscriber_relationship",
            "subscriber_date_of_birth",
            "priority",
            "effective_from",
            "effective_to",
            "created_at",
            "latest_verification",
            "reverification_due",
            "reverification_reason",
        ]
        read_only_fields = fields

    def _reason(self, coverage: Coverage) -> str:
        verification = latest_verification(coverage)
        if verification is None:
            return "Not verified yet."
        organization = self.context["request"].organization
        return verification_stale_reason(verification, organization.local_today(), organization.tzinfo)

    @extend_schema_field(BenefitVerificationSerializer(allow_null=True))
    def get_latest_verification(self, coverage: Coverage):
        verification = latest_verification(coverage)
        if verification is None:
            return None
        verification.coverage = coverage  # loaded already: no query for the client id
        return BenefitVerificationSerializer(verification, context=self.context).data

    @extend_schema_field(serializers.BooleanField())
    def get_reverification_due(self, coverage: Coverage) -> bool:
        return bool(self._reason(coverage))

    @extend_schema_field(serializers.CharField())
    def get_reverification_reason(self, coverage: Coverage) -> str:
        return self._reason(coverage)


class CoverageUpdateSerializer(serializers.Serializer):
    payer = TenantScopedPrimaryKeyRelatedField(queryset=Payer.objects, model_name="payer")
    plan = TenantScopedPrimaryKeyRelatedField(
        queryset=PayerPlan.objects, model_name="plan", required=False, allow_null=True, default=None
    )
    member_id = serializers.CharField(max_length=40)
    group_number = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    subscriber_name = serializers.CharField(max_length=160, required=False, allow_blank=True, default="")
    subscriber_relationship = serializers.ChoiceField(
        choices=SubscriberRelationship.choices, default=SubscriberRelationship.SELF
    )
    subscriber_date_of_birth = serializers.DateField(required=False, allow_null=True, default=None)
    priority = serializers.ChoiceField(choices=CoveragePriority.choices, default=CoveragePriority.PRIMARY)
    effective_from = serializers.DateField()
    effective_to = serializers.DateField(required=False, allow_null=True, default=None)


class CoverageCreateSerializer(CoverageUpdateSerializer):
    client = TenantScopedPrimaryKeyRelatedField(queryset=Client.objects, model_name="client")
