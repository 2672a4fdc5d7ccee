"""The PAS rail on the REST API, as two actions of `authorization-requests/` (mixed into
AuthorizationRequestViewSet):

- `GET authorization-requests/<id>/pas-bundle/`: the request's PAS request Bundle
  (`application/fhir+json`), kept as sent and written to the access log as an export;
- `POST authorization-requests/<id>/pas-claim-response/`: the payer's answer — a PAS response
  Bundle or a bare ClaimResponse, as the payer sent it (`application/fhir+json` or
  `application/json`) — recorded as the request's determination (201 with it); `information_due`
  (query, a date) for a pend that gives none.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import BaseParser
from rest_framework.response import Response

from authorizations.pas import codes as c
from authorizations.pas.services import claim_response_import, pas_bundle_send
from authorizations.pas.views import FHIR_JSON, pas_bundle_filename
from authorizations.requests import selectors
from authorizations.requests.serializers import DeterminationSerializer
from iop.audit.models import AccessAction
from iop.audit.services import access_record
from iop.common.api import TenantScopedViewSet, validated_query

if TYPE_CHECKING:
    _Base = TenantScopedViewSet
else:
    _Base = object


class _FhirTextParser(BaseParser):
    """The body as the text it is: kept as received, read by the ClaimResponse reader."""

    def parse(self, stream, media_type=None, parser_context=None):
        return stream.read().decode("utf-8-sig", errors="replace")


class FhirJsonParser(_FhirTextParser):
    media_type = FHIR_JSON


class JsonTextParser(_FhirTextParser):
    media_type = "application/json"


class ClaimResponseQuerySerializer(serializers.Serializer):
    information_due = serializers.DateField(
        required=False, help_text="When the information a pend asks for is due, if the response gives no date."
    )


_URN = "urn:uuid:9f1c2b7e-0000-4000-8000-00000000000"
BUNDLE_EXAMPLE = {
    "resourceType": "Bundle",
    "meta": {"profile": [c.REQUEST_BUNDLE]},
    "identifier": {"system": c.URI, "value": "urn:uuid:0c4f3a52-7d1e-4b8e-9d55-3f2a1b6c7d8e"},
    "type": "collection",
    "timestamp": "2027-01-11T14:05:00+00:00",
    "entry": [
        {
            "fullUrl": "urn:uuid:5b7d0e0c-2f43-4c1a-8f0e-6a3e2d1c9b8a",
            "resource": {
                "resourceType": "Claim",
                "meta": {"profile": [c.CLAIM]},
                "identifier": [{"system": c.URI, "value": "urn:uuid:5b7d0e0c-2f43-4c1a-8f0e-6a3e2d1c9b8a"}],
                "status": "active",
                "type": {"coding": [{"system": c.CLAIM_TYPE, "code": "professional"}]},
                "use": "preauthorization",
                "patient": {"reference": f"{_URN}1"},
                "created": "2027-01-11T14:05:00+00:00",
                "insurer": {"reference": f"{_URN}2"},
                "provider": {"reference": f"{_URN}3"},
                "priority": {"coding": [{"system": c.PROCESS_PRIORITY, "code": "normal"}]},
                "insurance": [{"sequence": 1, "focal": True, "coverage": {"reference": f"{_URN}4"}}],
                "diagnosis": [
                    {"sequence": 1, "diagnosisCodeableConcept": {"coding": [{"system": c.ICD10_CM, "code": "F33.1"}]}}
                ],
                "item": [
                    {
                        "extension": [
                            {
                                "url": c.EXT_CERTIFICATION_TYPE,
                                "valueCodeableConcept": {"coding": [{"system": c.X12_CERTIFICATION_TYPE, "code": "I"}]},
                            }
                        ],
                        "sequence": 1,
                        "category": {"coding": [{"system": c.X12_SERVICE_TYPE, "code": "MH"}]},
                        "productOrService": {"coding": [{"system": c.CPT, "code": "90853"}]},
                        "servicedPeriod": {"start": "2027-01-11", "end": "2027-01-24"},
                        "quantity": {"value": 6, "unit": "Unit", "system": c.X12_UNIT, "code": "UN"},
                    }
                ],
            },
        },
        {"fullUrl": f"{_URN}1", "resource": {"resourceType": "Patient", "meta": {"profile": [c.BENEFICIARY]}}},
    ],
}
CLAIM_RESPONSE_EXAMPLE = {
    "resourceType": "ClaimResponse",
    "status": "active",
    "type": {"coding": [{"system": c.CLAIM_TYPE, "code": "professional"}]},
    "use": "preauthorization",
    "patient": {"identifier": {"value": "BHP-1001"}},
    "created": "2027-01-12T09:30:00+00:00",
    "insurer": {"display": "Blue Harbor PPO"},
    "request": {"reference": "urn:uuid:5b7d0e0c-2f43-4c1a-8f0e-6a3e2d1c9b8a"},
    "outcome": "complete",
    "item": [
        {
            "itemSequence": 1,
            "extension": [
                {
                    "url": c.EXT_PRE_AUTH_PERIOD,
                    "valuePeriod": {"start": "2027-01-11", "end": "2027-01-24"},
                },
                {"url": c.EXT_AUTHORIZED_DETAIL, "extension": [{"url": "quantity", "valueQuantity": {"value": 6}}]},
            ],
            "adjudication": [
                {
                    "category": {"coding": [{"system": c.ADJUDICATION, "code": "submitted"}]},
                    "extension": [
                        {
                            "url": c.EXT_REVIEW_ACTION,
                            "extension": [
                                {
                                    "url": "code",
                                    "valueCodeableConcept": {"coding": [{"system": c.X12_ACTION, "code": "A1"}]},
                                },
                                {"url": "number", "valueString": "AUTH-5501"},
                            ],
                        }
                    ],
                }
            ],
        }
    ],
}


class PasActionsMixin(_Base):
    """The request's PAS Bundle out, the payer's ClaimResponse in."""

    @extend_schema(
        request=None,
        responses={
            (200, FHIR_JSON): OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="The PAS request Bundle (PASRequestBundle with a PASClaim and what it references).",
                examples=[OpenApiExample("PAS request Bundle (shortened)", value=BUNDLE_EXAMPLE)],
            )
        },
    )
    @action(detail=True, methods=["get"], url_path="pas-bundle", url_name="pas_bundle")
    def pas_bundle(self, request, *args, **kwargs):
        """The request as a Da Vinci PAS request Bundle (FHIR R4 JSON) for the payer's
        `Claim/$submit`; each download is kept as sent and written to the access log as an export."""
        obj = self.get_object()
        message = pas_bundle_send(request=obj, actor=request.user)
        response = HttpResponse(message.content, content_type=FHIR_JSON)
        response["Content-Disposition"] = f'attachment; filename="{pas_bundle_filename(obj.pk)}"'
        access_record(
            request=request, action=AccessAction.EXPORT, obj=obj, client_id=obj.episode.client_id, channel="api"
        )
        return response

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "information_due",
                OpenApiTypes.DATE,
                OpenApiParameter.QUERY,
                required=False,
                description="When the information a pend asks for is due, if the response gives no date.",
            ),
        ],
        request={FHIR_JSON: OpenApiTypes.OBJECT, "application/json": OpenApiTypes.OBJECT},
        examples=[OpenApiExample("An approval of one item", value=CLAIM_RESPONSE_EXAMPLE, request_only=True)],
        responses={201: DeterminationSerializer},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="pas-claim-response",
        url_name="pas_claim_response",
        parser_classes=[FhirJsonParser, JsonTextParser],
    )
    def pas_claim_response(self, request, *args, **kwargs):
        """Record the payer's PAS answer (a response Bundle or a ClaimResponse, as sent) as the
        request's determination: one line per approved item, or the pend or denial. A response to
        another request or about another member, a payer error, or a body that is not a FHIR
        ClaimResponse is a 400 (`code` says which) and nothing is recorded."""
        obj = self.get_object()
        query = validated_query(ClaimResponseQuerySerializer, request.query_params)
        # An empty body reaches no parser: DRF answers it with an empty dict.
        content = request.data if isinstance(request.data, str) else ""
        determination = claim_response_import(
            request=obj, content=content, information_due=query.get("information_due"), actor=request.user
        )
        determination = selectors.determination_list(organization=self.organization).get(pk=determination.pk)
        self.audit_view(request, obj)  # type: ignore[attr-defined]
        return Response(DeterminationSerializer(determination).data, status=status.HTTP_201_CREATED)
