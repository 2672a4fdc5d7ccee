"""REST endpoints (consents and disclosures). `ROUTES` lists (prefix, viewset, basename) for
iop.api_urls.

- `consents/`: list (`?client=`), retrieve, create (every 42 CFR 2.31 element; refusals with
  their codes and nothing recorded), action `revoke` (POST) and `expiry-event` (POST).
- `disclosures/`: list (`?client=`), retrieve, create = send the episode's records under consent
  (refused with `consent_not_covering` naming what is missing, and nothing leaves), action
  `document` (GET: the PDF sent, an audited export), and `accounting` (GET `?client=&start=&end=`:
  the accounting of disclosures PDF, an audited export).

Every row names a client's records: every read writes an access event (channel "api"). Another
organization's ids are 404 (addressed) or a 400 "no such … in this organization" (in a body).
"""

from __future__ import annotations

import django_filters
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from discharge.models import Consent, Disclosure
from iop.audit.models import AccessAction
from iop.audit.services import access_record
from iop.clients.selectors import client_get
from iop.common.api import AuditedRetrieveMixin, TenantScopedViewSet, validated_input, validated_query
from iop.common.pagination import DefaultCursorPagination
from iop.tenancy import permissions as perms

from .documents import accounting_document, disclosure_filename
from .selectors import accounting_data
from .serializers import (
    AccountingQuerySerializer,
    ConsentCreateSerializer,
    ConsentSerializer,
    DisclosureSerializer,
    RevokeSerializer,
    SendSerializer,
)
from .services import consent_expiry_event_record, consent_record, consent_revoke, records_send


class BySignedPagination(DefaultCursorPagination):
    ordering = ("-signed_at", "id")


class BySentPagination(DefaultCursorPagination):
    ordering = ("-sent_at", "id")


def _name(user) -> str:
    return user.get_full_name() or user.email


class ClientRowsFilter(django_filters.FilterSet):
    client = django_filters.UUIDFilter(field_name="client_id", help_text="Only this client's rows.")


class ConsentViewSet(AuditedRetrieveMixin, mixins.ListModelMixin, TenantScopedViewSet):
    """Clients' consents to disclose, with their state (valid, expired, revoked)."""

    serializer_class = ConsentSerializer
    filterset_class = ClientRowsFilter
    pagination_class = BySignedPagination
    audit_object_type = "discharge.Consent"
    required_actions = {"*": perms.CONSENT_MANAGE}

    def scoped_queryset(self):
        return Consent.objects.filter(organization=self.organization).select_related(
            "organization", "recorded_by", "revoked_by"
        )

    def audit_client_ids(self, obj) -> tuple:
        return (obj.client_id,)

    def _answer(self, request, consent, *, created: bool = False) -> Response:
        consent = self.scoped_queryset().get(pk=consent.pk)
        self.audit_view(request, consent)
        return Response(self.get_serializer(consent).data, status=status.HTTP_201_CREATED if created else 200)

    @extend_schema(request=ConsentCreateSerializer, responses={201: ConsentSerializer})
    def create(self, request, *args, **kwargs):
        """Record a signed consent. An electronic signature is the client's own name with
        `signature_confirmed` true, signed now; a paper one (`wet`) may carry `signed_at`."""
        data = validated_input(ConsentCreateSerializer, request.data)
        consent = consent_record(organization=self.organization, actor=request.user, **data)
        return self._answer(request, consent, created=True)

    @extend_schema(request=RevokeSerializer, responses=ConsentSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, *args, **kwargs):
        """Record the client's revocation: the consent covers no further disclosure."""
        consent = self.get_object()
        consent_revoke(consent=consent, actor=request.user, **validated_input(RevokeSerializer, request.data))
        return self._answer(request, consent)

    @extend_schema(request=None, responses=ConsentSerializer)
    @action(detail=True, methods=["post"], url_path="expiry-event")
    def expiry_event(self, request, *args, **kwargs):
        """Record that the consent's expiry event happened (now): it expires."""
        consent = self.get_object()
        consent_expiry_event_record(consent=consent, actor=request.user)
        return self._answer(request, consent)


class DisclosureViewSet(AuditedRetrieveMixin, mixins.ListModelMixin, TenantScopedViewSet):
    """The disclosure log: what was sent, to whom, why, under which consent, by whom, when, how."""

    serializer_class = DisclosureSerializer
    filterset_class = ClientRowsFilter
    pagination_class = BySentPagination
    audit_object_type = "discharge.Disclosure"
    required_actions = {
        "list": perms.CONSENT_MANAGE,
        "retrieve": perms.CONSENT_MANAGE,
        "document": perms.CONSENT_MANAGE,
        "create": perms.DISCLOSURE_SEND,
        "accounting": perms.DISCLOSURE_SEND,
    }

    def scoped_queryset(self):
        return Disclosure.objects.filter(organization=self.organization).select_related("sent_by").defer("document")

    def audit_client_ids(self, obj) -> tuple:
        return (obj.client_id,)

    @extend_schema(request=SendSerializer, responses={201: DisclosureSerializer})
    def create(self, request, *args, **kwargs):
        """Send the episode's records packet under the client's consent (400
        `consent_not_covering` naming what no consent covers; nothing leaves)."""
        data = validated_input(SendSerializer, request.data)
        disclosure = records_send(organization=self.organization, actor=request.user, **data)
        disclosure = self.scoped_queryset().get(pk=disclosure.pk)
        self.audit_view(request, disclosure)
        return Response(self.get_serializer(disclosure).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY)})
    @action(detail=True, methods=["get"])
    def document(self, request, *args, **kwargs):
        """The document sent (the records packet PDF); written to the access log as an export."""
        disclosure = self.get_object()
        row = Disclosure.objects.filter(
            organization=self.organization, pk=disclosure.pk, document__isnull=False
        ).first()
        if row is None or row.document is None:
            raise NotFound("This disclosure has no document.")
        response = HttpResponse(bytes(row.document), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{disclosure_filename(row.pk)}"'
        access_record(request=request, action=AccessAction.EXPORT, obj=row, client_id=row.client_id, channel="api")
        return response

    @extend_schema(
        parameters=[
            OpenApiParameter("client", OpenApiTypes.UUID, required=True),
            OpenApiParameter("start", OpenApiTypes.DATE, required=True),
            OpenApiParameter("end", OpenApiTypes.DATE, required=True),
        ],
        responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY)},
    )
    @action(detail=False, methods=["get"])
    def accounting(self, request, *args, **kwargs):
        """The accounting of disclosures of one client for a period (a PDF the client can be given)."""
        query = validated_query(AccountingQuerySerializer, request.query_params)
        client = client_get(organization=self.organization, client_id=query["client"])
        if client is None:
            raise NotFound("No such client.")
        data = accounting_data(organization=self.organization, client=client, start=query["start"], end=query["end"])
        rendered = accounting_document(data=data, prepared_by=_name(request.user))
        response = HttpResponse(rendered.content, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{data.filename}"'
        access_record(
            request=request,
            action=AccessAction.EXPORT,
            object_type="discharge.Disclosure",
            client_id=client.pk,
            object_ids=[row.disclosure.pk for row in data.rows],
            channel="api",
        )
        return response


ROUTES: list = [
    ("consents", ConsentViewSet, "consent"),
    ("disclosures", DisclosureViewSet, "disclosure"),
]
