"""Django admin for program admins, scoped to one organization at a time.

Admin URLs carry no organization, so the admin acts for the organization chosen on
`/admin/organization/` (kept in the session and re-checked against Membership on every request by
TenantMiddleware); an admin of one organization only is taken straight in. Access is decided by
the same role map as the app (`admin.access`, i.e. org_admin), not by Django's `is_staff`. Login
goes through allauth (MFA, rate limits). A signed-in member who is no admin gets a page that says
so and leads back to the app, never Django's login page (they are signed in already).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import admin, messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme

from . import hooks
from .middleware import ADMIN_ORG_SESSION_KEY
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
            # A signed-in member without an organization to administer right now (none chosen yet,
            # or not an admin of the one chosen) goes to the chooser, which takes them in, lets them
            # pick, or says they administer none; Django would send them to its login page instead.
            if request.user.is_authenticated and not self.has_permission(request):
                return redirect(_with_next(reverse("admin:select_organization"), request.get_full_path()))
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
        # By the role map, as `has_permission` decides: whoever is taken in here is let in there.
        memberships = [m for m in memberships_of_user(user=request.user) if membership_can(m, ADMIN_ACCESS)]
        if not memberships:
            return self.not_an_admin_view(request)
        next_url = _admin_next(request)
        current = getattr(request, "organization", None)
        if current is not None and all(m.organization_id != current.pk for m in memberships):
            current = None  # chosen before their role changed: no longer theirs to administer
        if request.method == "POST":
            chosen = next((m for m in memberships if str(m.organization_id) == request.POST.get("organization")), None)
            if chosen is not None:
                return self._act_for(request, chosen, next_url)
            messages.error(request, "Choose one of your organizations.")
        elif len(memberships) == 1 and current is None:
            # Nothing to choose between. Someone already acting for it who opens the chooser
            # ("Switch organization") still sees it, chosen.
            return self._act_for(request, memberships[0], next_url)
        context = {
            **self.each_context(request),
            "title": "Choose an organization",
            "memberships": memberships,
            "current": current,
            "next": next_url,
        }
        return TemplateResponse(request, "admin/select_organization.html", context)

    def _act_for(self, request, membership, next_url: str):
        request.session[ADMIN_ORG_SESSION_KEY] = membership.organization_id
        # Recorded in the security log by iop/audit/wiring.py.
        hooks.admin_organization_chosen.send(
            sender=type(self), request=request, user=request.user, organization=membership.organization
        )
        return HttpResponseRedirect(next_url)

    def not_an_admin_view(self, request):
        """A signed-in member who administers no organization: what this is, and the way back."""
        return TemplateResponse(request, "admin/not_an_admin.html", {}, status=403)

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
        return redirect("admin:select_organization")


def _with_next(url: str, next_url: str) -> str:
    return f"{url}?{urlencode({'next': next_url})}"


def _admin_next(request) -> str:
    """Where the chooser goes once an organization is chosen: the admin page asked for, if it is one."""
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    chooser = reverse("admin:select_organization")
    if (
        next_url.startswith(reverse("admin:index"))
        and not next_url.startswith(chooser)
        and url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}, require_https=False)
    ):
        return next_url
    return reverse("admin:index")
