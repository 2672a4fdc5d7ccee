from __future__ import annotations

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.db.models import QuerySet

from iop.common.crypto import secret_is_current
from iop.tenancy.models import Organization

from .mfa_secrets import authenticator_data_secrets
from .models import ApiToken, Invitation, User


def invitation_list(*, organization: Organization) -> QuerySet[Invitation]:
    return Invitation.objects.filter(organization=organization).select_related("invited_by", "accepted_by")


def api_token_list(*, organization: Organization, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(organization=organization, user=user)


def api_token_mfa_missing(*, user: User) -> bool:
    """Whether `user` may not create API tokens for want of two-factor authentication: where MFA
    is required (IOP_REQUIRE_MFA), a token — which acts as its owner without a second factor —
    is only for someone whose own sign-in has one."""
    return settings.IOP_REQUIRE_MFA and not is_mfa_enabled(user)


def invitation_pending_list(*, organization: Organization) -> QuerySet[Invitation]:
    from django.utils import timezone

    return invitation_list(organization=organization).filter(
        accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
    )


def user_has_account(*, email: str) -> bool:
    """Whether a staff account with a usable password exists for `email` (an invitee who already
    works for another organization keeps their password)."""
    user = User.objects.filter(email__iexact=email).first()
    return user is not None and user.has_usable_password()


def mfa_secrets_stale_count() -> int:
    """Authenticators holding a secret not (yet) encrypted under the newest key of IOP_SECRET_KEYS:
    while any remain, no older key may be removed."""
    return sum(
        1
        for data in Authenticator.objects.values_list("data", flat=True)
        if not all(secret_is_current(v) for v in authenticator_data_secrets(data))
    )
