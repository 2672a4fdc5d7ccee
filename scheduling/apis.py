"""REST endpoints for group scheduling: group types, groups, weekly slots, sessions, placements,
roster entries, the waitlist and facilitator absences.

Thin: validate with a serializer, call a service or selector, serialize. Business refusals (a full
session, a double-booked facilitator, a client clash) are the services' ApplicationErrors, which
the API's exception handler turns into 400s with the service's message. Rows that name a client
(placements, roster entries, waitlist) write an AccessEvent on every read, like the clients API.
"""

from __future__ import annotations

import datetime as dt

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from iop.common.api import (
    AuditedRetrieveMixin,
    AuditedViewSetMixin,
    TenantScopedViewSet,
    validated_input,
    validated_query,
)
from iop.common.pagination import ByNamePagination, DefaultCursorPagination
from iop.common.weeks import week_start_for
from iop.tenancy import permissions as perms

from . import selectors
from .filters import (
    AbsenceFilter,
    GroupFilter,
    PlacementFilter,
    RosterEntryFilter,
    SlotFilter,
    WaitlistFilter,
)
from .hooks import placement_warnings
from .models import RosterEntry, RosterSource, RosterStatus, WeeklySlot
from .serializers import (
    AbsenceCreateSerializer,
    AbsenceRecordedSerializer,
    AbsenceSerializer,
    FacilitatorAssignSerializer,
    GroupCreateSerializer,
    GroupSerializer,
    GroupTypeSerializer,
    PlacementCreatedSerializer,
    PlacementCreateSerializer,
    PlacementEndSerializer,
    PlacementSerializer,
    RosterEntryCreateSerializer,
    RosterEntryRemoveSerializer,
    RosterEntrySerializer,
    SessionCancelSerializer,
    SessionMoveSerializer,
    SessionQuerySerializer,
    SessionSerializer,
    SlotCreateSerializer,
    SlotEndSerializer,
    WeeklySlotSerializer,
)
from .services import absences as absence_services
from .services import groups as group_services
from .services import placements as placement_services
from .services import rosters as roster_services
from .services import sessions as session_services


class ByStartPagination(DefaultCursorPagination):
    ordering = ("starts_at", "id")


class ByWeeklyTimePagination(DefaultCursorPagination):
    ordering = ("weekday", "start_time", "id")


class QueueOrderPagination(DefaultCursorPagination):
    """First come, first served: the order in which a waitlist is promoted."""

    ordering = ("added_at", "id")


class GroupTypeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantScopedViewSet):
    """Group types are configured by org admins in Django admin; the API reads them."""

    serializer_class = GroupTypeSerializer
    pagination_class = ByNamePagination
    required_actions = {"*": perms.SCHEDULE_VIEW}

    def scoped_queryset(self):
        return selectors.group_type_list(organization=self.organization).prefetch_related("qualified_facilitators")


class GroupViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantScopedViewSet):
    serializer_class = GroupSerializer
    filterset_class = GroupFilter
    pagination_class = ByNamePagination
    required_actions = {
        "list": perms.SCHEDULE_VIEW,
        "retrieve": perms.SCHEDULE_VIEW,
        "*": perms.SCHEDULE_MANAGE,
    }

    def scoped_queryset(self):
        return selectors.group_list(organization=self.organization, active_only=False)

    @extend_schema(request=GroupCreateSerializer, responses={201: GroupSerializer})
    def create(self, request, *args, **kwargs):
        """Create a group; add its weekly times with POST /slots/."""
        data = validated_input(GroupCreateSerializer, request.data)
        group = group_services.group_create(organization=self.organization, **data)
        return Response(self.get_serializer(self.get_queryset().get(pk=group.pk)).data, status=status.HTTP_201_CREATED)


class SlotViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantScopedViewSet):
    """A group's weekly meeting times. Creating one materialises its sessions for the horizon."""

    serializer_class = WeeklySlotSerializer
    filterset_class = SlotFilter
    pagination_class = ByWeeklyTimePagination
    required_actions = {
        "list": perms.SCHEDULE_VIEW,
        "retrieve": perms.SCHEDULE_VIEW,
        "*": perms.SCHEDULE_MANAGE,
    }

    def scoped_queryset(self):
        return WeeklySlot.objects.filter(organization=self.organization)

    @extend_schema(request=SlotCreateSerializer, responses={201: WeeklySlotSerializer})
    def create(self, request, *args, **kwargs):
        data = validated_input(SlotCreateSerializer, request.data)
        slot = group_services.slot_create(**data)
        return Response(self.get_serializer(slot).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=SlotEndSerializer, responses=WeeklySlotSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, *args, **kwargs):
        """Stop the weekly time after `effective_to`; its later sessions are cancelled."""
        slot = self.get_object()
        data = validated_input(SlotEndSerializer, request.data)
        group_services.slot_end(slot=slot, actor=request.user, **data)
        return Response(self.get_serializer(self.get_queryset().get(pk=slot.pk)).data)


# Detail routes find a session by id whatever its date, so the selector's window is unbounded.
_ALL_TIME = (dt.datetime.min.replace(tzinfo=dt.UTC), dt.datetime.max.replace(tzinfo=dt.UTC))


class SessionViewSet(mixins.RetrieveModelMixin, TenantScopedViewSet):
    """Concrete sessions. One-off changes (cancel, move, facilitator) touch this session only,
    never the group's weekly times."""

    serializer_class = SessionSerializer
    pagination_class = ByStartPagination
    required_actions = {
        "list": perms.SCHEDULE_VIEW,
        "retrieve": perms.SCHEDULE_VIEW,
        "*": perms.SCHEDULE_MANAGE,
    }

    def scoped_queryset(self):
        if self.action != "list":
            return selectors.session_list(organization=self.organization, start=_ALL_TIME[0], end=_ALL_TIME[1])
        query = validated_query(SessionQuerySerializer, self.request.query_params)
        start, end = self._window(query)
        sessions = selectors.session_list(
            organization=self.organization,
            start=start,
            end=end,
            program_id=query.get("program"),
            group_id=query.get("group"),
            facilitator_id=query.get("facilitator"),
        )
        return sessions.filter(status=query["status"]) if "status" in query else sessions

    def _window(self, query: dict) -> tuple[dt.datetime, dt.datetime]:
        """[start, end) of the list: the instants asked for, the local dates asked for (whole
        days in the organization's zone), or else the organization's current week."""
        week = dt.timedelta(days=7)
        if "start" in query or "end" in query:
            start = query.get("start") or query["end"] - week
            return start, query.get("end") or start + week
        organization = self.organization
        if "date_from" in query or "date_to" in query:
            first = query.get("date_from") or query["date_to"] - dt.timedelta(days=6)
            last = query.get("date_to") or first + dt.timedelta(days=6)
        else:
            first = week_start_for(organization, organization.local_today())
            last = first + dt.timedelta(days=6)
        midnight = dt.time(0)
        return (
            organization.local_datetime(first, midnight),
            organization.local_datetime(last + dt.timedelta(days=1), midnight),
        )

    @extend_schema(parameters=[SessionQuerySerializer])
    def list(self, request, *args, **kwargs):
        """Sessions in a time window (default: this week), with fill and facilitators."""
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def _fresh(self, session) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=session.pk)).data)

    @extend_schema(request=SessionCancelSerializer, responses=SessionSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, *args, **kwargs):
        """Cancel this session only; its clients are flagged in their next reminder."""
        session = self.get_object()
        session_services.session_cancel(
            session=session, actor=request.user, **validated_input(SessionCancelSerializer, request.data)
        )
        return self._fresh(session)

    @extend_schema(request=SessionMoveSerializer, responses=SessionSerializer)
    @action(detail=True, methods=["post"])
    def move(self, request, *args, **kwargs):
        """Move this session; its clients and facilitators move with it, or nothing moves."""
        session = self.get_object()
        data = validated_input(SessionMoveSerializer, request.data)
        data.setdefault("duration_minutes", session.duration_minutes)
        session_services.session_move(session=session, actor=request.user, **data)
        return self._fresh(session)

    # url_name without a dash: route names are "<basename>-<url_name>", read back by the isolation matrix.
    @extend_schema(request=FacilitatorAssignSerializer, responses=SessionSerializer)
    @action(detail=True, methods=["post"], url_path="assign-facilitator", url_name="assign_facilitator")
    def assign_facilitator(self, request, *args, **kwargs):
        """Cover this session: the staff member becomes its lead (or co-) facilitator for this
        date only. Refused when they are not qualified, absent or busy at that time."""
        session = self.get_object()
        data = validated_input(FacilitatorAssignSerializer, request.data)
        session_services.session_facilitator_assign(session=session, actor=request.user, **data)
        return self._fresh(session)


class PlacementViewSet(AuditedRetrieveMixin, TenantScopedViewSet):
    serializer_class = PlacementSerializer
    filterset_class = PlacementFilter
    audit_object_type = "scheduling.Placement"
    required_actions = {
        "list": perms.SCHEDULE_VIEW,
        "retrieve": perms.SCHEDULE_VIEW,
        "*": perms.PLACEMENT_MANAGE,
    }

    def scoped_queryset(self):
        return selectors.placement_list(organization=self.organization)

    def audit_client_ids(self, obj) -> tuple:
        return (obj.episode.client_id,)

    @extend_schema(request=PlacementCreateSerializer, responses={201: PlacementCreatedSerializer})
    def create(self, request, *args, **kwargs):
        """Place an episode into a group: a seat in every future session in the date range. A
        full session refuses the placement (400, `extra.fields.full_dates`) unless
        `waitlist_if_full`, which waitlists the client for those dates instead."""
        data = validated_input(PlacementCreateSerializer, request.data)
        result = placement_services.placement_create(actor=request.user, **data)
        placement = self.get_queryset().get(pk=result.placement.pk)
        # The service locks sessions in id order; the answer lists them in time order.
        placement.booked_sessions = sorted(result.booked, key=lambda s: s.starts_at)
        placement.waitlisted_sessions = sorted(result.waitlisted, key=lambda s: s.starts_at)
        placement.warnings = placement_warnings(placement.episode, result.booked)
        return Response(PlacementCreatedSerializer(placement).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=PlacementEndSerializer, responses=PlacementSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, *args, **kwargs):
        """End the placement after `end_date`: the client leaves every later session of the group."""
        placement = self.get_object()
        placement_services.placement_end(
            placement=placement, actor=request.user, **validated_input(PlacementEndSerializer, request.data)
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=placement.pk)).data)


def _roster_entries(organization):
    return RosterEntry.objects.filter(organization=organization).select_related("episode", "session__group")


class RosterEntryViewSet(AuditedRetrieveMixin, TenantScopedViewSet):
    """Seats in sessions (and places on their waitlists). Placements create most of them; these
    endpoints add or take off one client for one session."""

    serializer_class = RosterEntrySerializer
    filterset_class = RosterEntryFilter
    pagination_class = QueueOrderPagination
    audit_object_type = "scheduling.RosterEntry"
    required_actions = {
        "list": perms.SCHEDULE_VIEW,
        "retrieve": perms.SCHEDULE_VIEW,
        "*": perms.PLACEMENT_MANAGE,
    }

    def scoped_queryset(self):
        return _roster_entries(self.organization)

    def audit_client_ids(self, obj) -> tuple:
        return (obj.episode.client_id,)

    @extend_schema(request=RosterEntryCreateSerializer, responses={201: RosterEntrySerializer})
    def create(self, request, *args, **kwargs):
        """Seat a client in one session; a full session is refused unless `waitlist_if_full`."""
        data = validated_input(RosterEntryCreateSerializer, request.data)
        entry = roster_services.roster_book(source=RosterSource.MANUAL, actor=request.user, **data)
        return Response(self.get_serializer(self.get_queryset().get(pk=entry.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=RosterEntryRemoveSerializer, responses=RosterEntrySerializer)
    @action(detail=True, methods=["post"])
    def remove(self, request, *args, **kwargs):
        """Take the client off the session (or its waitlist); a freed seat goes to the waitlist."""
        entry = self.get_object()
        roster_services.roster_remove(
            entry=entry, actor=request.user, **validated_input(RosterEntryRemoveSerializer, request.data)
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=entry.pk)).data)


class WaitlistViewSet(AuditedViewSetMixin, TenantScopedViewSet):
    """Clients waiting for a seat, in the order they will be seated. Read-only: waitlisting
    happens through placements and roster entries with `waitlist_if_full`."""

    serializer_class = RosterEntrySerializer
    filterset_class = WaitlistFilter
    pagination_class = QueueOrderPagination
    audit_object_type = "scheduling.RosterEntry"
    required_actions = {"*": perms.SCHEDULE_VIEW}

    def scoped_queryset(self):
        return _roster_entries(self.organization).filter(status=RosterStatus.WAITLISTED)

    def audit_client_ids(self, obj) -> tuple:
        return (obj.episode.client_id,)


class AbsenceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantScopedViewSet):
    serializer_class = AbsenceSerializer
    filterset_class = AbsenceFilter
    required_actions = {
        "list": perms.SCHEDULE_VIEW,
        "retrieve": perms.SCHEDULE_VIEW,
        "*": perms.SCHEDULE_MANAGE,
    }

    def scoped_queryset(self):
        return selectors.absence_list(organization=self.organization)

    @extend_schema(request=AbsenceCreateSerializer, responses={201: AbsenceRecordedSerializer})
    def create(self, request, *args, **kwargs):
        """Record a facilitator's absence. The answer lists the sessions it leaves uncovered, each
        with the qualified facilitators free at that time."""
        data = validated_input(AbsenceCreateSerializer, request.data)
        result = absence_services.facilitator_absence_record(actor=request.user, **data)
        absence = self.get_queryset().get(pk=result.absence.pk)
        for session in result.uncovered:
            # Read by AbsenceRecordedSerializer; not a model field, so unknown to the stubs.
            session.suggested_facilitators = selectors.coverage_suggestions(session=session)  # type: ignore[attr-defined]
        absence.uncovered_sessions = result.uncovered
        return Response(AbsenceRecordedSerializer(absence).data, status=status.HTTP_201_CREATED)
