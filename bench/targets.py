"""What the runner measures: signed-in sessions of a demo user and the URLs of the main pages.

Run inside the benchmark server's settings (bench/run.py starts it in a child process). Sessions are
written directly, as Django's login would write them, for a user with a TOTP authenticator (the
production settings require MFA): the sign-in steps are not what the benchmark measures.
"""

from __future__ import annotations

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from iop.clients.models import Client, Episode, EpisodeStatus
from iop.tenancy.context import tenant_context
from iop.tenancy.models import Organization


def _sessions(*, email: str, count: int) -> list[str]:
    from importlib import import_module

    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.conf import settings
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(email=email)
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, generate_totp_secret())
    user.last_login = timezone.now()
    user.save(update_fields=["last_login"])
    store = import_module(settings.SESSION_ENGINE).SessionStore
    keys = []
    for _ in range(count):
        session = store()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        keys.append(session.session_key)
    return keys


def _urls(org: Organization) -> dict[str, str]:
    from authorizations.models import AuthorizationRequest
    from scheduling.models import Session

    slug = org.slug
    today = org.local_today()
    with tenant_context(org.id):
        # The busiest session of the last days (a roll call with people on it), and of today if any.
        session = (
            Session.objects.filter(local_date__lte=today)
            .annotate(n=Count("roster_entries"))
            .order_by("-local_date", "-n")
            .first()
        )
        episode = (
            Episode.objects.filter(status=EpisodeStatus.ACTIVE)
            .annotate(n=Count("attendance_records"))
            .order_by("-n")
            .first()
        )
        client = episode.client if episode else Client.objects.first()
        request = AuthorizationRequest.objects.order_by("-created_at").first()
    urls = {
        "floor": reverse("bench_floor", kwargs={"org_slug": slug}),
        "client list": reverse("clients:client_list", kwargs={"org_slug": slug}),
        "client page": reverse("clients:client_detail", kwargs={"org_slug": slug, "client_id": client.id}),
        "master schedule week": reverse("scheduling:week", kwargs={"org_slug": slug}),
        "session page": reverse("scheduling:session_detail", kwargs={"org_slug": slug, "session_id": session.id}),
        "roll call": reverse("attendance:roll_call", kwargs={"org_slug": slug, "session_id": session.id}),
        "hours at risk": reverse("attendance:at_risk", kwargs={"org_slug": slug}),
        "authorizations worklist": reverse("authorizations:worklist", kwargs={"org_slug": slug}),
        "Today board": reverse("today:today", kwargs={"org_slug": slug}),
    }
    if request is not None:
        urls["request page"] = reverse(
            "authorizations:request_detail", kwargs={"org_slug": slug, "request_id": request.id}
        )
    for name, route in (
        ("API clients", "client"),
        ("API sessions", "session"),
        ("API attendance", "attendance-record"),
    ):
        urls[name] = reverse(f"api:{route}-list", kwargs={"org_slug": slug})
    return urls


def prepare(*, org_slug: str, email: str, sessions: int) -> dict:
    org = Organization.objects.get(slug=org_slug)
    return {"sessions": _sessions(email=email, count=sessions), "urls": _urls(org)}
