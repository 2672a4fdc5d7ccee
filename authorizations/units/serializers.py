"""Serializers of the units API: authorizations with their burn-down, chase tasks and
unauthorized days. Read-only views of rows (the unit figures computed by `authorizations.units.selectors`);
the one input is the note closing a chase task."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from authorizations.models import Authorization, ChaseTask, UnauthorizedDay


class AuthorizationUnitsSerializer(serializers.ModelSerializer):
    """An authorization and its units: `used` from attendance, `scheduled` from the client's
    booked sessions ahead (as if attended in full), `remaining` = authorized − used (negative when
    more was used than authorized). `counted` is false for unit types not measured from
    attendance (evaluations, instruments): their used and scheduled are 0."""

    episode = serializers.UUIDField(source="episode_id", read_only=True)
    client = serializers.UUIDField(source="episode.client_id", read_only=True)
    coverage = serializers.UUIDField(source="coverage_id", read_only=True)
    payer_name = serializers.CharField(source="coverage.payer.name", read_only=True)
    authorized = serializers.IntegerField(source="figures.authorized", read_only=True)
    used = serializers.IntegerField(source="figures.used", read_only=True)
    scheduled = serializers.IntegerField(source="figures.scheduled", read_only=True)
    remaining = serializers.IntegerField(source="figures.remaining", read_only=True)
    projected_exhaustion_date = serializers.DateField(
        source="figures.projected_exhaustion_date",
        read_only=True,
        allow_null=True,
        help_text="The day the units run out: in the past when they have, else the booked day that uses the last "
        "one; null when the bookings in the window do not use them up.",
    )
    runs_out_before_review = serializers.BooleanField(
        source="figures.runs_out_before_review",
        read_only=True,
        help_text="The units run out before the next review date (or the end date when there is none).",
    )
    review_date = serializers.DateField(source="figures.review_date", read_only=True)
    days_left = serializers.IntegerField(source="figures.days_left", read_only=True)
    counted = serializers.BooleanField(source="figures.counted", read_only=True)

    class Meta:
        model = Authorization
        fields = [
            "id",
            "episode",
            "client",
            "coverage",
            "payer_name",
            "number",
            "code",
            "unit_type",
            "units_authorized",
            "start_date",
            "end_date",
            "next_review_date",
            "status",
            "authorized",
            "used",
            "scheduled",
            "remaining",
            "projected_exhaustion_date",
            "runs_out_before_review",
            "review_date",
            "days_left",
            "counted",
            "created_at",
        ]
        read_only_fields = fields


class ChaseTaskSerializer(serializers.ModelSerializer):
    authorization = serializers.UUIDField(source="authorization_id", read_only=True, allow_null=True)
    request = serializers.UUIDField(source="request_id", read_only=True, allow_null=True)
    client = serializers.SerializerMethodField()
    is_open = serializers.SerializerMethodField()
    done_by_name = serializers.CharField(source="done_by.get_full_name", read_only=True, allow_null=True, default=None)

    class Meta:
        model = ChaseTask
        fields = [
            "id",
            "kind",
            "authorization",
            "request",
            "client",
            "due_date",
            "created_at",
            "is_open",
            "done_at",
            "done_by_name",
            "note",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.UUID)
    def get_client(self, task: ChaseTask) -> str:
        """The client the authorization (or request) is for."""
        about = task.authorization or task.request
        assert about is not None  # a chase task is about an authorization or a request
        return str(about.episode.client_id)

    def get_is_open(self, task: ChaseTask) -> bool:
        return task.done_at is None


class ChaseTaskDoneSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class UnauthorizedDaySerializer(serializers.ModelSerializer):
    episode = serializers.UUIDField(source="episode_id", read_only=True)
    client = serializers.UUIDField(source="episode.client_id", read_only=True)
    is_open = serializers.SerializerMethodField()

    class Meta:
        model = UnauthorizedDay
        fields = ["id", "episode", "client", "local_date", "kind", "flagged_at", "resolved_at", "is_open"]
        read_only_fields = fields

    def get_is_open(self, day: UnauthorizedDay) -> bool:
        return day.resolved_at is None
