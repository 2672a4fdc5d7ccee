"""Pages for staff accounts: the organization picker, accepting an invitation, the team page of an
org admin and every member's API tokens."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache

from iop.common.exceptions import ApplicationError
from iop.common.form_state import form_state_take, redirect_refused
from iop.common.forms import error_summary, forms_add_application_error
from iop.common.pages import form_status, org_page, org_render
from iop.tenancy import permissions
from iop.tenancy.selectors import member_list, memberships_of_user

from . import services
from .errors import INVITATION_UNUSABLE
from .forms import ApiTokenCreateForm, InvitationAcceptForm, InvitationCreateForm, MembershipForm
from .selectors import (
    api_token_list,
    api_token_mfa_missing,
    invitation_list,
    invitation_pending_list,
    user_has_account,
)

# --- Organization picker and invitations ---------------------------------------------------------


@never_cache
@login_required
def home(request):
    memberships = memberships_of_user(user=request.user)
    if len(memberships) == 1:
        return redirect("today:today", org_slug=memberships[0].organization.slug)
    return render(request, "accounts/home.html", {"memberships": memberships})


@never_cache
def invitation_accept(request, token: str):
    try:
        invitation = services.invitation_from_token(token=token)
    except ApplicationError as exc:
        return render(request, "accounts/invitation_invalid.html", {"message": exc.message}, status=400)
    form = InvitationAcceptForm(
        request.POST if request.method == "POST" else None,
        has_account=user_has_account(email=invitation.email),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.invitation_accept(
                invitation=invitation,
                full_name=form.cleaned_data.get("full_name", ""),
                password=form.cleaned_data.get("password1", ""),
                request=request,
            )
        except ApplicationError as exc:
            if exc.code in INVITATION_UNUSABLE:
                return render(request, "accounts/invitation_invalid.html", {"message": exc.message}, status=400)
            forms_add_application_error(exc, form)
        else:
            messages.success(
                request,
                f"You have joined {invitation.organization.name}. Sign in with your email address and password.",
            )
            return redirect("account_login")
    context = {"invitation": invitation, "form": form, "errors": error_summary(form)}
    return render(request, "accounts/invitation_accept.html", context, status=form_status(form))


# --- Team (org admins) -----------------------------------------------------------------------------


@org_page(permissions.MEMBER_MANAGE)
def team(request, org_slug: str):
    """Members and pending invitations, and the invitation form (which posts to its own endpoint:
    a refusal comes back here as typed, iop.common.form_state)."""
    organization = request.organization
    state = form_state_take(request)
    invite_form = state.form("invite", InvitationCreateForm)
    context = {
        "members": member_list(organization=organization),
        "invitations": invitation_pending_list(organization=organization),
        "invite_form": invite_form,
        "errors": error_summary(invite_form),
    }
    return org_render(request, "accounts/team.html", context, status=state.status)


@org_page(permissions.MEMBER_MANAGE)
def invitation_create(request, org_slug: str):
    if request.method != "POST":
        return redirect("clients:team", org_slug=org_slug)
    form = InvitationCreateForm(request.POST)
    if form.is_valid():
        try:
            invitation = services.invitation_create(
                organization=request.organization,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                invited_by=request.user,
            )
        except ApplicationError as exc:
            forms_add_application_error(exc, form)
        else:
            messages.success(request, f"Invitation sent to {invitation.email}.")
            return redirect("clients:team", org_slug=org_slug)
    return redirect_refused(request, reverse("clients:team", kwargs={"org_slug": org_slug}), key="invite", form=form)


@org_page(permissions.MEMBER_MANAGE)
def invitation_revoke(request, org_slug: str, invitation_id):
    invitation = get_object_or_404(invitation_list(organization=request.organization), pk=invitation_id)
    if request.method == "POST":
        try:
            services.invitation_revoke(invitation=invitation)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"The invitation for {invitation.email} was revoked.")
    return redirect("clients:team", org_slug=org_slug)


@org_page(permissions.MEMBER_MANAGE)
def membership_edit(request, org_slug: str, membership_id):
    membership = get_object_or_404(member_list(organization=request.organization), pk=membership_id)
    form = MembershipForm(
        request.POST if request.method == "POST" else None,
        initial={"role": membership.role, "is_active": membership.is_active},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_update(
                membership=membership,
                role=form.cleaned_data["role"],
                is_active=form.cleaned_data["is_active"],
                actor=request.user,
            )
        except ApplicationError as exc:
            forms_add_application_error(exc, form)
        else:
            messages.success(request, f"{membership.user} was updated.")
            return redirect("clients:team", org_slug=org_slug)
    context = {"member": membership, "form": form, "errors": error_summary(form)}
    return org_render(request, "accounts/membership_edit.html", context, status=form_status(form))


@org_page(permissions.MEMBER_MANAGE)
def membership_sessions_end(request, org_slug: str, membership_id):
    membership = get_object_or_404(member_list(organization=request.organization), pk=membership_id)
    if request.method == "POST":
        # Ending your own sessions from here must not sign you out of the page you are on.
        own = membership.user_id == request.user.pk
        count = services.user_sessions_end(
            user=membership.user,
            actor=request.user,
            request=request,
            keep_session_key=request.session.session_key if own else None,
        )
        messages.success(request, f"Ended {count} session{'' if count == 1 else 's'} of {membership.user}.")
    return redirect("clients:team", org_slug=org_slug)


# --- API tokens (every member, their own tokens) -----------------------------------------------------


@org_page(permissions.API_TOKEN_MANAGE)
def api_tokens(request, org_slug: str):
    form = ApiTokenCreateForm(request.POST if request.method == "POST" else None)
    issued = None
    if request.method == "POST" and form.is_valid():
        try:
            issued = services.api_token_create(
                organization=request.organization,
                user=request.user,
                name=form.cleaned_data["name"],
                expires_in_days=form.cleaned_data["expires_in_days"],
            )
        except ApplicationError as exc:
            forms_add_application_error(exc, form)
        else:
            form = ApiTokenCreateForm()
    context = {
        "tokens": api_token_list(organization=request.organization, user=request.user),
        # The raw token exists only in this response; it is stored as a digest and never shown again.
        "issued": issued,
        "form": form,
        # Where MFA is required, someone without it gets the reason instead of the form (the
        # service refuses too, so no path around the page creates one).
        "mfa_missing": api_token_mfa_missing(user=request.user),
        "mfa_missing_message": services.TOKEN_MFA_REQUIRED_MESSAGE,
        "token_ttl_days": settings.IOP_API_TOKEN_TTL_DAYS,
        "errors": error_summary(form),
    }
    return org_render(request, "accounts/api_tokens.html", context, status=form_status(form))


@org_page(permissions.API_TOKEN_MANAGE)
def api_token_revoke(request, org_slug: str, token_id):
    token = get_object_or_404(api_token_list(organization=request.organization, user=request.user), pk=token_id)
    if request.method == "POST":
        services.api_token_revoke(token=token)
        messages.success(request, f"The token “{token.name}” was revoked.")
    return redirect("clients:api_tokens", org_slug=org_slug)
