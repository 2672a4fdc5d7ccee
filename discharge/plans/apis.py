"""REST endpoints for transition plans: list and read them (the summary's text for clinical roles
only), update a plan's fields (PATCH), tick a manual checklist item, complete the discharge (with
an org admin's override reason when required items are open), and sign the summary. `ROUTES` lists
(prefix, viewset, basename) for iop.api_urls.

Every row names a client: every page of a list and every read writes an access event (channel
"api"). Another organization's plan is a 404. A refusal answers 400 with its code
(`checklist_open` — with `extra.fields.open_items` —, `override_not_allowed`, `plan_closed`,
`item_automatic`, `item_unchanged`, `invalid_transition_type`, `target_date_before_admission`,
`provider_unknown`, `summary_signer_not_clinical`, `summary_empty`, `summary_already_signed`, …).
"""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from discharge.models import PlanStatus, TransitionPlan
from discharge.plans import selectors, services
from discharge.plans.serializers import (
    CompleteSerializer,
    PlanSerializer,
    PlanUpdateSerializer,
    SummarySignSerializer,
    TickSerializer,
)
from iop.common.api import AuditedRetrieveMixin, TenantScopedViewSet, validated_input
from iop.common.pages import found_or_404
from iop.common.pagination import DefaultCursorPagination
from iop.tenancy import permissions as perms
from iop.tenancy.permissions import membership_can


class PlanPagination(DefaultCursorPagination):
    ordering = ("created_at", "id")


class PlanFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=PlanStatus.choices)
    target_from = django_filters.DateFilter(field_name="target_date", lookup_expr="gte")
    target_to = django_filters.DateFilter(field_name="target_date", lookup_expr="lte")
    episode = django_filters.UUIDFilter(field_name="episode_id")

    class Meta:
        model = TransitionPlan
        fields = ["status", "target_from", "target_to", "episode"]


class PlanViewSet(AuditedRetrieveMixin, TenantScopedViewSet):
    """Transition plans (one per episode) with their checklists."""

    serializer_class = PlanSerializer
    filterset_class = PlanFilter
    pagination_class = PlanPagination
    audit_object_type = "discharge.TransitionPlan"
    required_actions = {
        "list": perms.DISCHARGE_VIEW,
        "retrieve": perms.DISCHARGE_VIEW,
        "sign_summary": perms.DISCHARGE_SUMMARY_SIGN,
        "*": perms.DISCHARGE_MANAGE,
    }

    def scoped_queryset(self):
        return selectors.plan_list(organization=self.organization)

    def audit_client_ids(self, obj) -> tuple:
        return (obj.episode.client_id,)

    def get_serializer_context(self):
        return {
            **super().get_serializer_context(),
            "show_clinical": membership_can(self.membership, perms.CLINICAL_VIEW),
        }

    def _answer(self, request, plan_id):
        plan = found_or_404(selectors.plan_get(organization=self.organization, plan_id=plan_id))
        self.audit_view(request, plan)
        return Response(self.get_serializer(plan).data)

    @extend_schema(request=PlanUpdateSerializer, responses=PlanSerializer)
    def partial_update(self, request, *args, **kwargs):
        """The fields given (the others stay as they are); an open plan only."""
        plan = self.get_object()
        services.plan_update(
            plan=plan,
            data=validated_input(PlanUpdateSerializer, request.data),
            actor=request.user,
            origin=services.origin_for(self.membership),
        )
        return self._answer(request, plan.pk)

    @extend_schema(request=TickSerializer, responses=PlanSerializer)
    @action(detail=True, methods=["post"])
    def tick(self, request, *args, **kwargs):
        """Tick a manual checklist item (`done`: false opens it again), with a note."""
        plan = self.get_object()
        data = validated_input(TickSerializer, request.data)
        item = found_or_404(selectors.checklist_item_get(plan=plan, item_id=data["item"]))
        services.checklist_item_tick(item=item, actor=request.user, done=data["done"], note=data["note"])
        return self._answer(request, plan.pk)

    @extend_schema(request=CompleteSerializer, responses=PlanSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, *args, **kwargs):
        """Complete the discharge on `last_day` (default: the target date). Refused naming the open
        required items unless an org admin gives `override_reason`."""
        plan = self.get_object()
        data = validated_input(CompleteSerializer, request.data)
        services.plan_complete(
            plan=plan,
            actor=request.user,
            membership=self.membership,
            last_day=data["last_day"],
            override_reason=data["override_reason"],
        )
        return self._answer(request, plan.pk)

    @extend_schema(request=SummarySignSerializer, responses=PlanSerializer)
    @action(detail=True, methods=["post"], url_path="sign-summary")
    def sign_summary(self, request, *args, **kwargs):
        """Sign the discharge summary (with its text when given): clinicians and org admins."""
        plan = self.get_object()
        data = validated_input(SummarySignSerializer, request.data)
        services.summary_sign(plan=plan, actor=request.user, membership=self.membership, text=data.get("summary"))
        return self._answer(request, plan.pk)


ROUTES: list = [
    ("discharge-plans", PlanViewSet, "discharge-plan"),
]
