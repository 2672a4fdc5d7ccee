"""REST endpoints (requests). `ROUTES` lists (prefix, viewset, basename) for iop.api_urls.

- `authorization-requests/`: list, retrieve, create from an episode and a coverage (drafted from
  the treatment plan), partial update of the narrative and dates; actions `diagnoses` (POST add,
  PUT reorder), `diagnoses/<diagnosis_id>` (GET, DELETE), `lines` (POST add), `lines/<line_id>` (GET,
  PATCH, DELETE), `attachments` (POST multipart `file`), `mark-ready`, `submit`, `pend`,
  `determinations` (record the payer's answer), `pas-bundle` and `pas-claim-response` (the Da Vinci
  PAS rail: authorizations.pas.apis).
- `request-packets/`: a couple's combined packet — create, list, retrieve, `mark-ready`, `submit`.
- `determinations/`: the payer's answers, list and retrieve.

Thin: validate with a serializer, call a service, answer with the re-read object. Every row names
clients, so every read writes an access event (channel "api"). Answers leave out clinical content
for roles that do not read it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import django_filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from authorizations.models import (
    AuthorizationRequest,
    Determination,
    DeterminationAction,
    Diagnosis,
    RequestStatus,
    ServiceLine,
)
from authorizations.pas.apis import PasActionsMixin
from authorizations.requests import selectors as selectors
from authorizations.requests.serializers import (
    AttachmentInputSerializer,
    AuthorizationRequestSerializer,
    DeterminationInputSerializer,
    DeterminationSerializer,
    DiagnosisInputSerializer,
    DiagnosisOrderSerializer,
    DiagnosisSerializer,
    LineInputSerializer,
    LineUpdateSerializer,
    PacketCreateSerializer,
    PacketSubmitSerializer,
    PendSerializer,
    RequestAttachmentSerializer,
    RequestCreateSerializer,
    RequestPacketSerializer,
    RequestUpdateSerializer,
    ServiceLineSerializer,
    SubmitSerializer,
    X12ResponseImportSerializer,
)
from authorizations.requests.services import determinations as determinations_services
from authorizations.requests.services import drafting, packets, workflow, x12_278
from authorizations.requests.services import lines as lines_services
from authorizations.x12.http import X12_MEDIA_TYPE, x12_download
from iop.audit.models import AccessAction
from iop.audit.services import access_record
from iop.common.api import AuditedRetrieveMixin, TenantScopedViewSet, validated_input
from iop.common.pagination import DefaultCursorPagination
from iop.common.schema import ErrorSerializer
from iop.tenancy import permissions as perms
from iop.tenancy.permissions import membership_can

_UUID = "[0-9a-f-]{36}"
DIAGNOSIS_ID = OpenApiParameter("diagnosis_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
LINE_ID = OpenApiParameter("line_id", OpenApiTypes.UUID, OpenApiParameter.PATH)


_278_EXAMPLE = (
    "ISA*00*          *00*          *ZZ*HARBORSUB      *ZZ*CLEARHOUSE     *261201*1030*^*00501*000000042*0*T*:~\n"
    "GS*HI*HARBORSUB*CLEARHOUSE*20261201*1030*42*X*005010X217~\n"
    "ST*278*0001*005010X217~\n"
    "BHT*0007*13*R3F2A9C0D1E4B5A6*20261201*1030~\n"
    "HL*1**20*1~\nNM1*X3*2*Blue Harbor PPO*****PI*BHP01~\n"
    "HL*2*1*21*1~\nNM1*1P*2*Harbor Virtual IOP*****XX*1234567893~\n"
    "HL*3*2*22*1~\nNM1*IL*1*Rivera*Jordan****MI*BHP-1001~\nDMG*D8*19850412~\n"
    "HL*4*3*EV*1~\nTRN*1*R3F2A9C0D1E4B5A6*9123456789~\nUM*HS*I*MH*11:B**E~\n"
    "DTP*AAH*RD8*20261201-20261214~\nHI*ABK:F331~\n"
    "HL*5*4*SS*0~\nTRN*1*L0B1C2D3E4F5A6B7*9123456789~\nUM*HS*I~\n"
    "DTP*472*RD8*20261201-20261214~\nSV1*HC:90853**UN*6~\nHSD*VS*6~\n"
    "SE*21*0001~\nGE*1*42~\nIEA*1*000000042~\n"
)
_278_RESPONSE_EXAMPLE = (
    "ISA*00*          *00*          *ZZ*CLEARHOUSE     *ZZ*HARBORSUB      *261203*0900*^*00501*000000777*0*T*:~\n"
    "GS*HI*CLEARHOUSE*HARBORSUB*20261203*0900*777*X*005010X217~\nST*278*0001*005010X217~\n"
    "BHT*0007*11*R3F2A9C0D1E4B5A6*20261203*0900~\nHL*1**20*1~\nNM1*X3*2*Blue Harbor PPO*****PI*BHP01~\n"
    "HL*2*1*21*1~\nNM1*1P*2*Harbor Virtual IOP*****XX*1234567893~\n"
    "HL*3*2*22*1~\nNM1*IL*1*Rivera*Jordan****MI*BHP-1001~\n"
    "HL*4*3*EV*1~\nTRN*2*R3F2A9C0D1E4B5A6*9123456789~\nUM*HS*I*MH*11:B~\nHCR*A1*AUTH-1~\n"
    "HL*5*4*SS*0~\nTRN*2*L0B1C2D3E4F5A6B7*9123456789~\nUM*HS*I~\nHCR*A1*AUTH-1~\n"
    "DTP*472*RD8*20261201-20261214~\nSV1*HC:90853**UN*6~\nHSD*VS*6~\nSE*19*0001~\nGE*1*777~\nIEA*1*000000777~\n"
)
X12_278_RESPONSES = {
    (200, X12_MEDIA_TYPE): OpenApiResponse(
        OpenApiTypes.STR,
        description="The X12 278 request (005010X217), as a file to submit through the clearinghouse.",
        examples=[OpenApiExample("A 278 request", value=_278_EXAMPLE, media_type=X12_MEDIA_TYPE)],
    ),
    400: OpenApiResponse(
        ErrorSerializer,
        description="Refused: the organization's interoperability settings lack the submitter, receiver or NPI "
        "(`interop_not_configured`), the payer has no payer id (`payer_id_required`), or the request is a "
        "draft or has no line (`x12_not_sendable`).",
    ),
}


class NewestFirstPagination(DefaultCursorPagination):
    ordering = ("-created_at", "id")


class NewestRecordedPagination(DefaultCursorPagination):
    ordering = ("-recorded_at", "id")


class RequestFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=RequestStatus.choices)
    client = django_filters.UUIDFilter(field_name="episode__client_id")
    episode = django_filters.UUIDFilter(field_name="episode_id")
    packet = django_filters.UUIDFilter(field_name="packet_id")

    class Meta:
        model = AuthorizationRequest
        fields = ["status", "client", "episode", "packet"]


class DeterminationFilter(django_filters.FilterSet):
    request = django_filters.UUIDFilter(field_name="request_id")
    action = django_filters.ChoiceFilter(choices=DeterminationAction.choices)

    class Meta:
        model = Determination
        fields = ["request", "action"]


# The mixin is only ever combined with TenantScopedViewSet; type-checkers see it as its base so
# `super()` and `membership` are known, while at runtime it stays a plain mixin.
if TYPE_CHECKING:
    _ViewSetBase = TenantScopedViewSet
else:
    _ViewSetBase = object


class _ClinicalContextMixin(_ViewSetBase):
    def get_serializer_context(self):
        context = dict(super().get_serializer_context())
        if not getattr(self, "swagger_fake_view", False):
            context["clinical_access"] = membership_can(self.membership, perms.CLINICAL_VIEW)
        return context


class AuthorizationRequestViewSet(_ClinicalContextMixin, PasActionsMixin, AuditedRetrieveMixin, TenantScopedViewSet):
    """Pre-authorization requests with their diagnoses, itemized lines (sessions and projected
    cost), totals, the items still missing before submission, and the payer's determinations."""

    serializer_class = AuthorizationRequestSerializer
    filterset_class = RequestFilter
    pagination_class = NewestFirstPagination
    audit_object_type = "authorizations.AuthorizationRequest"
    required_actions = {
        "list": perms.COVERAGE_VIEW,
        "retrieve": perms.COVERAGE_VIEW,
        "diagnosis": perms.COVERAGE_VIEW,
        "line": perms.COVERAGE_VIEW,
        "determinations": perms.DETERMINATION_RECORD,
        "x12_278_response": perms.DETERMINATION_RECORD,
        "pas_claim_response": perms.DETERMINATION_RECORD,
        "*": perms.AUTH_REQUEST_MANAGE,
    }

    def scoped_queryset(self):
        return selectors.request_list(organization=self.organization)

    def audit_client_ids(self, obj) -> tuple:
        return (obj.episode.client_id,)

    def _answer(self, request, obj, *, created: bool = False) -> Response:
        """The request re-read with its checks, audited as a view."""
        obj = selectors.request_get(organization=self.organization, request_id=obj.pk)
        self.audit_view(request, obj)
        views = {view.request.pk: view for view in selectors.request_views([obj])}
        data = self.get_serializer(obj, context={**self.get_serializer_context(), "views": views}).data
        return Response(data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    def page_serializer_context(self, page) -> dict:
        return {"views": {view.request.pk: view for view in selectors.request_views(list(page))}}

    def retrieve(self, request, *args, **kwargs):
        return self._answer(request, self.get_object())

    @extend_schema(request=RequestCreateSerializer, responses={201: AuthorizationRequestSerializer})
    def create(self, request, *args, **kwargs):
        """Draft a request from the episode's treatment plan against one of the client's own
        coverages (another client's coverage is refused)."""
        data = validated_input(RequestCreateSerializer, request.data)
        created = drafting.request_create(actor=request.user, **data)
        return self._answer(request, created, created=True)

    @extend_schema(request=RequestUpdateSerializer, responses=AuthorizationRequestSerializer)
    def partial_update(self, request, *args, **kwargs):
        """Change the narrative (justification, summary, ESA note), other components, urgency,
        certification type or dates of a draft."""
        obj = self.get_object()
        drafting.request_update(
            request=obj, data=validated_input(RequestUpdateSerializer, request.data), actor=request.user
        )
        return self._answer(request, obj)

    @extend_schema(request=DiagnosisInputSerializer, responses=AuthorizationRequestSerializer)
    @action(detail=True, methods=["post"])
    def diagnoses(self, request, *args, **kwargs):
        """Add an ICD-10-CM diagnosis after the others (the first is the primary)."""
        obj = self.get_object()
        drafting.diagnosis_add(
            request=obj, actor=request.user, **validated_input(DiagnosisInputSerializer, request.data)
        )
        return self._answer(request, obj)

    @extend_schema(request=DiagnosisOrderSerializer, responses=AuthorizationRequestSerializer)
    @diagnoses.mapping.put
    def diagnoses_reorder(self, request, *args, **kwargs):
        """Put the diagnoses in order (every id once, the primary first)."""
        obj = self.get_object()
        drafting.diagnoses_reorder(
            request=obj, actor=request.user, **validated_input(DiagnosisOrderSerializer, request.data)
        )
        return self._answer(request, obj)

    def _diagnosis(self, obj, diagnosis_id) -> Diagnosis:
        diagnosis = Diagnosis.objects.filter(request=obj, pk=diagnosis_id).first()
        if diagnosis is None:
            raise NotFound("No such diagnosis on this request.")
        return diagnosis

    @extend_schema(parameters=[DIAGNOSIS_ID], responses=DiagnosisSerializer)
    @action(detail=True, methods=["get"], url_path=f"diagnoses/(?P<diagnosis_id>{_UUID})", url_name="diagnosis")
    def diagnosis(self, request, diagnosis_id=None, *args, **kwargs):
        """One diagnosis of the request (clinical content: roles that read it)."""
        obj = self.get_object()
        if not membership_can(self.membership, perms.CLINICAL_VIEW):
            raise PermissionDenied("Your role does not read clinical content.")
        diagnosis = self._diagnosis(obj, diagnosis_id)
        self.audit_view(request, obj)
        return Response(DiagnosisSerializer(diagnosis).data)

    @extend_schema(parameters=[DIAGNOSIS_ID], request=None, responses=AuthorizationRequestSerializer)
    @diagnosis.mapping.delete
    def diagnosis_remove(self, request, diagnosis_id=None, *args, **kwargs):
        """Remove a diagnosis (the next one moves up)."""
        obj = self.get_object()
        drafting.diagnosis_remove(request=obj, diagnosis=self._diagnosis(obj, diagnosis_id), actor=request.user)
        return self._answer(request, obj)

    @extend_schema(request=LineInputSerializer, responses=AuthorizationRequestSerializer)
    @action(detail=True, methods=["post"])
    def lines(self, request, *args, **kwargs):
        """Add an itemized line; its sessions and projected cost are computed from the payer's fee
        schedule. Units below 1, a frequency of 0 or dates outside the request are refused."""
        obj = self.get_object()
        data = validated_input(LineInputSerializer, request.data)
        data["track"] = data.pop("service_track", "")
        lines_services.line_add(request=obj, actor=request.user, **data)
        return self._answer(request, obj)

    def _line(self, obj, line_id) -> ServiceLine:
        line = ServiceLine.objects.filter(request=obj, pk=line_id).select_related("request").first()
        if line is None:
            raise NotFound("No such line on this request.")
        return line

    @extend_schema(parameters=[LINE_ID], responses=ServiceLineSerializer)
    @action(detail=True, methods=["get"], url_path=f"lines/(?P<line_id>{_UUID})", url_name="line")
    def line(self, request, line_id=None, *args, **kwargs):
        """One itemized line with its sessions and projected cost."""
        obj = self.get_object()
        line = self._line(obj, line_id)
        self.audit_view(request, obj)
        return Response(ServiceLineSerializer(line).data)

    @extend_schema(parameters=[LINE_ID], request=LineUpdateSerializer, responses=AuthorizationRequestSerializer)
    @line.mapping.patch
    def line_update(self, request, line_id=None, *args, **kwargs):
        """Change a line (the fields sent; the others are kept)."""
        obj = self.get_object()
        line = self._line(obj, line_id)
        data = validated_input(LineUpdateSerializer, request.data)
        if "service_track" in data:
            data["track"] = data.pop("service_track")
        lines_services.line_update(line=line, data=data, actor=request.user)
        return self._answer(request, obj)

    @extend_schema(parameters=[LINE_ID], request=None, responses=AuthorizationRequestSerializer)
    @line.mapping.delete
    def line_remove(self, request, line_id=None, *args, **kwargs):
        obj = self.get_object()
        lines_services.line_remove(line=self._line(obj, line_id), actor=request.user)
        return self._answer(request, obj)

    @extend_schema(
        request={"multipart/form-data": AttachmentInputSerializer}, responses={201: RequestAttachmentSerializer}
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def attachments(self, request, *args, **kwargs):
        """Attach a file (multipart `file`) until the request is determined. Checked before it is
        stored: type by content, size, and inside (a Word document's expansion, a PDF's pages);
        a refusal is a 400 naming `file`."""
        obj = self.get_object()
        upload = validated_input(AttachmentInputSerializer, request.data)["file"]
        attachment = drafting.attachment_add(request=obj, upload=upload, actor=request.user)
        self.audit_view(request, obj)
        return Response(RequestAttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=AuthorizationRequestSerializer)
    @action(detail=True, methods=["post"], url_path="mark-ready", url_name="mark_ready")
    def mark_ready(self, request, *args, **kwargs):
        """Draft → ready; refused (400) with every missing item in `extra.fields.__all__`."""
        obj = self.get_object()
        workflow.request_mark_ready(request=obj, actor=request.user)
        return self._answer(request, obj)

    @extend_schema(request=SubmitSerializer, responses=AuthorizationRequestSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, *args, **kwargs):
        """Ready → submitted: channel, payer reference; the decision due date comes from the payer's
        standard or expedited clock."""
        obj = self.get_object()
        workflow.request_submit(request=obj, actor=request.user, **validated_input(SubmitSerializer, request.data))
        return self._answer(request, obj)

    @extend_schema(request=PendSerializer, responses=AuthorizationRequestSerializer)
    @action(detail=True, methods=["post"])
    def pend(self, request, *args, **kwargs):
        """The payer asked for more information by a date: submitted → pended."""
        obj = self.get_object()
        workflow.request_pend(request=obj, actor=request.user, **validated_input(PendSerializer, request.data))
        return self._answer(request, obj)

    @extend_schema(request=DeterminationInputSerializer, responses={201: DeterminationSerializer})
    @action(detail=True, methods=["post"])
    def determinations(self, request, *args, **kwargs):
        """Record the payer's answer. A1/A2/A6 create the authorization (number, units ≥ 1, dates
        required) and notify the client and staff; A4 pends; A3/C close the request."""
        obj = self.get_object()
        determination = determinations_services.determination_record(
            request=obj, actor=request.user, **validated_input(DeterminationInputSerializer, request.data)
        )
        determination = selectors.determination_list(organization=self.organization).get(pk=determination.pk)
        self.audit_view(request, obj)
        return Response(DeterminationSerializer(determination).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=X12_278_RESPONSES)
    @action(detail=True, methods=["get"], url_path="x12-278", url_name="x12_278")
    def x12_278(self, request, *args, **kwargs):
        """The request as an X12 278 (005010X217) to submit through the clearinghouse. Every call
        writes a new interchange under the organization's next control number and keeps the file;
        the trace number (BHT03, the event's TRN) is the request's own, so the payer's response
        is matched to the request whichever file it answers. Written to the access log as an export."""
        obj = self.get_object()
        message = x12_278.x12_278_request_download(request=obj, actor=request.user)
        response = x12_download(message, transaction_set="278")
        access_record(
            request=request, action=AccessAction.EXPORT, obj=obj, client_id=obj.episode.client_id, channel="api"
        )
        return response

    @extend_schema(
        request=X12ResponseImportSerializer,
        responses={201: DeterminationSerializer},
        examples=[
            OpenApiExample(
                "A 278 response certifying the request",
                value={"raw_278": _278_RESPONSE_EXAMPLE, "information_due": None},
                request_only=True,
            )
        ],
    )
    @action(detail=True, methods=["post"], url_path="x12-278-response", url_name="x12_278_response")
    def x12_278_response(self, request, *args, **kwargs):
        """Record the payer's X12 278 response as the request's determination: the service lines it
        certified (HCR A1/A2/A6) become the authorization's lines with its certification number,
        units (HSD) and dates (DTP 472, or 007/036); the lines it did not certify, its reason codes
        (HCR03) and messages go into the reason; an event-level decision answers every line; A4
        pends (`information_due` required). The raw file is kept (`source_message`). Refused (400,
        nothing saved): a file that is not a 278 response (`x12_malformed`, `x12_not_a_response`),
        one answering another request (`x12_trace_mismatch`), member (`member_mismatch`) or person
        (`person_mismatch`), a rejection without decision (`x12_rejected`), lines certified under
        different numbers (`x12_certification_numbers`)."""
        obj = self.get_object()
        data = validated_input(X12ResponseImportSerializer, request.data)
        determination = x12_278.x12_278_response_import(
            request=obj, raw=data["raw_278"], information_due=data["information_due"], actor=request.user
        )
        determination = selectors.determination_list(organization=self.organization).get(pk=determination.pk)
        self.audit_view(request, obj)
        return Response(DeterminationSerializer(determination).data, status=status.HTTP_201_CREATED)


class RequestPacketViewSet(_ClinicalContextMixin, AuditedRetrieveMixin, TenantScopedViewSet):
    """A couple's combined packet: one request per partner, each on their own coverage."""

    serializer_class = RequestPacketSerializer
    pagination_class = NewestFirstPagination
    audit_object_type = "authorizations.RequestPacket"
    required_actions = {"list": perms.COVERAGE_VIEW, "retrieve": perms.COVERAGE_VIEW, "*": perms.AUTH_REQUEST_MANAGE}

    def scoped_queryset(self):
        return selectors.packet_list(organization=self.organization)

    def audit_client_ids(self, obj) -> tuple:
        return (obj.couple.partner_a_id, obj.couple.partner_b_id)

    def page_serializer_context(self, page) -> dict:
        """Packets with each request's checks (its `missing` items), as retrieve shows them: the
        checks of every request of the page at once, a constant number of queries."""
        requests = [r for packet in page for r in packet.requests.all()]
        return {"views": {view.request.pk: view for view in selectors.request_views(requests)}}

    def _answer(self, request, packet, *, created: bool = False) -> Response:
        packet = selectors.packet_get(organization=self.organization, packet_id=packet.pk)
        self.audit_view(request, packet)
        views = {view.request.pk: view for view in selectors.request_views(list(packet.requests.all()))}
        data = self.get_serializer(packet, context={**self.get_serializer_context(), "views": views}).data
        return Response(data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    def retrieve(self, request, *args, **kwargs):
        return self._answer(request, self.get_object())

    @extend_schema(request=PacketCreateSerializer, responses={201: RequestPacketSerializer})
    def create(self, request, *args, **kwargs):
        """One draft request per partner, each against that partner's own coverage; the
        couples-therapy line only on the identified patient's."""
        data = validated_input(PacketCreateSerializer, request.data)
        couple = data.pop("couple")
        coverages = {couple.partner_a_id: data.pop("coverage_a"), couple.partner_b_id: data.pop("coverage_b")}
        packet = packets.packet_create(couple=couple, coverages=coverages, actor=request.user, **data)
        return self._answer(request, packet, created=True)

    @extend_schema(request=None, responses=RequestPacketSerializer)
    @action(detail=True, methods=["post"], url_path="mark-ready", url_name="mark_ready")
    def mark_ready(self, request, *args, **kwargs):
        """Both requests ready together, or neither (every partner's missing items)."""
        packet = self.get_object()
        packets.packet_mark_ready(packet=packet, actor=request.user)
        return self._answer(request, packet)

    @extend_schema(request=PacketSubmitSerializer, responses=RequestPacketSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, *args, **kwargs):
        """Submit both requests in one transaction; both must be ready."""
        packet = self.get_object()
        packets.packet_submit(
            packet=packet, actor=request.user, **validated_input(PacketSubmitSerializer, request.data)
        )
        return self._answer(request, packet)

    @extend_schema(request=None, responses=X12_278_RESPONSES)
    @action(detail=True, methods=["get"], url_path="x12-278", url_name="x12_278")
    def x12_278(self, request, *args, **kwargs):
        """Both partners' requests as one X12 278 interchange, one transaction set each (X217 carries
        one patient event per transaction); a new control number each call, the file kept. Written to
        the access log as an export."""
        packet = self.get_object()
        message = x12_278.x12_278_packet_download(packet=packet, actor=request.user)
        response = x12_download(message, transaction_set="278")
        client_ids = [r.episode.client_id for r in packet.requests.all()]
        access_record(
            request=request,
            action=AccessAction.EXPORT,
            obj=packet,
            client_id=client_ids[0],
            object_ids=client_ids,
            channel="api",
        )
        return response


class DeterminationViewSet(AuditedRetrieveMixin, TenantScopedViewSet):
    """The payers' answers (X12 278 HCR01), newest recorded first; filter by request or action."""

    serializer_class = DeterminationSerializer
    filterset_class = DeterminationFilter
    pagination_class = NewestRecordedPagination
    audit_object_type = "authorizations.Determination"
    required_actions = {"*": perms.COVERAGE_VIEW}

    def scoped_queryset(self):
        return selectors.determination_list(organization=self.organization)

    def audit_client_ids(self, obj) -> tuple:
        return (obj.request.episode.client_id,)


ROUTES: list = [
    ("authorization-requests", AuthorizationRequestViewSet, "authorization-request"),
    ("request-packets", RequestPacketViewSet, "request-packet"),
    ("determinations", DeterminationViewSet, "determination"),
]
