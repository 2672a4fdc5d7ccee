"""Serializers of the units API: authorizations with their lines and burn-down, chase tasks and
unauthorized days. Read-only views of rows (the unit figures computed by `authorizations.units.selectors`);
the one input is the note closing a chase task."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from authorizations.models import Authorization, AuthorizationLine, ChaseTask, UnauthorizedDay
from authorizations.units.selectors import line_difference


class AuthorizationLineSerializer(serializers.ModelSerializer):
    """One approved code of an authorization (a 278 service line): its units and window, what its
    request line asked (`units_requested`, `requested_end_date`: a partial approval, status A2,
    gave less; `difference` says how), and, where the authorization's units are loaded, its own
    burn-down (`used`, `scheduled`, `remaining`; null otherwise)."""

    determination = serializers.UUIDField(source="determination_id", read_only=True)
    service_line = serializers.UUIDField(source="service_line_id", read_only=True, allow_null=True)
    is_partial = serializers.BooleanField(read_only=True)
    difference = serializers.SerializerMethodField()
    used = serializers.SerializerMethodField()
    scheduled = serializers.SerializerMethodField()
    remaining = serializers.SerializerMethodField()
    counted = serializers.SerializerMethodField()

    class Meta:
        model = AuthorizationLine
        fields = [
            "id",
            "determination",
            "service_line",
            "status",
            "code_system",
            "code",
            "unit_type",
            "units_authorized",
            "frequency_per_week",
            "start_date",
            "end_date",
            "units_requested",
            "requested_end_date",
            "is_partial",
            "difference",
            "used",
            "scheduled",
            "remaining",
            "counted",
        ]
        read_only_fields = fields

    def get_difference(self, line: AuthorizationLine) -> str:
        """ "12 of 15 days approved; through 18 Dec instead of 24 Dec"; "" when approved as asked."""
        return line_difference(line)

    def _figure(self, line: AuthorizationLine, name: str):
        figures = getattr(line, "figures", None)
        return getattr(figures, name) if figures is not None else None

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_used(self, line: AuthorizationLine) -> int | None:
        return self._figure(line, "used")

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_scheduled(self, line: AuthorizationLine) -> int | None:
        return self._figure(line, "scheduled")

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_remaining(self, line: AuthorizationLine) -> int | None:
        return self._figure(line, "remaining")

    @extend_schema_field(serializers.BooleanField(allow_null=True))
    def get_counted(self, line: AuthorizationLine) -> bool | None:
        return self._figure(line, "counted")


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
    prior = serializers.UUIDField(source="prior_id", read_only=True, allow_null=True)
    lines = AuthorizationLineSerializer(
        source="line_list",
        many=True,
        read_only=True,
        help_text="One per approved code, each with its own units, window and burn-down. `code`, `unit_type` and "
        "`units_authorized` above are the primary line's (its code's units over every window), kept for "
        "integrations that read one code.",
    )

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
            "prior",
            "lines",
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
