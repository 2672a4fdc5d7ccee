from django.db import connection
from django.http import HttpResponseRedirect, JsonResponse
from django.templatetags.static import static
from django.views import defaults
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET


@require_GET
@never_cache
def healthz(request):
    """Liveness and readiness for load balancers: database and Redis, no details beyond whether
    each answers (a database that refuses connections is "unavailable")."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        checks["database"] = "ok"
    except Exception:  # noqa: BLE001 - any failure means "not ready"
        checks["database"] = "unavailable"
    try:
        from django.core.cache import cache

        cache.set("healthz", "1", timeout=5)
        checks["redis"] = "ok" if cache.get("healthz") == "1" else "error"
    except Exception:  # noqa: BLE001
        checks["redis"] = "error"
    healthy = all(v == "ok" for v in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503)


@require_GET
@cache_control(max_age=24 * 60 * 60, public=True)
def favicon(request):
    """Browsers ask for /favicon.ico wherever a page names no icon (PDFs, the API, files): send them
    to the static icon rather than log a 404. Not permanent: the static file's name changes with
    its content."""
    return HttpResponseRedirect(static("favicon.ico"))


def page_not_found(request, exception):
    """The 404 of an address nothing answers (a malformed id in an API path, an unknown
    organization): the API's JSON error under `/api/`, the site's page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"message": "Not found.", "code": "not_found", "extra": {}}, status=404)
    return defaults.page_not_found(request, exception)
