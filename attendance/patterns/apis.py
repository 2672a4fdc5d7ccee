"""REST endpoints for absence alerts (list, acknowledge)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from iop.common.api import AuditedRetrieveMixin, TenantScopedViewSet, validated_input
from iop.tenancy import permissions as perms

from ..pagination import NewestRaisedPagination
from . import selectors, services
from .filters import AbsenceAlertFilter
from .serializers import AbsenceAlertSerializer, AlertAcknowledgeSerializer


class AbsenceAlertViewSet(AuditedRetrieveMixin, TenantScopedViewSet):
    """Absence patterns raised for the clinical team, newest first."""

    serializer_class = AbsenceAlertSerializer
    filterset_class = AbsenceAlertFilter
    pagination_class = NewestRaisedPagination
    audit_object_type = "attendance.AbsenceAlert"
    required_actions = {
        "list": perms.ATTENDANCE_VIEW,
        "retrieve": perms.ATTENDANCE_VIEW,
        "*": perms.ABSENCE_ALERT_MANAGE,
    }

    def scoped_queryset(self):
        return selectors.alert_list(organization=self.organization)

    def audit_client_ids(self, obj) -> tuple:
        return (obj.episode.client_id,)

    @extend_schema(request=AlertAcknowledgeSerializer, responses=AbsenceAlertSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, *args, **kwargs):
        """Record the action taken; an alert is acknowledged once."""
        alert = self.get_object()
        services.alert_acknowledge(
            alert=alert, actor=request.user, **validated_input(AlertAcknowledgeSerializer, request.data)
        )
        alert = self.get_queryset().get(pk=alert.pk)
        self.audit_view(request, alert)
        return Response(self.get_serializer(alert).data)
