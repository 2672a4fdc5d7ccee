"""Append-only audit rows. The app role may INSERT and SELECT them, never UPDATE or DELETE
(`append_only = True`; enforced by grants in iop/tenancy/rls.py)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from iop.tenancy.models import TenantModel


class AccessAction(models.TextChoices):
    VIEW = "view", "Viewed"
    LIST = "list", "Listed"
    SEARCH = "search", "Searched"
    EXPORT = "export", "Exported"
    PRINT = "print", "Printed"
    DOWNLOAD = "download", "Downloaded"


class AccessEvent(TenantModel):
    """Who read which client's data (HIPAA §164.312(b) audit controls need reads, not only writes).

    - `actor`: the signed-in staff user (null only for system jobs).
    - `client_id`: the client whose PHI was read; for a list, null and the ids in `object_ids`.
    - `object_type` / `object_id`: what exactly was opened (e.g. "clients.Episode").
    - `request_id`: ties the event to application log lines without putting PHI in either.
    """

    append_only = True

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    membership_role = models.CharField(max_length=16, blank=True)
    action = models.CharField(max_length=12, choices=AccessAction.choices)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64, blank=True)
    client_id = models.UUIDField(null=True, blank=True)
    object_ids = models.JSONField(default=list, blank=True)
    channel = models.CharField(max_length=8, default="web", help_text="web, api, admin, task")
    route = models.CharField(max_length=120, blank=True, help_text="URL name, never a URL with query")
    request_id = models.CharField(max_length=36, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=200, blank=True)
    occurred_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-occurred_at"]
        indexes = [
            models.Index(fields=["organization", "-occurred_at"], name="access_org_time_idx"),
            models.Index(fields=["organization", "client_id", "-occurred_at"], name="access_org_client_idx"),
            models.Index(fields=["organization", "actor", "-occurred_at"], name="access_org_actor_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.object_type} at {self.occurred_at:%Y-%m-%d %H:%M}"


class SecurityEventKind(models.TextChoices):
    LOGIN = "login", "Signed in"
    LOGOUT = "logout", "Signed out"
    LOGIN_FAILED = "login_failed", "Failed sign-in"
    MFA_ADDED = "mfa_added", "MFA method added"
    MFA_REMOVED = "mfa_removed", "MFA method removed"
    MFA_RECOVERY_CODES = "mfa_codes", "Recovery codes regenerated"
    PASSWORD_CHANGED = "password_changed", "Password changed"
    SESSION_TIMEOUT = "session_timeout", "Signed out for inactivity"
    SESSIONS_ENDED = "sessions_ended", "Sessions ended"
    ADMIN_ORG_SWITCH = "admin_org_switch", "Admin organization switched"
    INVITATION_ACCEPTED = "invitation_accepted", "Invitation accepted"


class SecurityEvent(models.Model):
    """Authentication events. Global (they happen before a tenant is chosen) and PHI-free: staff
    user, the address typed at a failed login, IP, user agent. Append-only like AccessEvent."""

    append_only = True

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=24, choices=SecurityEventKind.choices)
    email = models.CharField(max_length=254, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=200, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    occurred_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-occurred_at"]
        indexes = [models.Index(fields=["user", "-occurred_at"], name="security_user_time_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.occurred_at:%Y-%m-%d %H:%M}"
