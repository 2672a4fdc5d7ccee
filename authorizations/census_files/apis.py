"""REST endpoints (census files). `ROUTES` lists (prefix, viewset, basename) for iop.api_urls.

- `census-imports/` (POST, multipart: `file`, `mode`): a census CSV (the columns:
  authorizations.census_files.services) previewed (`mode=preview`, the default: nothing written),
  imported whole (`all`: refused with 400 `census_rows_refused`, every bad row named by its line,
  while any row is bad) or the good rows only (`good_only`). The answer lists every row with its
  line, status (`new`, `existing`, `bad`) and problems. Nothing is kept between calls: a preview
  and the import each send the file.
- `exports/census.csv` (GET): the active clients with their coverage and authorization in force;
  `exports/attendance.csv?start=&end=` (GET, dates only): attendance for billing. Both are
  audited exports (an access event naming the clients, channel "api").

Thin: validate with a serializer, call the service or selector, answer.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from iop.audit.models import AccessAction
from iop.audit.services import access_record
from iop.clients.models import Client
from iop.common.api import TenantScopedViewSet, validated_input, validated_query
from iop.common.csv_files import BOM
from iop.tenancy import permissions as perms

from . import documents, selectors, services
from .selectors import MAX_EXPORT_DAYS


class CensusImportInputSerializer(serializers.Serializer):
    file = serializers.FileField(
        validators=[services.census_file_validator], help_text="The census CSV (UTF-8), up to 2 MB."
    )
    mode = serializers.ChoiceField(
        choices=[m.value for m in services.ImportMode],
        default=services.ImportMode.PREVIEW.value,
        help_text="`preview` writes nothing; `all` imports only when every row is good; `good_only` imports "
        "the good rows and reports the others.",
    )


class CensusRowSerializer(serializers.Serializer):
    line = serializers.IntegerField(help_text="The row's line in the file (the header is line 1).")
    status = serializers.ChoiceField(choices=[s.value for s in services.RowStatus])
    problems = serializers.ListField(child=serializers.CharField(), help_text="What is wrong (a bad row).")
    note = serializers.CharField(help_text="Why an existing row was skipped.", allow_blank=True)
    client = serializers.UUIDField(
        source="client_id", allow_null=True, help_text="The client created, or the one on file."
    )


class CensusImportResultSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(choices=[m.value for m in services.ImportMode])
    imported = serializers.BooleanField(help_text="Whether anything was written.")
    created_clients = serializers.IntegerField()
    created_coverages = serializers.IntegerField()
    admitted = serializers.IntegerField(help_text="Episodes admitted on the row's admission date.")
    rows = CensusRowSerializer(many=True)


class ExportRangeSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()

    def validate(self, attrs):
        if attrs["end"] < attrs["start"]:
            raise serializers.ValidationError({"end": ["The end is before the start."]})
        if (attrs["end"] - attrs["start"]).days >= MAX_EXPORT_DAYS:
            raise serializers.ValidationError({"end": [f"Export at most {MAX_EXPORT_DAYS} days at a time."]})
        return attrs


_PREVIEW_EXAMPLE = {
    "mode": "preview",
    "imported": False,
    "created_clients": 0,
    "created_coverages": 0,
    "admitted": 0,
    "rows": [
        {"line": 2, "status": "new", "problems": [], "note": "", "client": None},
        {
            "line": 3,
            "status": "bad",
            "problems": [
                "Date of birth “31/02/1990” is not a date (YYYY-MM-DD or MM/DD/YYYY).",
                "Member id is missing.",
            ],
            "note": "",
            "client": None,
        },
    ],
}


def _csv(text: str, filename: str) -> HttpResponse:
    response = HttpResponse(BOM + text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class CensusImportViewSet(TenantScopedViewSet):
    """Census CSV imports: preview, import all, or the good rows only (nothing is stored between calls)."""

    serializer_class = CensusImportResultSerializer
    parser_classes = [MultiPartParser, FormParser]
    required_actions = {"*": perms.CLIENT_CREATE}

    def scoped_queryset(self):
        return Client.objects.none()

    @extend_schema(
        request={"multipart/form-data": CensusImportInputSerializer},
        responses={
            200: OpenApiResponse(CensusImportResultSerializer, description="A preview, or nothing left to import."),
            201: OpenApiResponse(CensusImportResultSerializer, description="Rows were imported."),
        },
        examples=[OpenApiExample("A preview with a bad row", value=_PREVIEW_EXAMPLE, response_only=True)],
    )
    def create(self, request, *args, **kwargs):
        data = validated_input(CensusImportInputSerializer, request.data)
        content = data["file"].read(services.MAX_FILE_BYTES + 1)
        result = services.census_import(
            organization=self.organization, content=content, actor=request.user, mode=data["mode"]
        )
        found = [row.client_id for row in result.existing if row.client_id]
        if found:
            access_record(
                request=request, action=AccessAction.LIST, object_type="clients.Client", object_ids=found, channel="api"
            )
        if result.mode == services.ImportMode.ALL and result.bad:
            services.census_rows_refusal(result)
        body = CensusImportResultSerializer(result).data
        return Response(body, status=status.HTTP_201_CREATED if result.imported else status.HTTP_200_OK)


class CensusExportViewSet(TenantScopedViewSet):
    """The census and attendance for billing, as CSV files (audited exports)."""

    required_actions = {"*": perms.BILLING_RECONCILE}

    def scoped_queryset(self):
        return Client.objects.none()

    @extend_schema(responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY)})
    def census(self, request, *args, **kwargs):
        """Every active client (the census board's): program, level of care, episode dates, the
        coverage and the authorization in force today."""
        today = self.organization.local_today()
        rows = selectors.census_export_rows(organization=self.organization, today=today)
        response = _csv(documents.census_export_csv(rows), f"census-{today.isoformat()}.csv")
        access_record(
            request=request,
            action=AccessAction.EXPORT,
            object_type="clients.Episode",
            object_ids=[row.episode.client_id for row in rows],
            channel="api",
        )
        return response

    @extend_schema(
        parameters=[ExportRangeSerializer],
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY)},
    )
    def attendance(self, request, *args, **kwargs):
        """One row per client per session attended from `start` to `end` (at most 186 days): code,
        units, rendering facilitator, authorization number."""
        period = validated_query(ExportRangeSerializer, request.query_params)
        start, end = period["start"], period["end"]
        rows = selectors.billing_attendance_rows(organization=self.organization, start=start, end=end)
        text = documents.billing_export_csv(rows, tzinfo=self.organization.tzinfo)
        response = _csv(text, f"attendance-billing-{start.isoformat()}-to-{end.isoformat()}.csv")
        access_record(
            request=request,
            action=AccessAction.EXPORT,
            object_type="attendance.AttendanceRecord",
            object_ids=list(dict.fromkeys(row.record.episode.client_id for row in rows)),
            channel="api",
        )
        return response


ROUTES: list = [
    ("census-imports", CensusImportViewSet, "census-import"),
]
# The exports are files named as such (`census.csv`): plain paths, not the router's (which ends
# every route with a slash). Included under the API's namespace by iop.api_urls.
PATHS: list = [
    path("exports/census.csv", CensusExportViewSet.as_view({"get": "census"}), name="export-census"),
    path("exports/attendance.csv", CensusExportViewSet.as_view({"get": "attendance"}), name="export-attendance"),
]
