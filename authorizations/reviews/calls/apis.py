"""REST endpoints of review calls, under their review. `ROUTES` lists (prefix, viewset, basename)
for iop.api_urls.

- `reviews/<review_id>/calls/`: list (latest first), retrieve, create (schedule);
- `reviews/<review_id>/calls/<id>/reschedule/` (move it, and change the details given);
- `reviews/<review_id>/calls/<id>/cancel/` (with a reason).

Another organization's review or call is a 404. Refusals answer 400 with their codes
(`call_in_past`, `call_duration`, `call_dial_in_required`, `call_dial_in_invalid`,
`call_already_scheduled`, `call_not_scheduled`, `call_review_closed`,
`call_cancel_reason_required`, `call_unchanged`). Every row names a client's review: lists and
reads write access events (channel "api").
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from authorizations.models import ConcurrentReview
from iop.common.api import AuditedRetrieveMixin, TenantScopedViewSet, validated_input
from iop.common.pages import found_or_404
from iop.common.pagination import DefaultCursorPagination
from iop.tenancy import permissions as perms

from . import selectors, services
from .serializers import (
    ReviewCallCancelSerializer,
    ReviewCallCreateSerializer,
    ReviewCallRescheduleSerializer,
    ReviewCallSerializer,
)


class LatestFirstPagination(DefaultCursorPagination):
    ordering = ("-starts_at", "id")


class ReviewCallViewSet(AuditedRetrieveMixin, TenantScopedViewSet):
    """A concurrent review's calls with the payer's reviewer, with their earlier times."""

    serializer_class = ReviewCallSerializer
    pagination_class = LatestFirstPagination
    audit_object_type = "authorizations.ReviewCall"
    required_actions = {
        "list": perms.REVIEW_VIEW,
        "retrieve": perms.REVIEW_VIEW,
        "*": perms.REVIEW_CALL_MANAGE,
    }

    def _review(self) -> ConcurrentReview:
        return found_or_404(
            ConcurrentReview.objects.filter(organization=self.organization, pk=self.kwargs["review_id"])
            .select_related("episode", "organization")
            .first()
        )

    def scoped_queryset(self):
        return selectors.review_call_list(organization=self.organization).filter(review=self._review())

    def audit_client_ids(self, obj) -> tuple:
        return (obj.review.episode.client_id,)

    def page_serializer_context(self, page) -> dict:
        return {"changes": selectors.calls_changes(page)}

    def _answer(self, request, call, *, created: bool = False) -> Response:
        call = self.get_queryset().get(pk=call.pk)
        self.audit_view(request, call)
        data = self.get_serializer(
            call, context={**self.get_serializer_context(), **self.page_serializer_context([call])}
        ).data
        return Response(data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    def retrieve(self, request, *args, **kwargs):
        return self._answer(request, self.get_object())

    @extend_schema(request=ReviewCallCreateSerializer, responses={201: ReviewCallSerializer})
    def create(self, request, *args, **kwargs):
        """Schedule the review's call (refused when it has one ahead: reschedule that one)."""
        review = self._review()  # another organization's review is a 404 whatever the body says
        data = validated_input(ReviewCallCreateSerializer, request.data)
        call = services.review_call_schedule(review=review, actor=request.user, **data)
        return self._answer(request, call, created=True)

    @extend_schema(request=ReviewCallRescheduleSerializer, responses=ReviewCallSerializer)
    @action(detail=True, methods=["post"])
    def reschedule(self, request, *args, **kwargs):
        """Move the call to `starts_at` (and change the details given); the earlier time is kept."""
        call = self.get_object()
        data = validated_input(ReviewCallRescheduleSerializer, request.data)
        services.review_call_reschedule(call=call, actor=request.user, **data)
        return self._answer(request, call)

    @extend_schema(request=ReviewCallCancelSerializer, responses=ReviewCallSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, *args, **kwargs):
        """Cancel the call, with the reason."""
        call = self.get_object()
        data = validated_input(ReviewCallCancelSerializer, request.data)
        services.review_call_cancel(call=call, reason=data["reason"], actor=request.user)
        return self._answer(request, call)


ROUTES: list = [
    ("reviews/(?P<review_id>[0-9a-f-]{36})/calls", ReviewCallViewSet, "review-call"),
]
