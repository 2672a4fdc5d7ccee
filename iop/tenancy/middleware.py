"""Resolve the tenant from the URL and hold it for the whole request.

The organization comes from the URL (`/o/<org_slug>/…`, `/api/v1/o/<org_slug>/…`), never from a
"current organization" preference that can drift from what is being acted on (PostHog lesson). The
user must be an active member, or the organization does not exist for them: 404, never 403, so
other tenants cannot be enumerated. Django admin has no org in its URLs, so it acts for the
organization chosen on the admin switcher (`admin_org_id` in the session), re-checked on every
request.

The context is entered around the whole response, including template rendering, and reset in
`finally`: threads are reused, and a leaked ContextVar would hand the next request another tenant.
"""

from __future__ import annotations

from django.http import Http404
from django.urls import Resolver404, resolve

from .context import tenant_context, user_context
from .models import Organization
from .selectors import membership_for_user, organization_get_by_slug

ADMIN_ORG_SESSION_KEY = "admin_org_id"


class TenantMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.organization = None
        request.membership = None
        user = getattr(request, "user", None)
        user_id = user.pk if user is not None and user.is_authenticated else None
        with user_context(user_id):
            organization = self._organization_for(request)
            if organization is None:
                return self.get_response(request)
            with tenant_context(organization.id):
                request.organization = organization
                if user_id is not None:
                    request.membership = membership_for_user(organization=organization, user=user)
                    if request.membership is None and not request.path.startswith("/admin/"):
                        raise Http404("No such organization")
                return self.get_response(request)

    def _organization_for(self, request) -> Organization | None:
        if request.path.startswith("/admin/"):
            org_id = request.session.get(ADMIN_ORG_SESSION_KEY) if hasattr(request, "session") else None
            return Organization.objects.filter(pk=org_id, is_active=True).first() if org_id else None
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return None
        slug = match.kwargs.get("org_slug")
        if slug is None:
            return None
        organization = organization_get_by_slug(slug=slug)
        if organization is None:
            raise Http404("No such organization")
        return organization
