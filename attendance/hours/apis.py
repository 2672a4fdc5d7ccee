"""REST endpoints for weekly hours: an episode's weeks, and hours flags (list, resolve)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from iop.audit.models import AccessAction
from iop.audit.services import access_record
from iop.clients.models import Episode
from iop.common.api import AuditedRetrieveMixin, TenantScopedViewSet, validated_input, validated_query
from iop.tenancy import permissions as perms

from ..pagination import NewestRaisedPagination
from . import selectors, services
from .filters import ThresholdFlagFilter
from .serializers import (
    FlagResolveSerializer,
    ThresholdFlagSerializer,
    WeeklyHoursQuerySerializer,
    WeeklyHoursSerializer,
)


class WeeklyHoursViewSet(TenantScopedViewSet):
    """`weekly-hours/<episode id>/`: the episode's weeks, newest first — scheduled, attended and
    required hours and days, where the requirement comes from, and the pace state."""

    serializer_class = WeeklyHoursSerializer
    pagination_class = None
    required_actions = {"*": perms.ATTENDANCE_VIEW}

    def scoped_queryset(self):
        return Episode.objects.filter(organization=self.organization)

    @extend_schema(parameters=[WeeklyHoursQuerySerializer])
    def retrieve(self, request, *args, **kwargs):
        episode = selectors.episode_for_attendance(organization=self.organization, episode_id=self.get_object().pk)
        assert episode is not None  # get_object found it in this organization
        query = validated_query(WeeklyHoursQuerySerializer, request.query_params)
        # Read by WeeklyHoursSerializer; not a model field, so unknown to the stubs.
        episode.weeks = selectors.episode_weeks(  # type: ignore[attr-defined]
            organization=self.organization, episode=episode, weeks_back=query["weeks"] - 1
        )
        access_record(
            request=request,
            action=AccessAction.VIEW,
            obj=episode,
            object_type="attendance.WeeklyHours",
            client_id=episode.client_id,
            channel="api",
        )
        return Response(self.get_serializer(episode).data)


class ThresholdFlagViewSet(AuditedRetrieveMixin, TenantScopedViewSet):
    """Weeks that entered an hours-at-risk state, newest first."""

    serializer_class = ThresholdFlagSerializer
    filterset_class = ThresholdFlagFilter
    pagination_class = NewestRaisedPagination
    audit_object_type = "attendance.ThresholdFlag"
    required_actions = {
        "list": perms.ATTENDANCE_VIEW,
        "retrieve": perms.ATTENDANCE_VIEW,
        "*": perms.HOURS_FLAG_MANAGE,
    }

    def scoped_queryset(self):
        return selectors.flag_list(organization=self.organization)

    def audit_client_ids(self, obj) -> tuple:
        return (obj.episode.client_id,)

    @extend_schema(request=FlagResolveSerializer, responses=ThresholdFlagSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, *args, **kwargs):
        """Close the flag with what was done (sessions added, the reason given to the payer…)."""
        flag = self.get_object()
        services.flag_resolve(flag=flag, actor=request.user, **validated_input(FlagResolveSerializer, request.data))
        flag = self.get_queryset().get(pk=flag.pk)
        self.audit_view(request, flag)
        return Response(self.get_serializer(flag).data)
