"""Why the accounts app refuses: one member per rule, returned as `code`.

Values are stable names an integration may branch on; never rename one (add a new member instead).
"""

from __future__ import annotations

from enum import StrEnum


class AccountsErrorCode(StrEnum):
    UNKNOWN_ROLE = "unknown_role"
    ALREADY_MEMBER = "already_member"
    INVITATION_NOT_PENDING = "invitation_not_pending"
    INVITATION_LINK_BROKEN = "invitation_link_broken"
    INVITATION_EXPIRED = "invitation_expired"
    INVITATION_REVOKED = "invitation_revoked"
    INVITATION_USED = "invitation_used"
    WEAK_PASSWORD = "weak_password"
    OWN_ADMIN_ACCESS = "own_admin_access"
    TOKEN_NAME_MISSING = "token_name_missing"
    TOKEN_USER_NOT_MEMBER = "token_user_not_member"
    TOKEN_MFA_REQUIRED = "token_mfa_required"
    TOKEN_LIFETIME_INVALID = "token_lifetime_invalid"


# The refusals that make an invitation link unusable: the person holding it gets the "ask for a new
# invitation" page rather than the form.
INVITATION_UNUSABLE = frozenset(
    {
        AccountsErrorCode.INVITATION_NOT_PENDING,
        AccountsErrorCode.INVITATION_LINK_BROKEN,
        AccountsErrorCode.INVITATION_EXPIRED,
        AccountsErrorCode.INVITATION_REVOKED,
        AccountsErrorCode.INVITATION_USED,
        AccountsErrorCode.ALREADY_MEMBER,
    }
)
