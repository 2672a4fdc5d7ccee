"""REST endpoints (review packets). `ROUTES` lists (prefix, viewset, basename) for iop.api_urls.

- `review-packets/`: every review with its packet state and submission (list, retrieve by the
  review's id); actions `prepare` (POST: prepare the packet now, or again), `pdf` (GET: the packet's
  PDF, an audited export) and `submit` (POST: channel, payer reference, when — the review's renewal
  request is submitted and the review becomes `submitted`).

Thin: validate with a serializer, call a service, answer with the re-read review. Every row names
a client's review, so every read writes an access event (channel "api").
"""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from authorizations.models import ConcurrentReview
from authorizations.requests.serializers import SubmitSerializer
from iop.audit.models import AccessAction
from iop.audit.services import access_record
from iop.common.api import AuditedRetrieveMixin, TenantScopedViewSet, validated_input
from iop.common.pagination import DefaultCursorPagination
from iop.tenancy import permissions as perms

from .documents import review_packet_filename
from .selectors import review_packet_file
from .serializers import ReviewPacketSerializer
from .services import review_packet_prepare, review_submit


class ByReviewDatePagination(DefaultCursorPagination):
    ordering = ("review_date", "id")


def _reviews(organization):
    return (
        ConcurrentReview.objects.filter(organization=organization)
        .select_related("episode", "packet__prepared_by", "request__submitted_by")
        .defer("packet__pdf")
    )


class ReviewPacketViewSet(AuditedRetrieveMixin, TenantScopedViewSet):
    """Reviews with their packet's readiness (what is missing by the payer's checklist) and their
    submission to the payer."""

    serializer_class = ReviewPacketSerializer
    pagination_class = ByReviewDatePagination
    audit_object_type = "authorizations.ConcurrentReview"
    required_actions = {
        "list": perms.REVIEW_PACKET_VIEW,
        "retrieve": perms.REVIEW_PACKET_VIEW,
        "prepare": perms.REVIEW_PACKET_VIEW,
        "pdf": perms.REVIEW_PACKET_VIEW,
        "submit": perms.REVIEW_PACKET_MANAGE,
    }

    def scoped_queryset(self):
        return _reviews(self.organization)

    def audit_client_ids(self, obj) -> tuple:
        return (obj.episode.client_id,)

    def _answer(self, request, review) -> Response:
        review = _reviews(self.organization).get(pk=review.pk)
        self.audit_view(request, review)
        return Response(self.get_serializer(review).data)

    @extend_schema(request=None, responses=ReviewPacketSerializer)
    @action(detail=True, methods=["post"])
    def prepare(self, request, *args, **kwargs):
        """Prepare the packet now (or again): the PDF and what is missing; the clinician is told."""
        review = self.get_object()
        review_packet_prepare(review=review, actor=request.user)
        return self._answer(request, review)

    @extend_schema(responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY)})
    @action(detail=True, methods=["get"])
    def pdf(self, request, *args, **kwargs):
        """The packet's PDF (404 until one is prepared); written to the access log as an export."""
        review = self.get_object()
        packet = review_packet_file(organization=self.organization, review_id=review.pk)
        if packet is None or packet.pdf is None:
            raise NotFound("The packet has not been prepared yet.")
        response = HttpResponse(bytes(packet.pdf), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{review_packet_filename(review.pk)}"'
        access_record(
            request=request, action=AccessAction.EXPORT, obj=packet, client_id=review.episode.client_id, channel="api"
        )
        return response

    @extend_schema(request=SubmitSerializer, responses=ReviewPacketSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, *args, **kwargs):
        """Record that the review went to the payer (channel, reference, when; default now). The
        renewal request must be complete (400 `incomplete` with every missing item); a review
        already submitted or decided is refused."""
        review = self.get_object()
        review_submit(review=review, actor=request.user, **validated_input(SubmitSerializer, request.data))
        return self._answer(request, review)


ROUTES: list = [
    ("review-packets", ReviewPacketViewSet, "review-packet"),
]
