"""The demo as `make run` serves it: seeded data, requests handled on new server threads (each
with its own new database connection), and a login through allauth's real login page."""

from __future__ import annotations

import io
import threading

import pytest
from django.core.management import call_command
from django.db import connections

from demo.people import DEFAULT_DEMO_PASSWORD


def on_new_thread(func):
    """Run `func` as a fresh server thread would: its first query opens a new connection inside
    the request's middleware (pghistory's context, the tenant context), not before it as in most
    tests."""
    outcome = {}

    def run():
        try:
            outcome["value"] = func()
        except BaseException as exc:  # re-raised in the test's thread
            outcome["error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(30)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


@pytest.mark.django_db(transaction=True)
def test_a_demo_login_works_on_a_new_server_thread(client, settings, monkeypatch):
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    settings.IOP_REQUIRE_MFA = False  # as in iop.settings.dev
    call_command("seed_demo", stdout=io.StringIO())

    response = on_new_thread(
        lambda: client.post("/accounts/login/", {"login": "va@harbor.test", "password": DEFAULT_DEMO_PASSWORD})
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"]

    def two_requests():
        # The second request reuses the thread's connection: it must still run in its tenant.
        client.get("/")
        return client.get("/o/harbor/clients/")

    response = on_new_thread(two_requests)
    assert response.status_code == 200
    assert b"Harbor Virtual IOP" in response.content
