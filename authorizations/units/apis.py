"""REST endpoints (units): authorizations with their unit figures, the chase tasks (and closing
one), and the days attended without an authorization. `ROUTES` lists (prefix, viewset, basename)
for iop.api_urls.

Every row names a client, so every page of a list and every read writes an access event
(channel "api"). The unit figures of a page are computed together: a constant number of queries
however many authorizations it holds.
"""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from authorizations.models import (
    Authorization,
    AuthorizationStatus,
    ChaseKind,
    ChaseTask,
    CoverageGapKind,
    UnauthorizedDay,
    UnitType,
)
from authorizations.units import selectors, services
from authorizations.units.serializers import (
    AuthorizationUnitsSerializer,
    ChaseTaskDoneSerializer,
    ChaseTaskSerializer,
    UnauthorizedDaySerializer,
)
from iop.common.api import AuditedViewSetMixin, TenantScopedViewSet, validated_input
from iop.common.pagination import DefaultCursorPagination
from iop.tenancy import permissions as perms


class NewestCreatedPagination(DefaultCursorPagination):
    ordering = ("-created_at", "id")


class NewestDayPagination(DefaultCursorPagination):
    ordering = ("-local_date", "id")


# --- Filters (ids, dates and states only: no client names in URLs) -------------------------------


class AuthorizationFilter(django_filters.FilterSet):
    episode = django_filters.UUIDFilter(field_name="episode_id")
    client = django_filters.UUIDFilter(field_name="episode__client_id")
    status = django_filters.ChoiceFilter(choices=AuthorizationStatus.choices)
    unit_type = django_filters.ChoiceFilter(choices=UnitType.choices)
    ends_before = django_filters.DateFilter(
        field_name="end_date", lookup_expr="lte", help_text="Ending on or before this date."
    )

    class Meta:
        model = Authorization
        fields = ["episode", "client", "status", "unit_type", "ends_before"]


class ChaseTaskFilter(django_filters.FilterSet):
    open = django_filters.BooleanFilter(
        field_name="done_at", lookup_expr="isnull", help_text="true: not done yet; false: done."
    )
    kind = django_filters.ChoiceFilter(choices=ChaseKind.choices)
    authorization = django_filters.UUIDFilter(field_name="authorization_id")
    request = django_filters.UUIDFilter(field_name="request_id")

    class Meta:
        model = ChaseTask
        fields = ["open", "kind", "authorization", "request"]


class UnauthorizedDayFilter(django_filters.FilterSet):
    open = django_filters.BooleanFilter(
        field_name="resolved_at", lookup_expr="isnull", help_text="true: not resolved yet; false: resolved."
    )
    kind = django_filters.ChoiceFilter(choices=CoverageGapKind.choices)
    episode = django_filters.UUIDFilter(field_name="episode_id")

    class Meta:
        model = UnauthorizedDay
        fields = ["open", "kind", "episode"]


# --- Viewsets ----------------------------------------------------------------------------------------


class AuthorizationUnitsViewSet(AuditedViewSetMixin, TenantScopedViewSet):
    """Authorizations, newest first, each with its units: authorized, used (attendance), scheduled
    ahead (booked sessions), remaining, the projected exhaustion date and whether the units run
    out before the next review."""

    serializer_class = AuthorizationUnitsSerializer
    filterset_class = AuthorizationFilter
    pagination_class = NewestCreatedPagination
    audit_object_type = "authorizations.Authorization"
    required_actions = {"*": perms.COVERAGE_VIEW}

    def scoped_queryset(self):
        return selectors.authorization_list(organization=self.organization)

    def audit_client_ids(self, obj) -> tuple:
        return (obj.episode.client_id,)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        return selectors.figures_attach(page, organization=self.organization) if page is not None else None

    def retrieve(self, request, *args, **kwargs):
        authorization = self.get_object()
        selectors.figures_attach([authorization], organization=self.organization)
        self.audit_view(request, authorization)
        return Response(self.get_serializer(authorization).data)


class ChaseTaskViewSet(AuditedViewSetMixin, TenantScopedViewSet):
    """The tasks the morning chase raised, newest first; `done` closes one."""

    serializer_class = ChaseTaskSerializer
    filterset_class = ChaseTaskFilter
    pagination_class = NewestCreatedPagination
    audit_object_type = "authorizations.ChaseTask"
    required_actions = {"list": perms.COVERAGE_VIEW, "*": perms.DETERMINATION_RECORD}

    def scoped_queryset(self):
        return selectors.chase_task_list(organization=self.organization)

    def audit_client_ids(self, obj) -> tuple:
        return ((obj.authorization or obj.request).episode.client_id,)

    @extend_schema(request=ChaseTaskDoneSerializer, responses=ChaseTaskSerializer)
    @action(detail=True, methods=["post"])
    def done(self, request, *args, **kwargs):
        """Close the task with what was done (an optional note); a task is closed once."""
        task = self.get_object()
        services.chase_task_done(
            task=task, actor=request.user, **validated_input(ChaseTaskDoneSerializer, request.data)
        )
        task = self.get_queryset().get(pk=task.pk)
        self.audit_view(request, task)
        return Response(self.get_serializer(task).data)


class UnauthorizedDayViewSet(AuditedViewSetMixin, TenantScopedViewSet):
    """Days a client attended that no authorization covers, newest first."""

    serializer_class = UnauthorizedDaySerializer
    filterset_class = UnauthorizedDayFilter
    pagination_class = NewestDayPagination
    audit_object_type = "authorizations.UnauthorizedDay"
    required_actions = {"*": perms.COVERAGE_VIEW}

    def scoped_queryset(self):
        return selectors.unauthorized_day_list(organization=self.organization)

    def audit_client_ids(self, obj) -> tuple:
        return (obj.episode.client_id,)


ROUTES: list = [
    ("authorizations", AuthorizationUnitsViewSet, "authorization"),
    ("chase-tasks", ChaseTaskViewSet, "chase-task"),
    ("unauthorized-days", UnauthorizedDayViewSet, "unauthorized-day"),
]
