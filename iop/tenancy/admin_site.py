"""Django admin for program admins, scoped to one organization at a time.

Admin URLs carry no organization, so the admin acts for the organization chosen on
`/admin/organization/` (kept in the session and re-checked against Membership on every request by
TenantMiddleware). Access is decided by the same role map as the app (`admin.access`, i.e.
org_admin), not by Django's `is_staff`. Login goes through allauth (MFA, rate limits).
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from . import hooks
from .middleware import ADMIN_ORG_SESSION_KEY
from .models import Role
from .permissions import ADMIN_ACCESS, membership_can


class IopAdminSite(admin.AdminSite):
    site_header = "IOP Ops administration"
    site_title = "IOP Ops admin"
    index_title = "Configuration"

    def has_permission(self, request) -> bool:
        return (
            request.user.is_active
            and request.user.is_authenticated
            and getattr(request, "organization", None) is not None
            and membership_can(getattr(request, "membership", None), ADMIN_ACCESS)
        )

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        def wrapper(request, *args, **kwargs):
            # A signed-in org admin who has not chosen an organization yet picks one first.
            if request.user.is_authenticated and getattr(request, "organization", None) is None:
                return redirect("admin:select_organization")
            return inner(request, *args, **kwargs)

        # As Django's own admin_view does; mypy does not know attributes set on a function.
        wrapper.admin_site = self  # type: ignore[attr-defined]
        return wrapper

    def get_urls(self):
        return [
            path("organization/", self.select_organization_view, name="select_organization"),
            *super().get_urls(),
        ]

    def select_organization_view(self, request):
        from .selectors import memberships_of_user

        if not request.user.is_authenticated:
            return redirect(f"{reverse('account_login')}?next={request.path}")
        memberships = [m for m in memberships_of_user(user=request.user) if m.role == Role.ORG_ADMIN]
        if request.method == "POST":
            chosen = next((m for m in memberships if str(m.organization_id) == request.POST.get("organization")), None)
            if chosen is None:
                messages.error(request, "Choose one of your organizations.")
            else:
                request.session[ADMIN_ORG_SESSION_KEY] = chosen.organization_id
                # Recorded in the security log by iop/audit/wiring.py.
                hooks.admin_organization_chosen.send(
                    sender=type(self), request=request, user=request.user, organization=chosen.organization
                )
                return HttpResponseRedirect(reverse("admin:index"))
        context = {
            **self.each_context(request),
            "title": "Choose an organization",
            "memberships": memberships,
            "current": getattr(request, "organization", None),
        }
        return TemplateResponse(request, "admin/select_organization.html", context)

    def each_context(self, request):
        context = super().each_context(request)
        context["acting_organization"] = getattr(request, "organization", None)
        return context

    def login(self, request, extra_context=None):
        """Admins sign in through allauth (MFA, rate limits and sign-in audit apply). allauth's
        `secure_admin_login` checks Django's `is_staff`, which we do not use, hence our own."""
        if not request.user.is_authenticated:
            return redirect_to_login(request.GET.get("next") or reverse("admin:index"), reverse("account_login"))
        if self.has_permission(request):
            return redirect("admin:index")
        if getattr(request, "organization", None) is None:
            return redirect("admin:select_organization")
        raise PermissionDenied("Only organization admins can use the admin site.")
