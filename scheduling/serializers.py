"""Serializers of the scheduling API. Output serializers are read-only views of the models; input
serializers validate a request for one service call. Related ids are tenant-scoped: another
organization's id is a 400 "No such … in this organization.", never a reference across tenants."""

from __future__ import annotations

from rest_framework import serializers

from iop.clients.models import Episode
from iop.common.serializers import TenantScopedPrimaryKeyRelatedField
from iop.tenancy.models import Program, StaffProfile, Weekday

from .models import (
    Delivery,
    FacilitatorAbsence,
    FacilitatorRole,
    Group,
    GroupType,
    Placement,
    RosterEntry,
    Session,
    SessionFacilitator,
    SessionStatus,
    WeeklySlot,
)


def _staff(**kwargs):
    return TenantScopedPrimaryKeyRelatedField(queryset=StaffProfile.objects, model_name="staff profile", **kwargs)


# --- Output ---------------------------------------------------------------------------------------


class FacilitatorSerializer(serializers.ModelSerializer):
    """A staff member who facilitates groups (StaffProfile): staff names, never client data."""

    name = serializers.CharField(source="membership.user.full_name", read_only=True)

    class Meta:
        model = StaffProfile
        fields = ["id", "name", "credentials"]
        read_only_fields = fields


class GroupTypeSerializer(serializers.ModelSerializer):
    # many=True makes it a ManyRelatedField at runtime; the stubs type the call as the field itself.
    qualified_facilitators: serializers.PrimaryKeyRelatedField[StaffProfile] = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True
    )

    class Meta:
        model = GroupType
        fields = [
            "id",
            "name",
            "counts_toward_hours",
            "track",
            "description",
            "is_active",
            "qualified_facilitators",
        ]
        read_only_fields = fields


class WeeklySlotSerializer(serializers.ModelSerializer):
    group = serializers.UUIDField(source="group_id", read_only=True)

    class Meta:
        model = WeeklySlot
        fields = [
            "id",
            "group",
            "weekday",
            "start_time",
            "duration_minutes",
            "effective_from",
            "effective_to",
        ]
        read_only_fields = fields


class GroupSerializer(serializers.ModelSerializer):
    program = serializers.UUIDField(source="program_id", read_only=True)
    program_name = serializers.CharField(source="program.name", read_only=True)
    group_type = serializers.UUIDField(source="group_type_id", read_only=True)
    group_type_name = serializers.CharField(source="group_type.name", read_only=True)
    lead_facilitator = FacilitatorSerializer(read_only=True, allow_null=True)
    co_facilitator = FacilitatorSerializer(read_only=True, allow_null=True)
    slots = WeeklySlotSerializer(many=True, read_only=True)

    class Meta:
        model = Group
        fields = [
            "id",
            "name",
            "program",
            "program_name",
            "group_type",
            "group_type_name",
            "capacity",
            "lead_facilitator",
            "co_facilitator",
            "delivery",
            "telehealth_url",
            "room",
            "is_active",
            "slots",
            "created_at",
        ]
        read_only_fields = fields


class SessionFacilitatorSerializer(serializers.ModelSerializer):
    staff_profile = serializers.UUIDField(source="staff_profile_id", read_only=True)
    name = serializers.CharField(source="staff_profile.membership.user.full_name", read_only=True)

    class Meta:
        model = SessionFacilitator
        fields = ["staff_profile", "name", "role"]
        read_only_fields = fields


class SessionBriefSerializer(serializers.ModelSerializer):
    """A session named in another resource's answer (booked, waitlisted, uncovered)."""

    group = serializers.UUIDField(source="group_id", read_only=True)
    group_name = serializers.CharField(source="group.name", read_only=True)

    class Meta:
        model = Session
        fields = ["id", "group", "group_name", "local_date", "starts_at", "ends_at", "status"]
        read_only_fields = fields


class SessionSerializer(serializers.ModelSerializer):
    """A session with its fill and facilitators (from `selectors.session_list`'s annotations).
    `occurrence_date` is the weekly time's date this session stands for; it differs from
    `local_date` when the session was moved to another day."""

    group = serializers.UUIDField(source="group_id", read_only=True)
    group_name = serializers.CharField(source="group.name", read_only=True)
    group_type_name = serializers.CharField(source="group.group_type.name", read_only=True)
    counts_toward_hours = serializers.BooleanField(source="group.group_type.counts_toward_hours", read_only=True)
    program = serializers.UUIDField(source="group.program_id", read_only=True)
    location = serializers.CharField(source="group.location", read_only=True)
    duration_minutes = serializers.IntegerField(read_only=True)
    booked_count = serializers.IntegerField(read_only=True)
    waitlist_count = serializers.IntegerField(read_only=True)
    has_lead = serializers.BooleanField(read_only=True, help_text="False: the session is uncovered.")
    facilitators = SessionFacilitatorSerializer(source="facilitator_bookings", many=True, read_only=True)

    class Meta:
        model = Session
        fields = [
            "id",
            "group",
            "group_name",
            "group_type_name",
            "counts_toward_hours",
            "program",
            "local_date",
            "occurrence_date",
            "starts_at",
            "ends_at",
            "duration_minutes",
            "capacity",
            "booked_count",
            "waitlist_count",
            "status",
            "topic",
            "location",
            "is_modified",
            "cancelled_reason",
            "has_lead",
            "facilitators",
        ]
        read_only_fields = fields


class PlacementSerializer(serializers.ModelSerializer):
    episode = serializers.UUIDField(source="episode_id", read_only=True)
    client = serializers.UUIDField(source="episode.client_id", read_only=True)
    group = serializers.UUIDField(source="group_id", read_only=True)
    group_name = serializers.CharField(source="group.name", read_only=True)

    class Meta:
        model = Placement
        fields = [
            "id",
            "episode",
            "client",
            "group",
            "group_name",
            "start_date",
            "end_date",
            "is_active",
            "created_at",
            "ended_at",
        ]
        read_only_fields = fields


class PlacementCreatedSerializer(PlacementSerializer):
    """The new placement and what it did: the sessions it seated the client in, and those where the
    client is on the waitlist."""

    booked_sessions = SessionBriefSerializer(many=True, read_only=True)
    waitlisted_sessions = SessionBriefSerializer(many=True, read_only=True)
    warnings = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="What the placement books beyond the client's authorization (it is made anyway).",
    )

    class Meta(PlacementSerializer.Meta):
        fields = [*PlacementSerializer.Meta.fields, "booked_sessions", "waitlisted_sessions", "warnings"]
        read_only_fields = fields


class RosterEntrySerializer(serializers.ModelSerializer):
    session = serializers.UUIDField(source="session_id", read_only=True)
    group_name = serializers.CharField(source="session.group.name", read_only=True)
    session_starts_at = serializers.DateTimeField(source="session.starts_at", read_only=True)
    episode = serializers.UUIDField(source="episode_id", read_only=True)
    client = serializers.UUIDField(source="episode.client_id", read_only=True)
    placement = serializers.UUIDField(source="placement_id", read_only=True, allow_null=True)

    class Meta:
        model = RosterEntry
        fields = [
            "id",
            "session",
            "group_name",
            "session_starts_at",
            "episode",
            "client",
            "placement",
            "status",
            "source",
            "reason",
            "added_at",
            "removed_at",
        ]
        read_only_fields = fields


class AbsenceSerializer(serializers.ModelSerializer):
    staff_profile = serializers.UUIDField(source="staff_profile_id", read_only=True)
    staff_name = serializers.CharField(source="staff_profile.membership.user.full_name", read_only=True)

    class Meta:
        model = FacilitatorAbsence
        fields = ["id", "staff_profile", "staff_name", "start_date", "end_date", "reason", "created_at"]
        read_only_fields = fields


class UncoveredSessionSerializer(SessionBriefSerializer):
    suggested_facilitators = FacilitatorSerializer(
        many=True,
        read_only=True,
        help_text="Qualified facilitators free at that time and not absent: POST one to assign-facilitator.",
    )

    class Meta(SessionBriefSerializer.Meta):
        fields = [*SessionBriefSerializer.Meta.fields, "suggested_facilitators"]
        read_only_fields = fields


class AbsenceRecordedSerializer(AbsenceSerializer):
    uncovered_sessions = UncoveredSessionSerializer(
        many=True,
        read_only=True,
        help_text="Sessions the facilitator was booked into in those days, now without them.",
    )

    class Meta(AbsenceSerializer.Meta):
        fields = [*AbsenceSerializer.Meta.fields, "uncovered_sessions"]
        read_only_fields = fields


# --- Input ------------------------------------------------------------------------------------------


class GroupCreateSerializer(serializers.Serializer):
    program = TenantScopedPrimaryKeyRelatedField(queryset=Program.objects, model_name="program")
    group_type = TenantScopedPrimaryKeyRelatedField(queryset=GroupType.objects, model_name="group type")
    name = serializers.CharField(max_length=120)
    capacity = serializers.IntegerField(min_value=1, max_value=100)
    lead_facilitator = _staff(required=False, allow_null=True, default=None)
    co_facilitator = _staff(required=False, allow_null=True, default=None)
    delivery = serializers.ChoiceField(choices=Delivery.choices, default=Delivery.TELEHEALTH)
    telehealth_url = serializers.URLField(required=False, allow_blank=True, default="")
    room = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")


class SlotCreateSerializer(serializers.Serializer):
    group = TenantScopedPrimaryKeyRelatedField(queryset=Group.objects, model_name="group")
    weekday = serializers.ChoiceField(choices=Weekday.choices)
    start_time = serializers.TimeField(help_text="Local time in the organization's time zone.")
    duration_minutes = serializers.IntegerField(min_value=15, max_value=480)
    effective_from = serializers.DateField()
    effective_to = serializers.DateField(required=False, allow_null=True, default=None)

    def validate(self, attrs):
        if attrs["effective_to"] is not None and attrs["effective_to"] < attrs["effective_from"]:
            raise serializers.ValidationError({"effective_to": "Must not be before the start date."})
        return attrs


class SlotEndSerializer(serializers.Serializer):
    effective_to = serializers.DateField(help_text="The last date of the weekly time; later sessions are cancelled.")


class SessionQuerySerializer(serializers.Serializer):
    """The sessions list's filters. A time window is either `start`/`end` (instants) or
    `date_from`/`date_to` (local dates, inclusive); without either it is the current week."""

    start = serializers.DateTimeField(required=False, help_text="Sessions starting at or after this instant.")
    end = serializers.DateTimeField(required=False, help_text="Sessions starting before this instant.")
    date_from = serializers.DateField(required=False, help_text="First local date (organization time zone).")
    date_to = serializers.DateField(required=False, help_text="Last local date, inclusive.")
    group = serializers.UUIDField(required=False)
    facilitator = serializers.UUIDField(required=False, help_text="A facilitator's staff profile id.")
    program = serializers.UUIDField(required=False)
    status = serializers.ChoiceField(choices=SessionStatus.choices, required=False)

    def validate(self, attrs):
        instants = "start" in attrs or "end" in attrs
        dates = "date_from" in attrs or "date_to" in attrs
        if instants and dates:
            raise serializers.ValidationError(
                {"non_field_errors": "Filter by start/end or by date_from/date_to, not both."}
            )
        for first, last in (("start", "end"), ("date_from", "date_to")):
            if first in attrs and last in attrs and attrs[last] < attrs[first]:
                raise serializers.ValidationError({last: f"Must not be before {first}."})
        return attrs


class SessionCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class SessionMoveSerializer(serializers.Serializer):
    local_date = serializers.DateField(help_text="The new date in the organization's time zone.")
    start_time = serializers.TimeField(help_text="The new local start time.")
    duration_minutes = serializers.IntegerField(
        min_value=15, max_value=480, required=False, help_text="Defaults to the session's current length."
    )


class FacilitatorAssignSerializer(serializers.Serializer):
    staff_profile = _staff()
    role = serializers.ChoiceField(choices=FacilitatorRole.choices, default=FacilitatorRole.LEAD)


class PlacementCreateSerializer(serializers.Serializer):
    episode = TenantScopedPrimaryKeyRelatedField(queryset=Episode.objects, model_name="episode")
    group = TenantScopedPrimaryKeyRelatedField(queryset=Group.objects, model_name="group")
    start_date = serializers.DateField()
    end_date = serializers.DateField(required=False, allow_null=True, default=None)
    waitlist_if_full = serializers.BooleanField(
        default=False,
        help_text="Put the client on the waitlist of full sessions instead of refusing the placement.",
    )


class PlacementEndSerializer(serializers.Serializer):
    end_date = serializers.DateField(help_text="The client's last day in the group.")
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="Placement ended")


class RosterEntryCreateSerializer(serializers.Serializer):
    session = TenantScopedPrimaryKeyRelatedField(queryset=Session.objects, model_name="session")
    episode = TenantScopedPrimaryKeyRelatedField(queryset=Episode.objects, model_name="episode")
    waitlist_if_full = serializers.BooleanField(default=False)
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class RosterEntryRemoveSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class AbsenceCreateSerializer(serializers.Serializer):
    staff_profile = _staff()
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
