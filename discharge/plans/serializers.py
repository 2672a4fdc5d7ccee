"""Serializers of the plans API: a plan with its checklist decided (the summary's text only for
clinical roles), and the inputs that change one — the plan's fields, a tick, completing, the
summary's signature."""

from __future__ import annotations

from rest_framework import serializers

from discharge.models import AftercareLevel, TransitionPlan, TransitionType
from discharge.plans.selectors import checklist_rows


class PlanSerializer(serializers.ModelSerializer):
    """A transition plan: its episode and client, type, dates, receiving provider and level, who
    started it (and the payer's determination when it did), status, the checklist with each item
    decided, and the summary's state; `summary` (the text) for clinical roles only."""

    episode = serializers.UUIDField(source="episode_id", read_only=True)
    client = serializers.UUIDField(source="episode.client_id", read_only=True)
    receiving_provider = serializers.UUIDField(source="receiving_provider_id", read_only=True, allow_null=True)
    payer_recommendation = serializers.UUIDField(source="payer_recommendation_id", read_only=True, allow_null=True)
    checklist = serializers.SerializerMethodField()
    open_required = serializers.SerializerMethodField()

    class Meta:
        model = TransitionPlan
        fields = [
            "id",
            "episode",
            "client",
            "status",
            "transition_type",
            "target_date",
            "last_day",
            "reason",
            "receiving_provider",
            "receiving_level_of_care",
            "origin",
            "payer_recommendation",
            "checklist",
            "open_required",
            "summary",
            "summary_due_date",
            "summary_signed_at",
            "completed_at",
            "override_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def _rows(self, obj):
        cache = self.context["_rows"] if "_rows" in self.context else {}
        if "_rows" not in self.context:
            self.context["_rows"] = cache  # type: ignore[index]
        if obj.pk not in cache:
            cache[obj.pk] = checklist_rows(obj)
        return cache[obj.pk]

    def get_checklist(self, obj) -> list[dict]:
        return [
            {
                "id": str(row.item.pk),
                "key": row.item.key,
                "label": row.item.label,
                "required": row.item.is_required,
                "automatic": row.automatic,
                "done": row.done,
                "done_at": row.item.done_at if not row.automatic else None,
                "note": row.item.note,
                "detail": row.detail,
            }
            for row in self._rows(obj)
        ]

    def get_open_required(self, obj) -> list[str]:
        return [row.item.key for row in self._rows(obj) if row.item.is_required and not row.done]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not self.context.get("show_clinical"):
            data.pop("summary", None)
        return data


class PlanUpdateSerializer(serializers.Serializer):
    transition_type = serializers.ChoiceField(choices=TransitionType.choices, required=False, allow_blank=True)
    target_date = serializers.DateField(required=False, allow_null=True)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    receiving_provider = serializers.UUIDField(required=False, allow_null=True)
    receiving_level_of_care = serializers.ChoiceField(choices=AftercareLevel.choices, required=False, allow_blank=True)


class TickSerializer(serializers.Serializer):
    item = serializers.UUIDField()
    done = serializers.BooleanField(default=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class CompleteSerializer(serializers.Serializer):
    last_day = serializers.DateField(required=False, allow_null=True, default=None)
    override_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=2000,
        help_text="Org admins: completes with required items open; kept on the plan and in its history.",
    )


class SummarySignSerializer(serializers.Serializer):
    summary = serializers.CharField(required=False, allow_blank=True, max_length=20000)
