"""The base of every REST endpoint: tenant-scoped by construction.

Copied in spirit from PostHog's `TeamAndOrgViewSetMixin`: subclasses may not override
`get_queryset`, `get_object` or `get_permissions` (enforced in `__init_subclass__`); they implement
`scoped_queryset()`, which calls a selector with `organization=request.organization`. The tenant
comes from the URL (TenantMiddleware), never from a user preference. Objects of another tenant are
404 — the queryset cannot see them, and RLS could not either.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, permissions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.viewsets import GenericViewSet

from iop.audit.models import AccessAction
from iop.audit.services import access_record
from iop.common.exceptions import ApplicationError
from iop.tenancy.permissions import membership_can
from iop.tenancy.selectors import membership_for_user

if TYPE_CHECKING:
    from iop.tenancy.models import Membership, Organization


class IsOrgMemberWithRole(permissions.BasePermission):
    """The caller is an active member of the URL's organization and their role allows the
    viewset's action for this HTTP action (`required_actions`). Non-members get 404."""

    def has_permission(self, request, view) -> bool:
        organization = getattr(request, "organization", None)
        if organization is None:
            raise Http404
        membership = getattr(request._request, "membership", None)
        if membership is None or membership.user_id != request.user.pk:
            membership = membership_for_user(organization=organization, user=request.user)
            request._request.membership = membership
        if membership is None:
            raise Http404
        required = view.required_action_for(request)
        if required is None:
            return True
        return membership_can(membership, required)


class TenantScopedViewSet(GenericViewSet):
    """Subclasses set `required_actions` ({"list": action, "retrieve": action, "create": …};
    the key "*" is the fallback) and implement `scoped_queryset()`."""

    permission_classes = [permissions.IsAuthenticated, IsOrgMemberWithRole]
    required_actions: dict[str, str] = {}
    lookup_field = "pk"
    lookup_value_regex = "[0-9a-f-]{36}"

    _FORBIDDEN_OVERRIDES = ("get_queryset", "get_object", "get_permissions", "get_authenticators")

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name in cls._FORBIDDEN_OVERRIDES:
            if name in cls.__dict__:
                raise TypeError(
                    f"{cls.__name__} overrides {name}(); implement scoped_queryset() instead, so tenant "
                    "scoping and permissions cannot be bypassed."
                )

    def scoped_queryset(self):
        raise NotImplementedError

    def required_action_for(self, request) -> str | None:
        return self.required_actions.get(self.action) or self.required_actions.get("*")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            # Schema generation has no request tenant; it only needs the model.
            # Every serializer here is a ModelSerializer; the stubs' BaseSerializer has no Meta.
            return self.get_serializer_class().Meta.model.all_objects.none()  # type: ignore[attr-defined]
        return self.scoped_queryset()

    def get_object(self):
        try:
            return super().get_object()
        except DjangoValidationError as exc:  # malformed UUID
            raise Http404 from exc

    # TenantMiddleware sets `organization` and IsOrgMemberWithRole sets `membership` on the request;
    # neither attribute is known to the stubs' Request/HttpRequest.
    @property
    def organization(self) -> Organization:
        return self.request.organization  # type: ignore[attr-defined]

    @property
    def membership(self) -> Membership:
        return self.request._request.membership  # type: ignore[attr-defined]


# The audited mixins are only ever combined with TenantScopedViewSet; type-checkers see it as their
# base so the generic-view methods they call are known, while at runtime they stay plain mixins.
if TYPE_CHECKING:
    _AuditedBase = TenantScopedViewSet
else:
    _AuditedBase = object


class AuditedViewSetMixin(_AuditedBase):
    """For viewsets whose rows carry a client's PHI: every page of a list writes one access event
    with the clients' ids, and every retrieve (or `audit_view` after a write) writes a view event;
    channel "api". Subclasses say which clients a row reveals in `audit_client_ids`."""

    audit_object_type = ""

    def audit_client_ids(self, obj) -> tuple:
        raise NotImplementedError

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        # Audited lists always paginate (DEFAULT_PAGINATION_CLASS), so there is always a page.
        assert page is not None
        access_record(
            request=request,
            action=AccessAction.LIST,
            object_type=self.audit_object_type,
            object_ids=[client_id for row in page for client_id in self.audit_client_ids(row)],
            channel="api",
        )
        context = {**self.get_serializer_context(), **self.page_serializer_context(page)}
        return self.get_paginated_response(self.get_serializer(page, many=True, context=context).data)

    def page_serializer_context(self, page) -> dict:
        """What the serializer needs about the whole page at once (e.g. every row's checks in one
        read), so a list costs the same queries at any page size."""
        return {}

    def audit_view(self, request, obj) -> None:
        client_ids = self.audit_client_ids(obj)
        access_record(
            request=request,
            action=AccessAction.VIEW,
            obj=obj,
            client_id=client_ids[0],
            object_ids=client_ids if len(client_ids) > 1 else (),
            channel="api",
        )


class AuditedRetrieveMixin(AuditedViewSetMixin):
    """Adds the audited retrieve (a separate class: a list-only resource must not grow a detail
    route)."""

    def retrieve(self, request, *args, **kwargs):
        obj = self.get_object()
        self.audit_view(request, obj)
        return Response(self.get_serializer(obj).data)


def validated_input(serializer_class, data) -> dict:
    """The request body checked by an input serializer (400 with field errors when it is not)."""
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def validated_query(serializer_class, query_params) -> dict:
    """The query string checked by a serializer. Read as plain values, not as an HTML form: DRF
    takes a form's empty field for "not given", so `?status=` would silently mean no filter."""
    return validated_input(serializer_class, query_params.dict())


def _field_errors(detail) -> dict:
    if isinstance(detail, dict):
        return {k: v if isinstance(v, list) else [v] for k, v in detail.items()}
    if isinstance(detail, list):
        return {"non_field_errors": detail}
    return {}


def exception_handler(exc, context):
    """Errors are JSON `{"message": …, "code": …, "extra": {"fields": {field: [messages]}}}`."""
    if isinstance(exc, ApplicationError):
        return Response(
            {"message": exc.message, "code": exc.code, "extra": {"fields": exc.extra}},
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, DjangoValidationError):
        fields = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return Response(
            {"message": "Invalid input.", "code": "invalid", "extra": {"fields": fields}},
            status=status.HTTP_400_BAD_REQUEST,
        )
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = {
            "message": "Invalid input.",
            "code": "invalid",
            "extra": {"fields": _field_errors(exc.detail)},
        }
    else:
        detail = response.data.get("detail", "") if isinstance(response.data, dict) else response.data
        code = getattr(exc, "default_code", "error")
        if isinstance(exc, Http404):
            detail, code = "Not found.", "not_found"
        response.data = {"message": str(detail), "code": code, "extra": {}}
    return response
