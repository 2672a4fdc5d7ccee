"""REST endpoints (denials & appeals). `ROUTES` lists (prefix, viewset, basename) for iop.api_urls.

- `denial-cases/`: list (filter `status`), retrieve (clocks, next step, peer-to-peers, appeals);
  actions `denial` (the denial as the letter states it), `peer-to-peers` (schedule),
  `appeal-letter` (draft the next level's letter), `appeals` (file the next level), `close`.
- `peer-to-peers/`: list, retrieve; actions `reschedule`, `outcome`.
- `appeals/`: list, retrieve; action `outcome`.

Thin: validate, call a service, answer with the case re-read. Refusals are 400 with the service's
`code`; another organization's case is a 404. Every read is audited (channel "api")."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from authorizations.appeals import selectors, services
from authorizations.appeals.serializers import (
    AppealFileSerializer,
    AppealLetterSerializer,
    AppealOutcomeSerializer,
    AppealSerializer,
    CaseCloseSerializer,
    DenialCaseSerializer,
    DenialUpdateSerializer,
    P2POutcomeSerializer,
    P2PRescheduleSerializer,
    P2PScheduleSerializer,
    PeerToPeerSerializer,
)
from authorizations.models import Appeal, CaseStatus, DenialCase, PeerToPeer
from iop.common.api import AuditedRetrieveMixin, TenantScopedViewSet, validated_input
from iop.common.pagination import DefaultCursorPagination
from iop.tenancy import permissions as perms
from iop.tenancy.permissions import membership_can


class CasePagination(DefaultCursorPagination):
    ordering = ("-letter_received_at", "id")


class ScheduledPagination(DefaultCursorPagination):
    ordering = ("scheduled_at", "id")


class FilingPagination(DefaultCursorPagination):
    ordering = ("filing_due_at", "id")


class CaseFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=CaseStatus.choices)

    class Meta:
        model = DenialCase
        fields = ["status"]


class _Clinical:
    def get_serializer_context(self):
        context = dict(super().get_serializer_context())  # type: ignore[misc]
        if not getattr(self, "swagger_fake_view", False):
            context["clinical_access"] = membership_can(self.membership, perms.CLINICAL_VIEW)  # type: ignore[attr-defined]
        return context


class DenialCaseViewSet(_Clinical, AuditedRetrieveMixin, TenantScopedViewSet):
    """Denials as cases: the denial, the peer-to-peer, the appeals ladder, each on its clock."""

    serializer_class = DenialCaseSerializer
    filterset_class = CaseFilter
    pagination_class = CasePagination
    audit_object_type = "authorizations.DenialCase"
    required_actions = {"*": perms.APPEAL_MANAGE}

    def scoped_queryset(self):
        return selectors.case_list(organization=self.organization)

    def audit_client_ids(self, obj) -> tuple:
        return (obj.episode.client_id,)

    def _answer(self, request, case, *, created: bool = False) -> Response:
        case = selectors.case_get(organization=self.organization, case_id=case.pk)
        self.audit_view(request, case)
        data = self.get_serializer(case).data
        return Response(data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(request=DenialUpdateSerializer, responses=DenialCaseSerializer)
    @action(detail=True, methods=["post"])
    def denial(self, request, *args, **kwargs):
        """The denial as the letter states it; a new letter date moves the clocks."""
        case = self.get_object()
        services.denial_update(case=case, actor=request.user, **validated_input(DenialUpdateSerializer, request.data))
        return self._answer(request, case)

    @extend_schema(request=P2PScheduleSerializer, responses={201: DenialCaseSerializer})
    @action(detail=True, methods=["post"], url_path="peer-to-peers", url_name="peer_to_peers")
    def peer_to_peers(self, request, *args, **kwargs):
        """Schedule the peer-to-peer (the treating clinician and the payer's physician)."""
        case = self.get_object()
        services.p2p_schedule(case=case, actor=request.user, **validated_input(P2PScheduleSerializer, request.data))
        return self._answer(request, case, created=True)

    @extend_schema(request=AppealLetterSerializer, responses=DenialCaseSerializer)
    @action(detail=True, methods=["post"], url_path="appeal-letter", url_name="appeal_letter")
    def appeal_letter(self, request, *args, **kwargs):
        """Draft the letter of the level not filed yet."""
        case = self.get_object()
        services.appeal_prepare(case=case, actor=request.user, **validated_input(AppealLetterSerializer, request.data))
        return self._answer(request, case)

    @extend_schema(request=AppealFileSerializer, responses={201: DenialCaseSerializer})
    @action(detail=True, methods=["post"])
    def appeals(self, request, *args, **kwargs):
        """File the next level (the decision clock starts). `level`, if sent, must be that level."""
        case = self.get_object()
        services.appeal_file(case=case, actor=request.user, **validated_input(AppealFileSerializer, request.data))
        return self._answer(request, case, created=True)

    @extend_schema(request=CaseCloseSerializer, responses=DenialCaseSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, *args, **kwargs):
        case = self.get_object()
        services.case_close(case=case, actor=request.user, **validated_input(CaseCloseSerializer, request.data))
        return self._answer(request, case)


class PeerToPeerViewSet(AuditedRetrieveMixin, TenantScopedViewSet):
    serializer_class = PeerToPeerSerializer
    pagination_class = ScheduledPagination
    audit_object_type = "authorizations.PeerToPeer"
    required_actions = {"*": perms.APPEAL_MANAGE}

    def scoped_queryset(self):
        return PeerToPeer.objects.filter(organization=self.organization).select_related("case__episode")

    def audit_client_ids(self, obj) -> tuple:
        return (obj.case.episode.client_id,)

    @extend_schema(request=P2PRescheduleSerializer, responses=PeerToPeerSerializer)
    @action(detail=True, methods=["post"])
    def reschedule(self, request, *args, **kwargs):
        p2p = services.p2p_reschedule(
            p2p=self.get_object(), actor=request.user, **validated_input(P2PRescheduleSerializer, request.data)
        )
        self.audit_view(request, p2p)
        return Response(PeerToPeerSerializer(p2p).data)

    @extend_schema(request=P2POutcomeSerializer, responses=PeerToPeerSerializer)
    @action(detail=True, methods=["post"])
    def outcome(self, request, *args, **kwargs):
        """Held (with its outcome), missed or cancelled; overturned closes the case."""
        p2p = services.p2p_outcome_record(
            p2p=self.get_object(), actor=request.user, **validated_input(P2POutcomeSerializer, request.data)
        )
        self.audit_view(request, p2p)
        return Response(PeerToPeerSerializer(p2p).data)


class AppealViewSet(_Clinical, AuditedRetrieveMixin, TenantScopedViewSet):
    serializer_class = AppealSerializer
    pagination_class = FilingPagination
    audit_object_type = "authorizations.Appeal"
    required_actions = {"*": perms.APPEAL_MANAGE}

    def scoped_queryset(self):
        return Appeal.objects.filter(organization=self.organization).select_related("case__episode")

    def audit_client_ids(self, obj) -> tuple:
        return (obj.case.episode.client_id,)

    @extend_schema(request=AppealOutcomeSerializer, responses=AppealSerializer)
    @action(detail=True, methods=["post"])
    def outcome(self, request, *args, **kwargs):
        """The decision: overturned or withdrawn close the case; upheld opens the next level."""
        appeal = services.appeal_outcome_record(
            appeal=self.get_object(), actor=request.user, **validated_input(AppealOutcomeSerializer, request.data)
        )
        self.audit_view(request, appeal)
        return Response(AppealSerializer(appeal, context=self.get_serializer_context()).data)


ROUTES: list = [
    ("denial-cases", DenialCaseViewSet, "denial-case"),
    ("peer-to-peers", PeerToPeerViewSet, "peer-to-peer"),
    ("appeals", AppealViewSet, "appeal"),
]
