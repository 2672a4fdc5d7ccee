"""Session timeouts and MFA enforcement.

allauth has no MFA enforcement hook (allauth #3649; PR #3710 was closed unmerged), so we redirect
any signed-in user without an authenticator to the MFA setup page. `/accounts/` is exempt as a
whole: MFA setup, the MFA challenge during login, logout and password reset all live there.
"""

from __future__ import annotations

import time

from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from iop.audit.models import SecurityEventKind

LAST_SEEN_KEY = "iop_last_seen"
SIGNED_IN_AT_KEY = "iop_signed_in_at"
MFA_EXEMPT_PREFIXES = ("/accounts/", "/static/", "/healthz", "/favicon.ico", "/invitations/")


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def _signed_in_at(user, now: float) -> float:
    # A session seen for the first time started at the last sign-in (Django records it), which a
    # revocation after it must still end.
    return user.last_login.timestamp() if user.last_login else now


# Sent by a page's own periodic refresh (templates/today/partials/board.html).
POLL_HEADER = "HTTP_X_IOP_POLL"


def _is_poll(request) -> bool:
    return request.META.get(POLL_HEADER) == "1"


def session_clocks_restart(sender, request, user, **kwargs) -> None:
    """A sign-in starts the idle and absolute clocks again (user_logged_in receiver).

    Django keeps a session's data when it signs the same user in again (a new key, the same
    contents), so without this a session last seen before the idle limit would be ended by the
    very next request after a successful sign-in, and the absolute cap would count from an
    earlier sign-in."""
    session = getattr(request, "session", None)
    if session is None:
        return
    now = time.time()
    session[SIGNED_IN_AT_KEY] = now
    session[LAST_SEEN_KEY] = now


class SessionTimeoutMiddleware:
    """15 minutes idle, or the absolute cap since sign-in, whichever comes first, ends the session.

    Django's cookie expiry alone is not enough: the absolute cap must hold even for a user who is
    active all day, and the idle check must not depend on the browser honouring cookie expiry.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = time.time()
            session = request.session
            signed_in_at = session.setdefault(SIGNED_IN_AT_KEY, _signed_in_at(user, now))
            last_seen = session.get(LAST_SEEN_KEY, now)
            idle = now - last_seen > settings.IOP_SESSION_IDLE_TIMEOUT
            capped = now - signed_in_at >= settings.IOP_SESSION_ABSOLUTE_TIMEOUT
            revoked = user.sessions_revoked_at is not None and signed_in_at <= user.sessions_revoked_at.timestamp()
            if idle or capped or revoked:
                from iop.audit.services import security_event_record

                security_event_record(
                    kind=SecurityEventKind.SESSION_TIMEOUT,
                    request=request,
                    user=user,
                    detail={"reason": "revoked" if revoked else "idle" if idle else "absolute"},
                )
                logout(request)
                if _is_api(request):
                    return JsonResponse({"message": "Your session has ended. Sign in again."}, status=401)
                login_url = f"{reverse('account_login')}?timeout=1"
                if getattr(request, "htmx", False):
                    # An htmx swap would put the login page inside the current page; load it whole.
                    return HttpResponseClientRedirect(login_url)
                return redirect(login_url)
            if not _is_poll(request) or LAST_SEEN_KEY not in session:
                # A page refreshing itself (Today's board) is not the user being active: an open
                # tab must not keep an unattended session alive past the idle logoff.
                session[LAST_SEEN_KEY] = now
        return self.get_response(request)


class RequireMFAMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.IOP_REQUIRE_MFA and self._needs_mfa(request):
            if _is_api(request):
                return JsonResponse(
                    {"message": "Set up two-factor authentication before using the API with a session."},
                    status=403,
                )
            return redirect("mfa_activate_totp")
        return self.get_response(request)

    @staticmethod
    def _needs_mfa(request) -> bool:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return False
        if request.path.startswith(MFA_EXEMPT_PREFIXES):
            return False
        # Bearer-token API calls are authenticated by DRF later; `request.user` here is the session
        # user only, so token clients are never redirected.
        return not is_mfa_enabled(user)
