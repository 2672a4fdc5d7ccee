"""Authentication and MFA events into the security log."""

from allauth.mfa import signals as mfa_signals
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .models import SecurityEventKind
from .services import security_event_record


@receiver(user_logged_in, dispatch_uid="audit_login")
def _login(sender, request, user, **kwargs):
    security_event_record(kind=SecurityEventKind.LOGIN, request=request, user=user)


@receiver(user_logged_out, dispatch_uid="audit_logout")
def _logout(sender, request, user, **kwargs):
    security_event_record(kind=SecurityEventKind.LOGOUT, request=request, user=user)


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    # Only the address typed; Django already scrubs the password from `credentials`.
    security_event_record(kind=SecurityEventKind.LOGIN_FAILED, request=request, email=str(credentials.get("email", "")))


@receiver(mfa_signals.authenticator_added, dispatch_uid="audit_mfa_added")
def _mfa_added(sender, request, user, authenticator, **kwargs):
    security_event_record(
        kind=SecurityEventKind.MFA_ADDED, request=request, user=user, detail={"type": authenticator.type}
    )


@receiver(mfa_signals.authenticator_removed, dispatch_uid="audit_mfa_removed")
def _mfa_removed(sender, request, user, authenticator, **kwargs):
    security_event_record(
        kind=SecurityEventKind.MFA_REMOVED, request=request, user=user, detail={"type": authenticator.type}
    )


@receiver(mfa_signals.authenticator_reset, dispatch_uid="audit_mfa_reset")
def _mfa_reset(sender, request, user, authenticator, **kwargs):
    security_event_record(
        kind=SecurityEventKind.MFA_RECOVERY_CODES, request=request, user=user, detail={"type": authenticator.type}
    )
