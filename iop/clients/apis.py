"""REST endpoints for clients, episodes, treatment plans and couples (integrations).

Thin: validate with a serializer, call a service or selector, serialize. Every read of a client's
PHI writes an AccessEvent (channel "api"); a list writes one event per page.
"""

from __future__ import annotations

from typing import cast

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from iop.accounts.models import User
from iop.audit.models import AccessAction
from iop.audit.services import access_record
from iop.common.api import AuditedRetrieveMixin, TenantScopedViewSet
from iop.tenancy import permissions as perms
from iop.tenancy.permissions import membership_can

from . import selectors, services
from .errors import ClientsErrorCode
from .filters import ClientFilter, EpisodeFilter
from .serializers import (
    ClientInputSerializer,
    ClientSearchSerializer,
    ClientSerializer,
    CoupleCreateSerializer,
    CoupleEndSerializer,
    CoupleSerializer,
    EpisodeCreateSerializer,
    EpisodeSerializer,
    EpisodeTransitionSerializer,
    TreatmentPlanCreateSerializer,
    TreatmentPlanInputSerializer,
    TreatmentPlanSerializer,
)


class ClientViewSet(AuditedRetrieveMixin, TenantScopedViewSet):
    serializer_class = ClientSerializer
    filterset_class = ClientFilter
    audit_object_type = "clients.Client"
    required_actions = {
        "list": perms.CLIENT_VIEW,
        "retrieve": perms.CLIENT_VIEW,
        "search": perms.CLIENT_VIEW,
        "create": perms.CLIENT_CREATE,
        "partial_update": perms.CLIENT_EDIT,
    }

    def scoped_queryset(self):
        return selectors.client_list(organization=self.organization)

    def audit_client_ids(self, obj) -> tuple:
        return (obj.pk,)

    @extend_schema(request=ClientSearchSerializer, responses=ClientSerializer(many=True))
    @action(detail=False, methods=["post"])
    def search(self, request, *args, **kwargs):
        """Search by name, email or phone. POST so the search text never lands in a URL or log;
        `?program=` and `?status=` narrow it as they narrow the list."""
        query = ClientSearchSerializer(data=request.data)
        query.is_valid(raise_exception=True)
        qs = selectors.client_list(organization=self.organization, search=query.validated_data["q"])
        page = self.paginate_queryset(self.filter_queryset(qs))
        assert page is not None  # this viewset paginates (DEFAULT_PAGINATION_CLASS)
        access_record(
            request=request,
            action=AccessAction.SEARCH,
            object_type="clients.Client",
            object_ids=[c.pk for c in page],
            channel="api",
        )
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(request=ClientInputSerializer, responses={201: ClientSerializer})
    def create(self, request, *args, **kwargs):
        data = ClientInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        created = services.client_create(organization=self.organization, created_by=request.user, **data.validated_data)
        client = selectors.client_get(organization=self.organization, client_id=created.pk)
        assert client is not None  # just created in this organization
        self.audit_view(request, client)
        return Response(self.get_serializer(client).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ClientInputSerializer(partial=True), responses=ClientSerializer)
    def partial_update(self, request, *args, **kwargs):
        client = self.get_object()
        data = ClientInputSerializer(instance=client, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.client_update(client=client, data=data.validated_data)
        client = selectors.client_get(organization=self.organization, client_id=client.pk)
        self.audit_view(request, client)
        return Response(self.get_serializer(client).data)


class EpisodeViewSet(AuditedRetrieveMixin, TenantScopedViewSet):
    serializer_class = EpisodeSerializer
    filterset_class = EpisodeFilter
    audit_object_type = "clients.Episode"
    required_actions = {
        "list": perms.CLIENT_VIEW,
        "retrieve": perms.CLIENT_VIEW,
        "create": perms.CLIENT_CREATE,
        "transition": perms.EPISODE_TRANSITION,
    }

    def scoped_queryset(self):
        return selectors.episode_list(organization=self.organization)

    def audit_client_ids(self, obj) -> tuple:
        return (obj.client_id,)

    @extend_schema(request=EpisodeCreateSerializer, responses={201: EpisodeSerializer})
    def create(self, request, *args, **kwargs):
        data = EpisodeCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        episode = services.episode_create(organization=self.organization, actor=request.user, **data.validated_data)
        return Response(self.get_serializer(episode).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=EpisodeTransitionSerializer, responses=EpisodeSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request, *args, **kwargs):
        """Move the episode along referred → intake → active → step_down / discharged."""
        episode = self.get_object()
        data = EpisodeTransitionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        episode = services.episode_transition(episode=episode, actor=request.user, **data.validated_data)
        return Response(self.get_serializer(episode).data)


class TreatmentPlanViewSet(AuditedRetrieveMixin, TenantScopedViewSet):
    serializer_class = TreatmentPlanSerializer
    audit_object_type = "clients.TreatmentPlan"
    required_actions = {
        "list": perms.CLIENT_VIEW,
        "retrieve": perms.CLIENT_VIEW,
        "create": perms.TREATMENT_PLAN_EDIT,
        "update": perms.TREATMENT_PLAN_EDIT,
    }

    def scoped_queryset(self):
        return selectors.treatment_plan_list(organization=self.organization)

    def get_serializer_context(self):
        return {
            **super().get_serializer_context(),
            "clinical_access": membership_can(self.membership, perms.CLINICAL_VIEW),
        }

    def audit_client_ids(self, obj) -> tuple:
        return (obj.episode.client_id,)

    def _save(self, *, episode, validated: dict):
        from .services import Availability

        availability = [Availability(**w) for w in validated.pop("availability", [])]
        # IsAuthenticated has let only a signed-in User through; the stubs also allow AnonymousUser.
        actor = cast(User, self.request.user)
        plan = services.treatment_plan_save(episode=episode, availability=availability, actor=actor, **validated)
        return self.scoped_queryset().get(pk=plan.pk)

    @extend_schema(request=TreatmentPlanCreateSerializer, responses={201: TreatmentPlanSerializer})
    def create(self, request, *args, **kwargs):
        data = TreatmentPlanCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        validated = dict(data.validated_data)
        episode = validated.pop("episode")
        if hasattr(episode, "treatment_plan"):
            return Response(
                {
                    "message": "This episode already has a treatment plan; update it instead.",
                    "code": ClientsErrorCode.TREATMENT_PLAN_EXISTS,
                    "extra": {},
                },
                status=status.HTTP_409_CONFLICT,
            )
        plan = self._save(episode=episode, validated=validated)
        return Response(self.get_serializer(plan).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=TreatmentPlanInputSerializer, responses=TreatmentPlanSerializer)
    def update(self, request, *args, **kwargs):
        plan = self.get_object()
        data = TreatmentPlanInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        plan = self._save(episode=plan.episode, validated=dict(data.validated_data))
        return Response(self.get_serializer(plan).data)


class CoupleViewSet(AuditedRetrieveMixin, TenantScopedViewSet):
    serializer_class = CoupleSerializer
    audit_object_type = "clients.Couple"
    required_actions = {
        "list": perms.CLIENT_VIEW,
        "retrieve": perms.CLIENT_VIEW,
        "create": perms.COUPLE_MANAGE,
        "end": perms.COUPLE_MANAGE,
    }

    def scoped_queryset(self):
        return selectors.couple_list(organization=self.organization)

    def audit_client_ids(self, obj) -> tuple:
        return (obj.partner_a_id, obj.partner_b_id)

    @extend_schema(request=CoupleCreateSerializer, responses={201: CoupleSerializer})
    def create(self, request, *args, **kwargs):
        data = CoupleCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        couple = services.couple_create(organization=self.organization, **data.validated_data)
        return Response(self.get_serializer(couple).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CoupleEndSerializer, responses=CoupleSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, *args, **kwargs):
        couple = self.get_object()
        data = CoupleEndSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        couple = services.couple_end(couple=couple, **data.validated_data)
        return Response(self.get_serializer(couple).data)
