"""Writes for staff accounts: invitations, memberships, API tokens, sessions."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from iop.audit.models import SecurityEventKind
from iop.audit.services import security_event_record
from iop.common.crypto import secret_rotate
from iop.common.exceptions import refuse
from iop.tenancy.context import tenant_context
from iop.tenancy.models import Membership, Organization, Role

from .errors import AccountsErrorCode
from .mfa_secrets import authenticator_data_map
from .middleware import SIGNED_IN_AT_KEY
from .models import ApiToken, Invitation, User, token_digest
from .selectors import api_token_mfa_missing

INVITATION_SALT = "iop.accounts.invitation"


# --- Invitations -----------------------------------------------------------------------------


def invitation_signed_token(*, invitation: Invitation) -> str:
    """The token in the invitation link: signed (not guessable, not forgeable) and time-stamped
    (expires with the invitation). Derivable from ids, so no secret is stored or sent to a task."""
    return signing.dumps({"o": invitation.organization_id, "i": str(invitation.pk)}, salt=INVITATION_SALT)


def invitation_url(*, invitation: Invitation) -> str:
    path = reverse("invitation_accept", kwargs={"token": invitation_signed_token(invitation=invitation)})
    return settings.IOP_PUBLIC_URL.rstrip("/") + path


@transaction.atomic
def invitation_create(*, organization: Organization, email: str, role: str, invited_by: User) -> Invitation:
    email = email.strip().lower()
    if role not in Role.values:
        refuse("Choose a role.", code=AccountsErrorCode.UNKNOWN_ROLE, extra={"role": ["Choose a valid role."]})
    if Membership.objects.filter(user__email__iexact=email, is_active=True).exists():
        refuse(
            f"{email} is already a member of {organization.name}.",
            code=AccountsErrorCode.ALREADY_MEMBER,
            extra={"email": ["Already a member."]},
        )
    # Re-inviting replaces the open invitation (its old link stops working).
    Invitation.objects.filter(email=email, accepted_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    invitation = Invitation(
        organization=organization,
        email=email,
        role=role,
        invited_by=invited_by,
        expires_at=timezone.now() + timedelta(hours=settings.IOP_INVITATION_TTL_HOURS),
    )
    invitation.full_clean()
    invitation.save()

    from .tasks import invitation_send as invitation_send_task

    invitation_send_task.delay_on_commit(organization.id, str(invitation.pk))
    return invitation


@transaction.atomic
def invitation_send(*, invitation: Invitation) -> None:
    """Email the invitation link. Runs in the `notifications` worker."""
    if invitation.status != "pending":
        return
    context = {
        "organization": invitation.organization,
        "role": invitation.get_role_display(),
        "url": invitation_url(invitation=invitation),
        "expires_at": invitation.expires_at,
        "invited_by": invitation.invited_by,
    }
    send_mail(
        subject=f"You're invited to {invitation.organization.name} on IOP Ops",
        message=render_to_string("accounts/email/invitation.txt", context),
        from_email=None,
        recipient_list=[invitation.email],
    )
    invitation.sent_at = timezone.now()
    invitation.save(update_fields=["sent_at"])


@transaction.atomic
def invitation_revoke(*, invitation: Invitation) -> Invitation:
    if invitation.status != "pending":
        refuse("Only a pending invitation can be revoked.", code=AccountsErrorCode.INVITATION_NOT_PENDING)
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    return invitation


def invitation_from_token(*, token: str) -> Invitation:
    """The pending invitation a link points to, or a refusal (code in `errors.INVITATION_UNUSABLE`)
    with a message for the person holding the link. The caller must not be in another tenant's
    context."""
    max_age = timedelta(hours=settings.IOP_INVITATION_TTL_HOURS)
    try:
        payload = signing.loads(token, salt=INVITATION_SALT, max_age=max_age)
    except signing.SignatureExpired:
        refuse(
            "This invitation has expired. Ask your administrator for a new one.",
            code=AccountsErrorCode.INVITATION_EXPIRED,
        )
    except signing.BadSignature:
        refuse("This invitation link is not valid.", code=AccountsErrorCode.INVITATION_LINK_BROKEN)
    with tenant_context(payload["o"]):
        invitation = Invitation.objects.select_related("organization").filter(pk=payload["i"]).first()
    if invitation is None or invitation.status == "revoked":
        refuse("This invitation link is no longer valid.", code=AccountsErrorCode.INVITATION_REVOKED)
    if invitation.status == "accepted":
        refuse("This invitation has already been used. Sign in instead.", code=AccountsErrorCode.INVITATION_USED)
    if invitation.status == "expired":
        refuse(
            "This invitation has expired. Ask your administrator for a new one.",
            code=AccountsErrorCode.INVITATION_EXPIRED,
        )
    return invitation


@transaction.atomic
def invitation_accept(*, invitation: Invitation, full_name: str, password: str, request=None) -> User:
    """Create (or reuse) the staff user for the invited address, set the password, and create the
    membership. Refuses a used, revoked or expired invitation; locks the row so two clicks on the
    same link cannot both succeed."""
    with tenant_context(invitation.organization_id):
        invitation = Invitation.objects.select_for_update().select_related("organization").get(pk=invitation.pk)
        if invitation.status != "pending":
            refuse("This invitation is no longer valid.", code=AccountsErrorCode.INVITATION_NOT_PENDING)
        user = User.objects.filter(email__iexact=invitation.email).first()
        if user is not None and user.has_usable_password():
            # An existing staff user joins another organization: they keep their password.
            pass
        else:
            user = user or User(email=invitation.email)
            user.full_name = full_name.strip()
            try:
                validate_password(password, user=user)
            except ValidationError as exc:
                refuse(
                    "Choose a stronger password.",
                    code=AccountsErrorCode.WEAK_PASSWORD,
                    extra={"password1": exc.messages},
                )
            user.set_password(password)
            user.save()
        try:
            with transaction.atomic():
                membership = Membership.objects.create(
                    organization=invitation.organization, user=user, role=invitation.role
                )
        except IntegrityError:
            refuse("You are already a member of this organization.", code=AccountsErrorCode.ALREADY_MEMBER)
        if membership.role in (Role.CLINICIAN,):
            from iop.tenancy.models import StaffProfile

            StaffProfile.objects.create(organization=invitation.organization, membership=membership)
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
    security_event_record(
        kind=SecurityEventKind.INVITATION_ACCEPTED,
        request=request,
        user=user,
        detail={"organization": invitation.organization.slug, "role": invitation.role},
    )
    return user


# --- Memberships -----------------------------------------------------------------------------


@transaction.atomic
def membership_update(*, membership: Membership, role: str, is_active: bool, actor: User) -> Membership:
    if role not in Role.values:
        refuse("Choose a valid role.", code=AccountsErrorCode.UNKNOWN_ROLE, field="role")
    if membership.user_id == actor.pk and (role != Role.ORG_ADMIN or not is_active):
        refuse("You cannot remove your own administrator access.", code=AccountsErrorCode.OWN_ADMIN_ACCESS)
    was_active = membership.is_active
    membership.role = role
    membership.is_active = is_active
    membership.save(update_fields=["role", "is_active"])
    if was_active and not is_active:
        user_sessions_end(user=membership.user, actor=actor)
    return membership


# --- Sessions --------------------------------------------------------------------------------


def user_sessions_end(*, user: User, actor: User, request=None, keep_session_key: str | None = None) -> int:
    """End every session of `user` — except, when `keep_session_key` is the caller's own session,
    that one. Returns how many listed sessions were ended.

    Sessions are revoked by time (`User.sessions_revoked_at`, checked by SessionTimeoutMiddleware
    on every request), so a session ends even if it was never listed in allauth's user sessions.
    """
    now = timezone.now()
    User.objects.filter(pk=user.pk).update(sessions_revoked_at=now)
    if keep_session_key and request is not None and request.session.session_key == keep_session_key:
        # The caller keeps their own session: it counts as signed in from now on.
        request.session[SIGNED_IN_AT_KEY] = now.timestamp() + 0.001
    sessions = UserSession.objects.filter(user=user)
    if keep_session_key:
        sessions = sessions.exclude(session_key=keep_session_key)
    count = 0
    for session in sessions:
        session.end()
        count += 1
    security_event_record(
        kind=SecurityEventKind.SESSIONS_ENDED,
        request=request,
        user=user,
        detail={"count": count, "by": actor.pk},
    )
    return count


# --- API tokens ------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    raw: str  # shown once, never stored


TOKEN_PREFIX = "iop_"
TOKEN_MFA_REQUIRED_MESSAGE = (
    "Set up two-factor authentication before creating an API token: a token acts as you, "
    "so your own sign-in must be protected by a second factor first."
)


@transaction.atomic
def api_token_create(
    *, organization: Organization, user: User, name: str, expires_in_days: int | None = None
) -> IssuedToken:
    """A new token for `user`, expiring after `expires_in_days` (default and at most
    IOP_API_TOKEN_TTL_DAYS: every token expires, so a forgotten one stops working on its own)."""
    name = name.strip()
    if not name:
        refuse(
            "Give the token a name.",
            code=AccountsErrorCode.TOKEN_NAME_MISSING,
            extra={"name": ["This field is required."]},
        )
    if not Membership.objects.filter(user=user, is_active=True).exists():
        refuse(
            f"{user.email} is not an active member of {organization.name}.",
            code=AccountsErrorCode.TOKEN_USER_NOT_MEMBER,
        )
    if api_token_mfa_missing(user=user):
        refuse(TOKEN_MFA_REQUIRED_MESSAGE, code=AccountsErrorCode.TOKEN_MFA_REQUIRED)
    max_days = settings.IOP_API_TOKEN_TTL_DAYS
    days = max_days if expires_in_days is None else expires_in_days
    if not 1 <= days <= max_days:
        refuse(
            f"A token works for 1 to {max_days} days.",
            code=AccountsErrorCode.TOKEN_LIFETIME_INVALID,
            field="expires_in_days",
        )
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        organization=organization,
        user=user,
        name=name[:80],
        prefix=raw[:12],
        digest=token_digest(raw),
        expires_at=timezone.now() + timedelta(days=days),
    )
    return IssuedToken(token=token, raw=raw)


@transaction.atomic
def api_token_revoke(*, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


# --- MFA secrets at rest ---------------------------------------------------------------------


@transaction.atomic
def mfa_secrets_rotate() -> int:
    """Re-encrypts every stored TOTP secret and recovery-code seed under the newest key of
    IOP_SECRET_KEYS (and encrypts any still plain); returns how many authenticators changed.
    The rows stay locked until the end, so a recovery code used meanwhile is not lost."""
    changed = 0
    for authenticator in Authenticator.objects.select_for_update().order_by("pk"):
        data = authenticator_data_map(authenticator.data, secret_rotate)
        if data != authenticator.data:
            authenticator.data = data
            authenticator.save(update_fields=["data"])
            changed += 1
    return changed
