"""What the schema promises, the API does (the quick half of tests/api/test_schemathesis.py): each
fix schemathesis asked for, shown on one request."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from iop.clients.models import Client
from iop.tenancy.context import tenant_context
from tests.factories import ClientFactory, EpisodeFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/o/harbor"


@pytest.fixture
def admin_api(api, harbor_admin):
    return api(harbor_admin)


def _schema(tmp_path) -> str:
    call_command("spectacular", "--file", str(tmp_path / "schema.yml"))
    return (tmp_path / "schema.yml").read_text()


def test_the_schema_documents_the_shared_errors_times_and_blank_values(tmp_path):
    text = _schema(tmp_path)
    for name in ("BadRequest", "Unauthorized", "Forbidden", "NotFound", "Conflict", "TooManyRequests"):
        assert f"$ref: '#/components/responses/{name}'" in text
    # Wall-clock times carry no UTC offset, so not RFC 3339's `time` format.
    assert "format: time" not in text
    assert "example: 09:00:00" in text
    # An alert not acknowledged yet answers "" for its action.
    assert "- $ref: '#/components/schemas/AlertActionEnum'\n          - $ref: '#/components/schemas/BlankEnum'" in text


def test_client_search_applies_its_status_and_program_filters(admin_api, harbor, harbor_client, harbor_program):
    with tenant_context(harbor.id):
        other = ClientFactory(organization=harbor, last_name=harbor_client.last_name)
        EpisodeFactory(organization=harbor, client=other, program=harbor_program, status="referred")
    search = f"{BASE}/clients/search/"
    body = {"q": harbor_client.last_name}

    def found(query: str) -> set[str]:
        response = admin_api.post(search + query, body, format="json")
        assert response.status_code == 200, response.json()
        return {row["id"] for row in response.json()["results"]}

    assert found("") == {str(harbor_client.pk), str(other.pk)}
    assert found("?status=referred") == {str(other.pk)}
    assert found(f"?program={harbor_program.pk}&status=active") == {str(harbor_client.pk)}
    refused = admin_api.post(search + "?status=nonsense", body, format="json")
    assert refused.status_code == 400 and "status" in refused.json()["extra"]["fields"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("clients/?program=", "program"),
        ("clients/?status=", "status"),
        ("groups/?is_active=2", "is_active"),
        ("groups/?is_active=maybe", "is_active"),
        ("consents/?client=not-an-id", "client"),
        ("clients/?page_size=abc", "page_size"),
        ("clients/?page_size=0", "page_size"),
        ("sessions/?status=", "status"),
    ],
)
def test_a_query_parameter_that_means_nothing_is_a_400_naming_it(admin_api, harbor_client, query, field):
    response = admin_api.get(f"{BASE}/{query}")
    assert response.status_code == 400
    assert field in response.json()["extra"]["fields"]


def test_an_empty_value_in_a_query_read_by_a_serializer_is_a_400_too(admin_api, harbor_client):
    with tenant_context(harbor_client.organization_id):
        episode = harbor_client.episodes.get()
    response = admin_api.get(f"{BASE}/weekly-hours/{episode.pk}/?weeks=")
    assert response.status_code == 400 and "weeks" in response.json()["extra"]["fields"]
    assert admin_api.get(f"{BASE}/weekly-hours/{episode.pk}/?weeks=2").status_code == 200


def test_filters_and_page_size_that_mean_something_still_work(admin_api, harbor_client):
    assert admin_api.get(f"{BASE}/groups/?is_active=true").status_code == 200
    page = admin_api.get(f"{BASE}/clients/?page_size=500&status=active")  # capped, not refused
    assert page.status_code == 200 and [r["id"] for r in page.json()["results"]] == [str(harbor_client.pk)]


@pytest.mark.parametrize(
    ("field", "value"),
    [("last_name", 0), ("reminder_consent", 0), ("reminder_consent", "yes")],
)
def test_a_value_of_another_json_type_is_refused_and_nothing_saved(admin_api, harbor, field, value):
    body = {"first_name": "Ana", "last_name": "Lee", "date_of_birth": "1990-01-01", field: value}
    response = admin_api.post(f"{BASE}/clients/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["extra"]["fields"]
    with tenant_context(harbor.id):
        assert not Client.objects.filter(first_name="Ana").exists()


def test_a_decimal_sent_as_a_number_is_refused_saying_how_to_send_it(admin_api, harbor_client):
    with tenant_context(harbor_client.organization_id):
        episode = harbor_client.episodes.get()
    body = {"episode": str(episode.pk), "required_hours_per_week": 9, "required_days_per_week": 3, "tracks": []}
    response = admin_api.post(f"{BASE}/treatment-plans/", body, format="json")
    assert response.status_code == 400
    assert response.json()["extra"]["fields"]["required_hours_per_week"] == ['Send a decimal as a string, e.g. "9.5".']
    body["required_hours_per_week"] = "9.0"
    assert admin_api.post(f"{BASE}/treatment-plans/", body, format="json").status_code == 201


def test_options_on_a_viewset_of_actions_answers_and_a_malformed_path_is_a_json_404(admin_api):
    close = f"{BASE}/billing-reconciliations/00000000-0000-0000-0000-000000000000/close/"
    assert admin_api.options(close).status_code == 200
    missing = admin_api.get(f"{BASE}/clients/not-an-id/")
    assert missing.status_code == 404
    assert missing["Content-Type"] == "application/json"
    assert missing.json()["code"] == "not_found"
