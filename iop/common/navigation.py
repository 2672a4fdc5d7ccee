"""Back links that return to where the user came from.

A page that links onward to a page with a "Back to …" link adds `?next=<its own path>` (the
`next_here` template tag); the page opened offers its back link to that path when `next_path`
accepts it, else to its own default. Its forms keep the `next` in their action URLs, so the back
link survives a submission (`next_query`).

`next` is only ever a path of this organization's pages: never another host or scheme (an open
redirect), never a page of another organization, never a query string — a query may carry what
someone searched for, and that stays out of URLs (and out of the logs that record them).
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

from django.urls import Resolver404, resolve
from django.utils.http import url_has_allowed_host_and_scheme

NEXT = "next"
_FRAGMENT = re.compile(r"[A-Za-z][\w-]*")


def next_path(request) -> str | None:
    """The in-app page the user came from (`?next=`): a path under this organization's `/o/<slug>/`
    that a URL of the app resolves for the same organization, with its fragment (an element id)
    kept and any query dropped; None when there is none or it is not one."""
    value = request.GET.get(NEXT, "")
    organization = getattr(request, "organization", None)
    if not value or organization is None:
        return None
    safe = url_has_allowed_host_and_scheme(value, allowed_hosts={request.get_host()}, require_https=request.is_secure())
    if not safe:
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not parts.path.startswith(f"/o/{organization.slug}/"):
        return None
    try:
        match = resolve(parts.path)
    except Resolver404:
        return None
    if match.kwargs.get("org_slug") != organization.slug or parts.path == request.path:
        return None
    fragment = f"#{parts.fragment}" if _FRAGMENT.fullmatch(parts.fragment) else ""
    return parts.path + fragment


def next_query(path: str | None) -> str:
    """`?next=<path>` to append to a URL (empty without a path)."""
    return f"?{NEXT}={quote(path, safe='/')}" if path else ""
