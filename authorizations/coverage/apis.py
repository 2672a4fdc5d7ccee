"""REST endpoints (coverage). `ROUTES` lists (prefix, viewset, basename) for iop.api_urls.

- `payers/`: read — payers with their plans and effective-dated IOP rules (set up in Django admin);
- `coverages/`: clients' coverages with their latest verification; create, partial update, and
  `coverages/<id>/import-271/` to fill a verification from an X12 271 eligibility response;
- `verifications/`: benefit verifications; create records one done on a portal or by phone.

Thin: validate with a serializer, call a service or selector, serialize. Coverages and
verifications name a client, so every read writes an access event (channel "api"). Another
tenant's coverage is a 404 in the URL and "no such coverage" (400) in a body.
"""

from __future__ import annotations

import django_filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from authorizations.coverage import selectors as selectors
from authorizations.coverage.serializers import (
    BenefitVerificationDetailSerializer,
    BenefitVerificationSerializer,
    CoverageCreateSerializer,
    CoverageSerializer,
    CoverageUpdateSerializer,
    Import271Serializer,
    PayerSerializer,
    VerificationCreateSerializer,
)
from authorizations.coverage.services import coverages, verifications, x12_270, x12_import
from authorizations.models import BenefitVerification, Coverage, CoveragePriority, Payer, VerificationMethod
from authorizations.x12.http import X12_MEDIA_TYPE, x12_download
from iop.audit.models import AccessAction
from iop.audit.services import access_record
from iop.common.api import AuditedRetrieveMixin, TenantScopedViewSet, validated_input
from iop.common.pagination import ByNamePagination, DefaultCursorPagination
from iop.common.schema import ErrorSerializer
from iop.tenancy import permissions as perms

_270_EXAMPLE = (
    "ISA*00*          *00*          *ZZ*HARBORSUB      *ZZ*CLEARHOUSE     *261201*1030*^*00501*000000043*0*T*:~\n"
    "GS*HS*HARBORSUB*CLEARHOUSE*20261201*1030*43*X*005010X279A1~\nST*270*0001*005010X279A1~\n"
    "BHT*0022*13*E8C1D2F3A4B5C6D7*20261201*1030~\nHL*1**20*1~\nNM1*PR*2*Blue Harbor PPO*****PI*BHP01~\n"
    "HL*2*1*21*1~\nNM1*1P*2*Harbor Virtual IOP*****XX*1234567893~\nHL*3*2*22*0~\n"
    "TRN*1*E8C1D2F3A4B5C6D7*9123456789~\nNM1*IL*1*Rivera*Jordan****MI*M123456~\nDMG*D8*19850412~\n"
    "DTP*291*D8*20261201~\nEQ*30~\nEQ*MH~\nEQ*AI~\nEQ*CB~\nSE*18*0001~\nGE*1*43~\nIEA*1*000000043~\n"
)


class NewestCreatedPagination(DefaultCursorPagination):
    ordering = ("-created_at", "id")


class NewestVerifiedPagination(DefaultCursorPagination):
    ordering = ("-verified_at", "id")


class PayerFilter(django_filters.FilterSet):
    is_active = django_filters.BooleanFilter()

    class Meta:
        model = Payer
        fields = ["is_active"]


class CoverageFilter(django_filters.FilterSet):
    client = django_filters.UUIDFilter(field_name="client_id")
    payer = django_filters.UUIDFilter(field_name="payer_id")
    priority = django_filters.ChoiceFilter(choices=CoveragePriority.choices)

    class Meta:
        model = Coverage
        fields = ["client", "payer", "priority"]


class VerificationFilter(django_filters.FilterSet):
    coverage = django_filters.UUIDFilter(field_name="coverage_id")
    client = django_filters.UUIDFilter(field_name="coverage__client_id")
    method = django_filters.ChoiceFilter(choices=VerificationMethod.choices)

    class Meta:
        model = BenefitVerification
        fields = ["coverage", "client", "method"]


class PayerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantScopedViewSet):
    """Payers are configured by org admins in Django admin; the API reads them."""

    serializer_class = PayerSerializer
    filterset_class = PayerFilter
    pagination_class = ByNamePagination
    required_actions = {"*": perms.COVERAGE_VIEW}

    def scoped_queryset(self):
        return selectors.payer_detail_list(organization=self.organization)


class CoverageViewSet(AuditedRetrieveMixin, TenantScopedViewSet):
    """Clients' coverages, newest first; filter by client, payer or priority."""

    serializer_class = CoverageSerializer
    filterset_class = CoverageFilter
    pagination_class = NewestCreatedPagination
    audit_object_type = "authorizations.Coverage"
    required_actions = {
        "list": perms.COVERAGE_VIEW,
        "retrieve": perms.COVERAGE_VIEW,
        "*": perms.COVERAGE_MANAGE,
    }

    def scoped_queryset(self):
        return selectors.coverage_list(organization=self.organization)

    def audit_client_ids(self, obj) -> tuple:
        return (obj.client_id,)

    def _answer(self, request, coverage: Coverage, *, code: int = status.HTTP_200_OK) -> Response:
        coverage = self.get_queryset().get(pk=coverage.pk)
        self.audit_view(request, coverage)
        return Response(self.get_serializer(coverage).data, status=code)

    @extend_schema(request=CoverageCreateSerializer, responses={201: CoverageSerializer})
    def create(self, request, *args, **kwargs):
        """Add a client's coverage. Refused (400): a plan of another payer, an end before the start,
        a second primary (or secondary) for overlapping dates, another organization's ids."""
        data = validated_input(CoverageCreateSerializer, request.data)
        coverage = coverages.coverage_create(actor=request.user, **data)
        return self._answer(request, coverage, code=status.HTTP_201_CREATED)

    @extend_schema(request=CoverageUpdateSerializer(partial=True), responses=CoverageSerializer)
    def partial_update(self, request, *args, **kwargs):
        """Change some of the coverage's fields (never its client), with the same checks."""
        coverage = self.get_object()
        data = CoverageUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        coverages.coverage_update(coverage=coverage, data=dict(data.validated_data), actor=request.user)
        return self._answer(request, coverage)

    @extend_schema(request=Import271Serializer, responses={201: BenefitVerificationDetailSerializer})
    @action(detail=True, methods=["post"], url_path="import-271", url_name="import")
    def import_271(self, request, *args, **kwargs):
        """Fill a new benefit verification from an X12 271 eligibility response (JSON
        `{"raw_271": "ISA*00*…"}`), read from the loop of the coverage's person — the subscriber
        for a coverage of the client's own, the dependent with the client's name and date of birth
        otherwise: the mental-health, psychiatric outpatient and substance-abuse benefits, network
        and authorization-required flags summarized, every benefit of the person in `benefits`
        (in and out of network); the raw file is kept. Refused (400, nothing saved): a malformed
        file, a payer rejection (AAA), another member id or another person of the family (code
        `person_mismatch`, naming who the file is about), no mental-health or substance-use
        benefits."""
        coverage = self.get_object()
        data = validated_input(Import271Serializer, request.data)
        verification = x12_import.verification_import_271(coverage=coverage, raw=data["raw_271"], actor=request.user)
        verification = selectors.verification_list(organization=self.organization, with_benefit_lines=True).get(
            pk=verification.pk
        )
        access_record(
            request=request, action=AccessAction.VIEW, obj=verification, client_id=coverage.client_id, channel="api"
        )
        return Response(BenefitVerificationDetailSerializer(verification).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={
            (200, X12_MEDIA_TYPE): OpenApiResponse(
                OpenApiTypes.STR,
                description="The X12 270 eligibility request (005010X279A1), to submit through the clearinghouse.",
                examples=[OpenApiExample("A 270 request", value=_270_EXAMPLE, media_type=X12_MEDIA_TYPE)],
            ),
            400: OpenApiResponse(
                ErrorSerializer,
                description="Refused: the organization's interoperability settings are incomplete "
                "(`interop_not_configured`) or the payer has no payer id (`payer_id_required`).",
            ),
        },
    )
    @action(detail=True, methods=["get"], url_path="x12-270", url_name="x12_270")
    def x12_270(self, request, *args, **kwargs):
        """The coverage's X12 270 eligibility request for today: the payer's service types (else the
        organization's: 30, MH, AI, CB by default), the subscriber and, when the client is not the
        subscriber, the client as the dependent. Each call writes a new interchange (the
        organization's next control number) and keeps it with its TRN trace number: the 271 that
        echoes it is linked to it on import (`import-271`), and one echoing another coverage's 270
        is refused. Written to the access log as an export."""
        coverage = self.get_object()
        message = x12_270.x12_270_download(coverage=coverage, actor=request.user)
        response = x12_download(message, transaction_set="270")
        access_record(
            request=request, action=AccessAction.EXPORT, obj=coverage, client_id=coverage.client_id, channel="api"
        )
        return response


class VerificationViewSet(AuditedRetrieveMixin, TenantScopedViewSet):
    """Benefit verifications, newest first; filter by coverage, client or method. The list leaves
    out the raw 271 and the benefit lines; a verification's own page has them."""

    serializer_class = BenefitVerificationSerializer
    filterset_class = VerificationFilter
    pagination_class = NewestVerifiedPagination
    audit_object_type = "authorizations.BenefitVerification"
    required_actions = {
        "list": perms.COVERAGE_VIEW,
        "retrieve": perms.COVERAGE_VIEW,
        "*": perms.COVERAGE_MANAGE,
    }

    def scoped_queryset(self):
        if self.action == "list":
            return selectors.verification_list(organization=self.organization).defer("raw_271")
        return selectors.verification_list(organization=self.organization, with_benefit_lines=True)

    def get_serializer_class(self):
        return (
            BenefitVerificationDetailSerializer
            if self.action in ("retrieve", "create")
            else BenefitVerificationSerializer
        )

    def audit_client_ids(self, obj) -> tuple:
        return (obj.coverage.client_id,)

    @extend_schema(request=VerificationCreateSerializer, responses={201: BenefitVerificationDetailSerializer})
    def create(self, request, *args, **kwargs):
        """Record a verification done on the payer's portal or by phone. Refused (400): a time in
        the future, an amount met above its total, a coinsurance above 100 %, another
        organization's coverage."""
        data = validated_input(VerificationCreateSerializer, request.data)
        verification = verifications.verification_record(actor=request.user, **data)
        verification = self.get_queryset().get(pk=verification.pk)
        self.audit_view(request, verification)
        return Response(self.get_serializer(verification).data, status=status.HTTP_201_CREATED)


ROUTES = [
    ("payers", PayerViewSet, "payer"),
    ("coverages", CoverageViewSet, "coverage"),
    ("verifications", VerificationViewSet, "verification"),
]
