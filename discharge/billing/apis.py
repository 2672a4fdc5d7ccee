"""REST endpoints (billing): billing lines (list, read, enter one), CSV imports (upload, list),
and each episode's reconciliation (read; close as reconciled; write off). `ROUTES` lists (prefix,
viewset, basename) for iop.api_urls.

Every row names a client: lists and reads write access events (channel "api"). Objects are found
through the selectors with the organization, so another organization's episode or line is a 404;
refusals answer with their `DischargeErrorCode` as `code`.
"""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from discharge.billing import selectors, services
from discharge.models import BillingImport, BillingLine, ClaimStatus
from iop.audit.models import AccessAction
from iop.audit.services import access_record
from iop.common.api import AuditedRetrieveMixin, TenantScopedViewSet, validated_input
from iop.common.pagination import DefaultCursorPagination
from iop.tenancy import permissions as perms


class NewestPagination(DefaultCursorPagination):
    ordering = ("-created_at", "id")


class NewestImportPagination(DefaultCursorPagination):
    ordering = ("-imported_at", "id")


class BillingLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = BillingLine
        fields = [
            "id",
            "episode",
            "source_import",
            "authorization_line",
            "authorization_number",
            "claim_number",
            "service_date",
            "code",
            "units",
            "billed_amount",
            "paid_amount",
            "status",
            "adjustment_reasons",
            "created_at",
        ]
        read_only_fields = fields


class BillingLineCreateSerializer(serializers.Serializer):
    episode = serializers.UUIDField()
    service_date = serializers.DateField()
    code = serializers.CharField(max_length=10)
    units = serializers.IntegerField(min_value=1, max_value=10000)
    billed_amount = serializers.DecimalField(max_digits=11, decimal_places=2, min_value=0)
    paid_amount = serializers.DecimalField(
        max_digits=11, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    status = serializers.ChoiceField(choices=ClaimStatus.choices, required=False, allow_blank=True)
    carc = serializers.CharField(max_length=60, required=False, allow_blank=True, help_text="e.g. 197 or CO-197;50")
    authorization_number = serializers.CharField(max_length=60, required=False, allow_blank=True)
    claim_number = serializers.CharField(max_length=60, required=False, allow_blank=True)


class BillingImportSerializer(serializers.ModelSerializer):
    class Meta:
        model = BillingImport
        fields = ["id", "source", "file_name", "line_count", "imported_at"]
        read_only_fields = fields


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField()


class WriteOffSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)
    amount = serializers.DecimalField(max_digits=11, decimal_places=2, min_value=0)


class BillingLineFilter(django_filters.FilterSet):
    episode = django_filters.UUIDFilter(field_name="episode_id")
    status = django_filters.ChoiceFilter(choices=ClaimStatus.choices)

    class Meta:
        model = BillingLine
        fields = ["episode", "status"]


class BillingLineViewSet(AuditedRetrieveMixin, TenantScopedViewSet):
    """Billing lines, newest first; `POST` enters one by hand for an episode."""

    serializer_class = BillingLineSerializer
    filterset_class = BillingLineFilter
    pagination_class = NewestPagination
    audit_object_type = "discharge.BillingLine"
    required_actions = {"*": perms.BILLING_RECONCILE}

    def scoped_queryset(self):
        return selectors.billing_line_list(organization=self.organization)

    def audit_client_ids(self, obj) -> tuple:
        return (obj.episode.client_id,)

    @extend_schema(request=BillingLineCreateSerializer, responses={201: BillingLineSerializer})
    def create(self, request, *args, **kwargs):
        data = validated_input(BillingLineCreateSerializer, request.data)
        episode = selectors.episode_get(organization=self.organization, episode_id=data.pop("episode"))
        if episode is None:
            raise ValidationError({"episode": ["No episode of this organization has that id."]})
        text = {name: "" if value is None else str(value) for name, value in data.items()}
        line = services.billing_line_create(episode=episode, data=text, actor=request.user)
        line = self.get_queryset().get(pk=line.pk)
        self.audit_view(request, line)
        return Response(self.get_serializer(line).data, status=status.HTTP_201_CREATED)


class BillingImportViewSet(TenantScopedViewSet):
    """CSV imports of billing lines (the file's columns: README, "Billing reconciliation"). A `POST`
    (multipart, `file`) imports one: the answer counts the lines added and updated and lists the
    rows not matched to an episode (not written)."""

    serializer_class = BillingImportSerializer
    pagination_class = NewestImportPagination
    parser_classes = [MultiPartParser, FormParser]
    required_actions = {"*": perms.BILLING_RECONCILE}

    def scoped_queryset(self):
        return selectors.billing_import_list(organization=self.organization)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(request={"multipart/form-data": UploadSerializer}, responses={201: dict})
    def create(self, request, *args, **kwargs):
        upload = validated_input(UploadSerializer, request.data)["file"]
        result = services.billing_file_import(
            organization=self.organization,
            content=upload.read(services.MAX_FILE_BYTES + 1),
            file_name=upload.name or "billing.csv",
            actor=request.user,
        )
        body = {
            "import": BillingImportSerializer(result.billing_import).data if result.billing_import else None,
            "already_imported": result.already_imported,
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "unmatched": [{"line": n, "row": what, "reason": why} for n, what, why in result.unmatched],
        }
        return Response(body, status=status.HTTP_200_OK if result.already_imported else status.HTTP_201_CREATED)


def reconciliation_data(billing: selectors.EpisodeBilling) -> dict:
    r = billing.reconciliation
    return {
        "episode": str(billing.episode.pk),
        "status": billing.status,
        "discrepancy_count": r.count,
        "billed_amount": str(r.billed_amount),
        "paid_amount": str(r.paid_amount),
        "write_off_reason": billing.record.write_off_reason if billing.record else "",
        "write_off_amount": str(billing.record.write_off_amount)
        if billing.record and billing.record.write_off_amount is not None
        else None,
        "closed_at": billing.record.closed_at if billing.record else None,
        "authorization_lines": [
            {
                "id": str(row.line.id),
                "authorization_number": row.line.authorization_number,
                "code": row.line.code,
                "start_date": row.line.start_date,
                "end_date": row.line.end_date,
                "units_authorized": row.line.authorized,
                "units_attended": row.line.attended,
                "units_billed": row.billed,
                "units_paid": row.paid,
            }
            for row in r.rows
        ],
        "discrepancies": [
            {
                "kind": d.kind,
                "message": d.message,
                "action": d.action,
                "carc": d.carc,
                "billing_line": str(d.billing_line_id) if d.billing_line_id else None,
                "authorization_line": str(d.authorization_line_id) if d.authorization_line_id else None,
            }
            for d in r.discrepancies
        ],
        "denials_by_reason": r.denials_by_reason(),
    }


class EpisodeReconciliationViewSet(TenantScopedViewSet):
    """Each episode's billing reconciliation, by the episode's id: units authorized vs attended vs
    billed vs paid per authorization line, the discrepancies with what to do; `close` (refused while
    discrepancies remain) and `write-off` (a reason and an amount)."""

    required_actions = {"*": perms.BILLING_RECONCILE}
    lookup_url_kwarg = "pk"

    def scoped_queryset(self):
        from iop.clients.models import Episode

        return Episode.objects.filter(organization=self.organization).select_related("client", "program")

    def _answer(self, request, episode, *, code=status.HTTP_200_OK):
        billing = selectors.episode_billing(episode=episode)
        access_record(
            request=request, action=AccessAction.VIEW, obj=episode, client_id=episode.client_id, channel="api"
        )
        return Response(reconciliation_data(billing), status=code)

    @extend_schema(responses=dict)
    def retrieve(self, request, *args, **kwargs):
        return self._answer(request, self.get_object())

    @extend_schema(request=None, responses=dict)
    @action(detail=True, methods=["post"])
    def close(self, request, *args, **kwargs):
        episode = self.get_object()
        services.reconciliation_close(episode=episode, actor=request.user, membership=self.membership)
        return self._answer(request, episode)

    @extend_schema(request=WriteOffSerializer, responses=dict)
    @action(detail=True, methods=["post"], url_path="write-off", url_name="write_off")
    def write_off(self, request, *args, **kwargs):
        episode = self.get_object()
        data = validated_input(WriteOffSerializer, request.data)
        services.reconciliation_write_off(episode=episode, actor=request.user, membership=self.membership, **data)
        return self._answer(request, episode)


ROUTES: list = [
    ("billing-lines", BillingLineViewSet, "billing-line"),
    ("billing-imports", BillingImportViewSet, "billing-import"),
    ("billing-reconciliations", EpisodeReconciliationViewSet, "billing-reconciliation"),
]
