"""A request that fails because the database is out of reach is a 503 ("try again in a moment").

When PostgreSQL refuses a connection (no free slots, restarting, unreachable), the first query of
the request raises OperationalError — usually inside a middleware (the session, the user), where
Django turns it into a 500 before any outer middleware or `process_exception` could see it. So
this middleware, placed outside everything that touches the database, looks at 500 responses
instead: if the database cannot be reached now, the answer becomes a 503 with Retry-After, the
HTML page for people (no stack trace, even with DEBUG), the API's JSON error for integrators, and
/healthz's own report. A 500 while the database is fine stays a 500.

`ApiNoStoreMiddleware` marks every API response as not to be cached.

The database may also go away in the middle of a request — a restart or failover ends the
session, its transaction rolled back — and be back by the time the response passes here, so
"reachable now" is not enough: Django's `got_request_exception` (sent from inside its `except`
block, for exceptions in views and middleware alike) marks a request that failed on a lost
connection, and that is a 503 too. A POST's page and JSON then say that nothing was saved: every
service writes in one transaction, and the session ended before it committed.
"""

from __future__ import annotations

import sys

import kombu.exceptions
import redis.exceptions
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import add_never_cache_headers

RETRY_AFTER_SECONDS = 5
API_PREFIX = "/api/"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
# SQLSTATEs of a session the server ended (admin shutdown, crash shutdown, cannot connect now)
# and class 08 (connection exceptions). A lost connection carries none at all. A deadlock or a
# statement timeout is not "unavailable" and stays a 500.
_SESSION_ENDED_CODES = ("57P01", "57P02", "57P03")


def connection_lost(error: BaseException | None) -> bool:
    """Whether `error` says the database connection broke (rather than a query failing)."""
    if isinstance(error, InterfaceError):
        return True  # "connection already closed"
    if not isinstance(error, OperationalError):
        return False
    code = getattr(error.__cause__, "pgcode", None)
    return code is None or code.startswith("08") or code in _SESSION_ENDED_CODES


# Redis (cache: rate limits; broker) out of reach. Tasks queued on commit never raise these (they
# wait in the outbox, iop/common/outbox.py); a rate-limited sign-in does.
REDIS_ERRORS = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, kombu.exceptions.OperationalError)


def unavailable_service_note(sender, request=None, **kwargs) -> None:
    """Receiver of Django's `got_request_exception` (connected in iop/common/wiring.py): marks a
    request whose exception was a lost database connection or an unreachable Redis, for
    DatabaseUnavailableMiddleware to answer 503 instead of 500."""
    error = sys.exc_info()[1]
    if request is None:
        return
    if connection_lost(error):
        request.database_connection_lost = True
    elif isinstance(error, REDIS_ERRORS):
        request.redis_unavailable = True


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


def service_unavailable_response(request, *, database: bool = True) -> HttpResponse:
    """The 503 for a database out of reach, or (`database=False`) for Redis out of reach."""
    from .views import healthz

    if request.path == reverse("healthz"):
        return healthz(request)
    response: HttpResponse
    saving = request.method not in SAFE_METHODS
    if request.path.startswith(API_PREFIX):
        code = "database_unavailable" if database else "service_unavailable"
        if not database:
            message = "A service IOP Ops needs is unavailable. Try again in a moment."
        elif saving:
            message = "The database was unavailable: nothing was saved. Try again in a moment."
        else:
            message = "The database is unavailable. Try again in a moment."
        response = JsonResponse({"message": message, "code": code, "extra": {}}, status=503)
    else:
        # Standalone template, like 500.html: base.html would query the database again.
        context = {"saving": saving and database, "redis": not database}
        response = HttpResponse(render_to_string("503.html", context), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
    return response


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 500:
            return response
        if getattr(request, "database_connection_lost", False) or not database_reachable():
            return service_unavailable_response(request)
        if getattr(request, "redis_unavailable", False):
            return service_unavailable_response(request, database=False)
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
