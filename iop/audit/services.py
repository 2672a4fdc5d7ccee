"""Writing audit rows. Callers are the views, APIs and exports that read PHI (not selectors: a
selector may run for internal work that is not a person reading a record)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .models import AccessEvent, SecurityEvent


def _client_ip(request) -> str | None:
    from allauth.account.adapter import get_adapter

    try:
        return get_adapter(request).get_client_ip(request) or None
    except Exception:  # noqa: BLE001 - a malformed X-Forwarded-For must not break auditing
        return request.META.get("REMOTE_ADDR") or None


def _request_meta(request) -> dict[str, Any]:
    if request is None:
        return {"ip_address": None, "user_agent": "", "request_id": "", "route": ""}
    match = getattr(request, "resolver_match", None)
    return {
        # The same client address the login rate limits use (honours the trusted proxy count).
        "ip_address": _client_ip(request),
        "user_agent": (request.META.get("HTTP_USER_AGENT") or "")[:200],
        "request_id": getattr(request, "request_id", ""),
        "route": (match.view_name if match else "")[:120],
    }


def access_record(
    *,
    request,
    action: str,
    obj=None,
    object_type: str = "",
    client_id=None,
    object_ids: Iterable = (),
    channel: str = "web",
) -> AccessEvent:
    """Record that the request's user read PHI. For lists pass `object_ids` (one row per page, not
    one per client). The organization is the request's tenant."""
    membership = getattr(request, "membership", None)
    user = getattr(request, "user", None)
    if obj is not None:
        object_type = object_type or f"{obj._meta.app_label}.{obj._meta.object_name}"
    return AccessEvent.objects.create(
        organization=request.organization,
        actor=user if user is not None and user.is_authenticated else None,
        membership_role=membership.role if membership else "",
        action=action,
        object_type=object_type,
        object_id=str(obj.pk) if obj is not None else "",
        client_id=client_id,
        object_ids=[str(i) for i in object_ids],
        channel=channel,
        **_request_meta(request),
    )


def security_event_record(*, kind: str, request=None, user=None, email: str = "", detail: dict | None = None):
    meta = _request_meta(request)
    return SecurityEvent.objects.create(
        kind=kind,
        user=user if user is not None and getattr(user, "pk", None) else None,
        email=email[:254],
        ip_address=meta["ip_address"],
        user_agent=meta["user_agent"],
        detail=detail or {},
    )
