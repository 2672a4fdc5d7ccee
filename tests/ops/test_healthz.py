"""/healthz: what a load balancer or `make run` asks before sending traffic."""

from __future__ import annotations

import copy

import pytest

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_and_redis_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "redis": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_needs_no_login_even_when_mfa_is_enforced(client, settings):
    settings.IOP_REQUIRE_MFA = True
    assert client.get("/healthz").status_code == 200


def test_healthz_is_503_with_json_when_redis_is_unreachable(client, settings):
    caches = copy.deepcopy(settings.CACHES)
    caches["default"]["LOCATION"] = "redis://127.0.0.1:6390/0"  # nothing listens there
    settings.CACHES = caches
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "error", "database": "ok", "redis": "error"}


def test_healthz_answers_get_only(client):
    assert client.post("/healthz").status_code == 405
