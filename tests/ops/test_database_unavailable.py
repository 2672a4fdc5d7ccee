"""When PostgreSQL refuses a connection, people get "try again in a moment" (503), not a 500 page.

The refusal is real: the request's connection is pointed at a local port that nothing listens on,
so connecting fails inside psycopg2 exactly as when PostgreSQL has no free slot or is restarting.
"""

from __future__ import annotations

import socket
from contextlib import contextmanager

import pytest
from django.db import connection, connections, transaction
from django.test import Client
from django.urls import path
from rest_framework.test import APIClient

import iop.urls
from iop.accounts.services import api_token_create
from iop.tenancy.context import tenant_context


def _boom(request):
    raise RuntimeError("a bug, not the database")


def _too_slow(request):
    # A query cancelled by its statement timeout: the database answered, the query failed.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = 50")
        cursor.execute("SELECT pg_sleep(2)")


# The app's URLs plus one view with a bug and one whose query is cancelled.
urlpatterns = [path("boom", _boom), path("too-slow", _too_slow), *iop.urls.urlpatterns]

pytestmark = pytest.mark.django_db


@contextmanager
def database_refuses_now():
    """Within the block, this thread's database connection goes to a port that is bound but not
    listening: every connect is refused by the kernel, for real."""
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    original = connections["default"]
    refusing = original.__class__(
        {**original.settings_dict, "HOST": "127.0.0.1", "PORT": str(closed.getsockname()[1])}, alias="default"
    )
    connections["default"] = refusing
    try:
        yield
    finally:
        refusing.close()
        connections["default"] = original
        closed.close()


def _assert_try_again_page(response):
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "no-cache" in response["Cache-Control"]
    page = response.content.decode()
    assert "Try again in a moment" in page
    assert "Traceback" not in page and "OperationalError" not in page


@pytest.mark.parametrize("debug", [False, True], ids=["production", "make-run-debug"])
def test_a_signed_in_page_is_503_try_again_without_a_stack_trace(harbor, harbor_va, settings, debug):
    settings.DEBUG = debug
    browser = Client(raise_request_exception=False)
    browser.force_login(harbor_va)
    with database_refuses_now():
        response = browser.get("/o/harbor/")
    _assert_try_again_page(response)


def _integrator(organization, user) -> APIClient:
    with tenant_context(organization.id):
        raw = api_token_create(organization=organization, user=user, name="EHR export").raw
    api = APIClient(raise_request_exception=False)
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return api


def test_the_api_gets_a_json_503(harbor, harbor_intake):
    api = _integrator(harbor, harbor_intake)
    with database_refuses_now():
        response = api.get("/api/v1/o/harbor/clients/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json() == {
        "message": "The database is unavailable. Try again in a moment.",
        "code": "database_unavailable",
        "extra": {},
    }


def test_healthz_says_the_database_is_unavailable(harbor, harbor_va):
    with database_refuses_now():
        response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unavailable", "redis": "ok"}


def test_healthz_says_so_to_a_signed_in_browser_too(harbor, harbor_va):
    # With a session cookie the middleware reads the session (and fails) before the view runs.
    browser = Client(raise_request_exception=False)
    browser.force_login(harbor_va)
    with database_refuses_now():
        response = browser.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unavailable", "redis": "ok"}


@pytest.mark.urls(__name__)
def test_a_bug_while_the_database_is_fine_stays_a_500():
    response = Client(raise_request_exception=False).get("/boom")
    assert response.status_code == 500
    assert "Retry-After" not in response


@pytest.mark.urls(__name__)
def test_a_failure_while_the_database_refuses_is_503():
    with database_refuses_now():
        response = Client(raise_request_exception=False).get("/boom")
    _assert_try_again_page(response)


def test_an_api_write_says_nothing_was_saved(harbor, harbor_intake):
    api = _integrator(harbor, harbor_intake)
    with database_refuses_now():
        response = api.post("/api/v1/o/harbor/clients/", {"first_name": "Ada"}, format="json")
    assert response.status_code == 503
    assert response.json()["message"] == "The database was unavailable: nothing was saved. Try again in a moment."
    assert response.json()["code"] == "database_unavailable"


@pytest.mark.urls(__name__)
def test_a_query_cancelled_while_the_database_answers_stays_a_500():
    response = Client(raise_request_exception=False).get("/too-slow")
    assert response.status_code == 500
    assert "Retry-After" not in response
