"""REST endpoints of aftercare. `ROUTES` lists (prefix, viewset, basename) for iop.api_urls.

- `aftercare-providers/`: the directory — list (`?level=`, `?payer=`, `?accepting=true|false`,
  `?active=true`), retrieve, create, partial update (`payers_accepted` replaces the list);
- `aftercare-appointments/`: list (`?episode=`), retrieve, create (book, for an episode's plan),
  `<id>/reschedule/`, `<id>/cancel/`, `<id>/outcome/` (kept or missed);
- `follow-up-checks/`: list (`?episode=`, `?due=true`: pending and due by today), retrieve,
  `<id>/record/`.

Another organization's rows (or episode, in a body) are a 404. Refusals answer 400 with their
codes (`provider_inactive`, `level_not_offered`, `appointment_in_past`,
`appointment_before_last_day`, `appointment_already_booked`, `appointment_not_booked`,
`appointment_unchanged`, `appointment_cancel_reason_required`, `outcome_too_early`,
`outcome_invalid`, `follow_up_outcome_invalid`, `provider_*`). Appointments and checks name a
client's discharge: lists and reads write access events (channel "api"); the directory holds no PHI.
"""

from __future__ import annotations

import uuid

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from authorizations.models import Payer
from discharge.errors import DischargeErrorCode
from discharge.models import FollowUpOutcome, TransitionPlan
from iop.common.api import AuditedRetrieveMixin, TenantScopedViewSet, validated_input
from iop.common.exceptions import refuse
from iop.common.pagination import ByNamePagination, DefaultCursorPagination
from iop.tenancy import permissions as perms

from . import selectors, services
from .serializers import (
    AftercareAppointmentSerializer,
    AftercareProviderInputSerializer,
    AftercareProviderSerializer,
    AppointmentBookSerializer,
    AppointmentCancelSerializer,
    AppointmentOutcomeSerializer,
    AppointmentRescheduleSerializer,
    FollowUpCheckSerializer,
    FollowUpRecordSerializer,
)

_TRUE, _FALSE = ("true", "1", "yes"), ("false", "0", "no")


def _flag(value: str | None) -> bool | None:
    value = (value or "").strip().lower()
    return True if value in _TRUE else False if value in _FALSE else None


def _uuid(value: str | None) -> uuid.UUID | None:
    """A filter's id; a malformed one matches nothing (a 404 for it would tell nothing more)."""
    if not value:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return uuid.UUID(int=0)


class LatestFirstPagination(DefaultCursorPagination):
    ordering = ("-starts_at", "id")


class DueFirstPagination(DefaultCursorPagination):
    ordering = ("due_date", "id")


class AftercareProviderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantScopedViewSet):
    """The organization's aftercare directory (no PHI)."""

    serializer_class = AftercareProviderSerializer
    pagination_class = ByNamePagination
    required_actions = {"list": perms.DISCHARGE_VIEW, "retrieve": perms.DISCHARGE_VIEW, "*": perms.DISCHARGE_MANAGE}

    def scoped_queryset(self):
        params = self.request.query_params
        return selectors.provider_list(
            organization=self.organization,
            level=params.get("level", ""),
            payer_id=_uuid(params.get("payer")),
            accepting=_flag(params.get("accepting")),
            active_only=bool(_flag(params.get("active"))),
        )

    def _payers(self, ids) -> list[Payer]:
        payers = list(Payer.objects.filter(organization=self.organization, pk__in=list(ids)))
        if len(payers) != len(set(ids)):
            refuse(
                "A payer accepted is not one of the organization's payers.",
                code=DischargeErrorCode.PROVIDER_FIELDS,
                field="payers_accepted",
            )
        return payers

    def _answer(self, provider, code=status.HTTP_200_OK) -> Response:
        provider = self.get_queryset().get(pk=provider.pk)
        return Response(self.get_serializer(provider).data, status=code)

    @extend_schema(request=AftercareProviderInputSerializer, responses={201: AftercareProviderSerializer})
    def create(self, request, *args, **kwargs):
        """Add a provider to the directory."""
        data = validated_input(AftercareProviderInputSerializer, request.data)
        payers = self._payers(data.pop("payers_accepted", []))
        is_active = data.pop("is_active", True)
        provider = services.aftercare_provider_create(
            organization=self.organization, payers=payers, actor=request.user, **data
        )
        if not is_active:
            services.aftercare_provider_update(provider=provider, is_active=False, actor=request.user)
        return self._answer(provider, status.HTTP_201_CREATED)

    @extend_schema(request=AftercareProviderInputSerializer(partial=True), responses=AftercareProviderSerializer)
    def partial_update(self, request, *args, **kwargs):
        """Change the fields given (`payers_accepted` replaces the list)."""
        provider = self.get_object()
        serializer = AftercareProviderInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        payers = self._payers(data.pop("payers_accepted")) if "payers_accepted" in data else None
        services.aftercare_provider_update(provider=provider, payers=payers, actor=request.user, **data)
        return self._answer(provider)


class AftercareAppointmentViewSet(AuditedRetrieveMixin, TenantScopedViewSet):
    """Clients' aftercare appointments, the latest time first."""

    serializer_class = AftercareAppointmentSerializer
    pagination_class = LatestFirstPagination
    audit_object_type = "discharge.AftercareAppointment"
    required_actions = {"list": perms.DISCHARGE_VIEW, "retrieve": perms.DISCHARGE_VIEW, "*": perms.DISCHARGE_MANAGE}

    def scoped_queryset(self):
        appointments = selectors.appointment_list(organization=self.organization)
        if episode := _uuid(self.request.query_params.get("episode")):
            appointments = appointments.filter(plan__episode_id=episode)
        return appointments

    def audit_client_ids(self, obj) -> tuple:
        return (obj.plan.episode.client_id,)

    def _answer(self, request, appointment, code=status.HTTP_200_OK) -> Response:
        appointment = selectors.appointment_list(organization=self.organization).get(pk=appointment.pk)
        self.audit_view(request, appointment)
        return Response(self.get_serializer(appointment).data, status=code)

    @extend_schema(request=AppointmentBookSerializer, responses={201: AftercareAppointmentSerializer})
    def create(self, request, *args, **kwargs):
        """Book an aftercare appointment for the episode's transition plan."""
        data = validated_input(AppointmentBookSerializer, request.data)
        plan = (
            TransitionPlan.objects.filter(organization=self.organization, episode_id=data.pop("episode"))
            .select_related("organization")
            .first()
        )
        if plan is None:
            raise Http404
        provider = selectors.provider_get(organization=self.organization, provider_id=data.pop("provider"))
        if provider is None:
            refuse(
                "That provider is not in the directory.",
                code=DischargeErrorCode.PROVIDER_UNKNOWN,
                field="provider",
            )
        appointment = services.aftercare_appointment_book(plan=plan, provider=provider, actor=request.user, **data)
        return self._answer(request, appointment, status.HTTP_201_CREATED)

    @extend_schema(request=AppointmentRescheduleSerializer, responses=AftercareAppointmentSerializer)
    @action(detail=True, methods=["post"])
    def reschedule(self, request, *args, **kwargs):
        """Move the appointment (and change its confirmation, when given)."""
        appointment = self.get_object()
        data = validated_input(AppointmentRescheduleSerializer, request.data)
        services.aftercare_appointment_reschedule(appointment=appointment, actor=request.user, **data)
        return self._answer(request, appointment)

    @extend_schema(request=AppointmentCancelSerializer, responses=AftercareAppointmentSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, *args, **kwargs):
        """Cancel the appointment, with the reason."""
        appointment = self.get_object()
        data = validated_input(AppointmentCancelSerializer, request.data)
        services.aftercare_appointment_cancel(appointment=appointment, reason=data["reason"], actor=request.user)
        return self._answer(request, appointment)

    @extend_schema(request=AppointmentOutcomeSerializer, responses=AftercareAppointmentSerializer)
    @action(detail=True, methods=["post"])
    def outcome(self, request, *args, **kwargs):
        """Record whether the client went (kept) or not (missed), once its time has come."""
        appointment = self.get_object()
        data = validated_input(AppointmentOutcomeSerializer, request.data)
        services.aftercare_appointment_outcome_record(appointment=appointment, actor=request.user, **data)
        return self._answer(request, appointment)


class FollowUpCheckViewSet(mixins.ListModelMixin, AuditedRetrieveMixin, TenantScopedViewSet):
    """The 7- and 30-day follow-up checks, the earliest due first."""

    serializer_class = FollowUpCheckSerializer
    pagination_class = DueFirstPagination
    audit_object_type = "discharge.FollowUpCheck"
    required_actions = {"list": perms.DISCHARGE_VIEW, "retrieve": perms.DISCHARGE_VIEW, "*": perms.DISCHARGE_MANAGE}

    def scoped_queryset(self):
        checks = selectors.follow_up_check_list(organization=self.organization)
        params = self.request.query_params
        if episode := _uuid(params.get("episode")):
            checks = checks.filter(plan__episode_id=episode)
        if _flag(params.get("due")):
            checks = checks.filter(outcome=FollowUpOutcome.PENDING, due_date__lte=self.organization.local_today())
        return checks

    def audit_client_ids(self, obj) -> tuple:
        return (obj.plan.episode.client_id,)

    @extend_schema(request=FollowUpRecordSerializer, responses=FollowUpCheckSerializer)
    @action(detail=True, methods=["post"])
    def record(self, request, *args, **kwargs):
        """Staff's answer: kept, not_kept (no follow-up) or unreachable (could not confirm)."""
        check = self.get_object()
        data = validated_input(FollowUpRecordSerializer, request.data)
        services.follow_up_check_record(check=check, actor=request.user, **data)
        check = self.get_queryset().get(pk=check.pk)
        self.audit_view(request, check)
        return Response(self.get_serializer(check).data)


ROUTES: list = [
    ("aftercare-providers", AftercareProviderViewSet, "aftercare-provider"),
    ("aftercare-appointments", AftercareAppointmentViewSet, "aftercare-appointment"),
    ("follow-up-checks", FollowUpCheckViewSet, "follow-up-check"),
]
