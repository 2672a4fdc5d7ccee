"""No API response may be kept by a browser, an integration's HTTP cache or a proxy: data, refusals
and errors are all `Cache-Control: no-store` with `Pragma: no-cache`."""

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def _not_stored(response) -> None:
    cache_control = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    assert {"no-store", "no-cache", "private"} <= cache_control, (response.status_code, cache_control)
    assert response.get("Pragma") == "no-cache", response.status_code


def test_data_responses_are_not_stored(api, harbor_intake, harbor_client, harbor_program):
    client = api(harbor_intake)
    for url in (
        "/api/v1/o/harbor/clients/",
        f"/api/v1/o/harbor/clients/{harbor_client.pk}/",
        "/api/v1/o/harbor/episodes/",
        "/api/v1/o/harbor/programs/",
        "/api/v1/o/harbor/sessions/",
        "/api/v1/o/harbor/authorizations/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        _not_stored(response)


def test_the_schema_is_not_stored(api, harbor_intake):
    response = api(harbor_intake).get("/api/v1/schema/")
    assert response.status_code == 200
    _not_stored(response)


def test_refusals_and_errors_are_not_stored(api, harbor_intake, harbor_va, summit_client):
    responses = {
        "anonymous": APIClient().get("/api/v1/o/harbor/clients/"),
        "unknown token": _bearer("iop_not-a-token").get("/api/v1/o/harbor/clients/"),
        "anonymous schema": APIClient().get("/api/v1/schema/"),
        "another tenant's client": api(harbor_intake).get(f"/api/v1/o/harbor/clients/{summit_client.pk}/"),
        "no such path": api(harbor_intake).get("/api/v1/o/harbor/no-such-resource/"),
        "role refuses": api(harbor_va).post("/api/v1/o/harbor/clients/", {}, format="json"),
        "invalid input": api(harbor_intake).post("/api/v1/o/harbor/clients/", {"first_name": ""}, format="json"),
    }
    assert {name: r.status_code for name, r in responses.items()} == {
        "anonymous": 401,
        "unknown token": 401,
        "anonymous schema": 401,
        "another tenant's client": 404,
        "no such path": 404,
        "role refuses": 403,
        "invalid input": 400,
    }
    for response in responses.values():
        _not_stored(response)


def _bearer(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client
