"""A request that fails because the database is out of reach is a 503 ("try again in a moment").

When PostgreSQL refuses a connection (no free slots, restarting, unreachable), the first query of
the request raises OperationalError — usually inside a middleware (the session, the user), where
Django turns it into a 500 before any outer middleware or `process_exception` could see it. So
this middleware, placed outside everything that touches the database, looks at 500 responses
instead: if the database cannot be reached now, the answer becomes a 503 with Retry-After, the
HTML page for people (no stack trace, even with DEBUG), the API's JSON error for integrators, and
/healthz's own report. A 500 while the database is fine stays a 500.

`ApiNoStoreMiddleware` marks every API response as not to be cached.
"""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, OperationalError, connections
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import add_never_cache_headers

RETRY_AFTER_SECONDS = 5
API_PREFIX = "/api/"


def database_reachable() -> bool:
    """Whether this thread has, or can open, a working database connection."""
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.connection is not None:
        # Open since the request began (so the connect did not fail), unless the server dropped it.
        return not connection.connection.closed
    try:
        connection.ensure_connection()
    except OperationalError:
        return False
    return True


def database_unavailable_response(request) -> HttpResponse:
    from .views import healthz

    if request.path == reverse("healthz"):
        return healthz(request)
    response: HttpResponse
    if request.path.startswith(API_PREFIX):
        response = JsonResponse(
            {
                "message": "The database is unavailable. Try again in a moment.",
                "code": "database_unavailable",
                "extra": {},
            },
            status=503,
        )
    else:
        # Standalone template, like 500.html: base.html would query the database again.
        response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
    return response


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 500 and not database_reachable():
            return database_unavailable_response(request)
        return response


class ApiNoStoreMiddleware:
    """Every API response is marked not to be stored — data, refusals and errors alike, and the
    schema: they carry PHI, or say what exists, and an integration host's HTTP cache or a proxy
    must not keep a copy. The same headers as the UI's pages (`never_cache`, `org_page`), plus
    `Pragma: no-cache` for HTTP/1.0 caches that ignore Cache-Control. A middleware rather than a
    viewset base: a 404 from the URL resolver, a 401 from authentication and the MFA middleware's
    403 are answered before any view runs. Placed outside the database-unavailable middleware, so
    its 503 is covered as well."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(API_PREFIX):
            add_never_cache_headers(response)
            response["Pragma"] = "no-cache"
        return response
