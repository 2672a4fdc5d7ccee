"""REST endpoints for reviews: list and read them (the clinical fields for clinical roles only),
update the clinical fields (PATCH), schedule an authorization's review, move a review's date, and
record the payer's outcome. `ROUTES` lists (prefix, viewset, basename) for iop.api_urls.

Every row names a client: every page of a list and every read writes an access event (channel
"api"). A refusal answers 400 with its code (`review_not_open`, `review_date_in_past`,
`review_date_outside_authorization`, `invalid_outcome`, `outcome_lines_required`,
`step_down_level_required`, `invalid_scores`, `authorization_not_active`, …).
"""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from authorizations.models import OPEN_REVIEW_STATUSES, ConcurrentReview, ReviewStatus
from authorizations.requests.services.determinations import ApprovedLine
from authorizations.reviews import selectors
from authorizations.reviews.serializers import (
    ReviewClinicalSerializer,
    ReviewMoveSerializer,
    ReviewOutcomeSerializer,
    ReviewScheduleSerializer,
    ReviewSerializer,
)
from authorizations.reviews.services import calendar, clinical, outcomes
from authorizations.units.selectors import authorization_get
from iop.common.api import AuditedRetrieveMixin, TenantScopedViewSet, validated_input
from iop.common.pages import found_or_404
from iop.common.pagination import DefaultCursorPagination
from iop.tenancy import permissions as perms
from iop.tenancy.permissions import membership_can


class ReviewDatePagination(DefaultCursorPagination):
    ordering = ("review_date", "id")


class ReviewFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ReviewStatus.choices)
    open = django_filters.BooleanFilter(method="filter_open", help_text="true: upcoming, submitted or pended.")
    date_from = django_filters.DateFilter(field_name="review_date", lookup_expr="gte")
    date_to = django_filters.DateFilter(field_name="review_date", lookup_expr="lte")
    episode = django_filters.UUIDFilter(field_name="episode_id")
    authorization = django_filters.UUIDFilter(field_name="authorization_id")
    mine = django_filters.BooleanFilter(method="filter_mine", help_text="true: the caller's own reviews.")

    class Meta:
        model = ConcurrentReview
        fields = ["status", "open", "date_from", "date_to", "episode", "authorization", "mine"]

    def filter_open(self, queryset, name, value):
        if value is None:
            return queryset
        return (
            queryset.filter(status__in=OPEN_REVIEW_STATUSES)
            if value
            else queryset.exclude(status__in=OPEN_REVIEW_STATUSES)
        )

    def filter_mine(self, queryset, name, value):
        return queryset.filter(clinician=self.request.user) if value else queryset


class ReviewViewSet(AuditedRetrieveMixin, TenantScopedViewSet):
    """Concurrent reviews by date."""

    serializer_class = ReviewSerializer
    filterset_class = ReviewFilter
    pagination_class = ReviewDatePagination
    audit_object_type = "authorizations.ConcurrentReview"
    required_actions = {
        "list": perms.REVIEW_VIEW,
        "retrieve": perms.REVIEW_VIEW,
        "partial_update": perms.REVIEW_CLINICAL_EDIT,
        "*": perms.REVIEW_OUTCOME_RECORD,
    }

    def scoped_queryset(self):
        return selectors.review_list(organization=self.organization)

    def audit_client_ids(self, obj) -> tuple:
        return (obj.episode.client_id,)

    def get_serializer_context(self):
        return {
            **super().get_serializer_context(),
            "show_clinical": membership_can(self.membership, perms.CLINICAL_VIEW),
        }

    def _answer(self, request, review_id):
        review = self.get_queryset().get(pk=review_id)
        self.audit_view(request, review)
        return Response(self.get_serializer(review).data)

    @extend_schema(request=ReviewClinicalSerializer, responses=ReviewSerializer)
    def partial_update(self, request, *args, **kwargs):
        """The clinical fields given (the others stay as they are); an open review only."""
        review = self.get_object()
        clinical.review_clinical_update(
            review=review, data=validated_input(ReviewClinicalSerializer, request.data), actor=request.user
        )
        return self._answer(request, review.pk)

    @extend_schema(request=ReviewScheduleSerializer, responses=ReviewSerializer)
    @action(detail=False, methods=["post"])
    def schedule(self, request, *args, **kwargs):
        """The authorization's open review, created on its next review date (or the payer's) if
        it has none."""
        data = validated_input(ReviewScheduleSerializer, request.data)
        authorization = found_or_404(
            authorization_get(organization=self.organization, authorization_id=data["authorization"])
        )
        review = calendar.review_schedule(
            authorization=authorization, review_date=data.get("review_date"), actor=request.user
        )
        return self._answer(request, review.pk)

    @extend_schema(request=ReviewMoveSerializer, responses=ReviewSerializer)
    @action(detail=True, methods=["post"])
    def move(self, request, *args, **kwargs):
        """Move an open review to the date the payer gave."""
        review = self.get_object()
        data = validated_input(ReviewMoveSerializer, request.data)
        calendar.review_date_move(review=review, review_date=data["review_date"], actor=request.user)
        return self._answer(request, review.pk)

    @extend_schema(request=ReviewOutcomeSerializer, responses=ReviewSerializer)
    @action(detail=True, methods=["post"])
    def outcome(self, request, *args, **kwargs):
        """Record the payer's outcome: `approved` / `partial` (with `lines`), `pended` (with
        `reason` and `information_due`), `step_down` (with `recommended_level_of_care`, and
        `lines` when days were approved to step down in) or `denied`."""
        review = self.get_object()
        data = validated_input(ReviewOutcomeSerializer, request.data)
        lines = [ApprovedLine(**line) for line in data.pop("lines", [])]
        outcomes.review_outcome_record(review=review, lines=lines, actor=request.user, **data)
        return self._answer(request, review.pk)


ROUTES: list = [
    ("reviews", ReviewViewSet, "review"),
]
