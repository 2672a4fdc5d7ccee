"""The REST API: bearer tokens, tenant scoping, validation errors as JSON, audit of PHI reads."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from iop.accounts.services import api_token_create, api_token_revoke
from iop.audit.models import AccessEvent
from iop.clients.models import Client, Episode
from iop.tenancy.context import tenant_context

pytestmark = pytest.mark.django_db


def bearer(raw: str) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return api


@pytest.fixture
def harbor_token(harbor, harbor_intake):
    with tenant_context(harbor.id):
        return api_token_create(organization=harbor, user=harbor_intake, name="EHR export").raw


def test_token_lists_clients_of_its_organization_only(harbor_token, harbor_client, summit_client):
    response = bearer(harbor_token).get("/api/v1/o/harbor/clients/")
    assert response.status_code == 200
    ids = [row["id"] for row in response.json()["results"]]
    assert ids == [str(harbor_client.pk)]
    assert response.json()["results"][0]["current_episode"]["status"] == "active"


def test_token_of_one_organization_is_rejected_on_another(harbor_token, summit_client):
    response = bearer(harbor_token).get("/api/v1/o/summit/clients/")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_revoked_and_unknown_tokens_are_rejected(harbor, harbor_token):
    assert bearer("iop_not-a-token").get("/api/v1/o/harbor/clients/").status_code == 401
    with tenant_context(harbor.id):
        from iop.accounts.models import ApiToken

        api_token_revoke(token=ApiToken.objects.get())
    assert bearer(harbor_token).get("/api/v1/o/harbor/clients/").status_code == 401


def test_anonymous_gets_401(harbor):
    assert APIClient().get("/api/v1/o/harbor/clients/").status_code in (401, 403)


def test_another_tenants_client_is_404_not_403(harbor_token, summit_client):
    response = bearer(harbor_token).get(f"/api/v1/o/harbor/clients/{summit_client.pk}/")
    assert response.status_code == 404
    assert response.json() == {"message": "Not found.", "code": "not_found", "extra": {}}


def test_session_user_of_another_org_gets_404(client, harbor_va, summit, summit_client):
    client.force_login(harbor_va)
    assert client.get(f"/api/v1/o/summit/clients/{summit_client.pk}/").status_code == 404
    assert client.get("/api/v1/o/summit/clients/").status_code == 404


def test_retrieve_is_audited_with_channel_api(harbor, harbor_token, harbor_client, harbor_intake):
    response = bearer(harbor_token).get(f"/api/v1/o/harbor/clients/{harbor_client.pk}/")
    assert response.status_code == 200
    with tenant_context(harbor.id):
        event = AccessEvent.objects.get(action="view")
    assert event.client_id == harbor_client.pk
    assert event.actor == harbor_intake
    assert event.channel == "api"


def test_list_writes_one_event_per_page_with_the_ids(harbor, harbor_token, harbor_client):
    bearer(harbor_token).get("/api/v1/o/harbor/clients/")
    with tenant_context(harbor.id):
        event = AccessEvent.objects.get(action="list")
    assert event.object_ids == [str(harbor_client.pk)]


def test_search_is_a_post_and_finds_by_name(harbor_token, harbor_client):
    api = bearer(harbor_token)
    response = api.post("/api/v1/o/harbor/clients/search/", {"q": harbor_client.last_name}, format="json")
    assert response.status_code == 200
    assert [r["id"] for r in response.json()["results"]] == [str(harbor_client.pk)]
    assert api.post("/api/v1/o/harbor/clients/search/", {}, format="json").status_code == 400


def test_create_client_with_future_birth_date_is_refused_and_nothing_saved(harbor, harbor_token):
    tomorrow = harbor.local_today() + dt.timedelta(days=1)
    response = bearer(harbor_token).post(
        "/api/v1/o/harbor/clients/",
        {"first_name": "Ana", "last_name": "Lee", "date_of_birth": tomorrow.isoformat()},
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["extra"]["fields"]["date_of_birth"] == ["Date of birth cannot be in the future."]
    with tenant_context(harbor.id):
        assert not Client.objects.exists()


def test_invalid_date_is_a_field_error(harbor_token):
    response = bearer(harbor_token).post(
        "/api/v1/o/harbor/clients/",
        {"first_name": "Ana", "last_name": "Lee", "date_of_birth": "1990-02-31"},
        format="json",
    )
    assert response.status_code == 400
    assert "date_of_birth" in response.json()["extra"]["fields"]


def test_episode_with_unknown_or_foreign_program_is_refused(harbor, harbor_token, harbor_client, summit_program):
    api = bearer(harbor_token)
    for program_id in (str(summit_program.pk), "00000000-0000-0000-0000-000000000000", "nope"):
        response = api.post(
            "/api/v1/o/harbor/episodes/",
            {"client": str(harbor_client.pk), "program": program_id, "referral_date": "2026-01-05"},
            format="json",
        )
        assert response.status_code == 400, program_id
        assert response.json()["extra"]["fields"]["program"] == ["No such program in this organization."]
    with tenant_context(harbor.id):
        assert Episode.objects.count() == 1


def test_illegal_transition_is_refused_and_changes_nothing(harbor, harbor_token, harbor_client):
    with tenant_context(harbor.id):
        episode = Episode.objects.get()
    api = bearer(harbor_token)
    response = api.post(
        f"/api/v1/o/harbor/episodes/{episode.pk}/transition/",
        {"to_status": "referred", "effective_date": harbor.local_today().isoformat()},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "illegal_transition"
    assert "cannot become referred" in response.json()["message"]
    with tenant_context(harbor.id):
        episode.refresh_from_db()
    assert episode.status == "active"


def test_discharge_through_the_api(harbor, harbor_token, harbor_client):
    with tenant_context(harbor.id):
        episode = Episode.objects.get()
    response = bearer(harbor_token).post(
        f"/api/v1/o/harbor/episodes/{episode.pk}/transition/",
        {"to_status": "discharged", "effective_date": harbor.local_today().isoformat(), "note": "Completed"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "discharged"
    assert response.json()["allowed_transitions"] == []


def test_couple_of_one_client_is_refused(harbor, harbor_token, harbor_client):
    response = bearer(harbor_token).post(
        "/api/v1/o/harbor/couples/",
        {"partner_one": str(harbor_client.pk), "partner_two": str(harbor_client.pk), "started_on": "2026-01-05"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["message"] == "A couple needs two different clients."


def test_couple_across_organizations_is_refused(harbor_token, harbor_client, summit_client):
    response = bearer(harbor_token).post(
        "/api/v1/o/harbor/couples/",
        {"partner_one": str(harbor_client.pk), "partner_two": str(summit_client.pk), "started_on": "2026-01-05"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["extra"]["fields"]["partner_two"] == ["No such client in this organization."]


def test_va_sees_treatment_plan_without_clinical_goals(harbor, harbor_va, harbor_client):
    from iop.clients.services import treatment_plan_save

    with tenant_context(harbor.id):
        plan = treatment_plan_save(
            episode=Episode.objects.get(),
            required_hours_per_week=9,
            required_days_per_week=3,
            tracks=["group"],
            goals="Reduce panic attacks",
            actor=harbor_va,
        )
        raw = api_token_create(organization=harbor, user=harbor_va, name="va").raw
    body = bearer(raw).get(f"/api/v1/o/harbor/treatment-plans/{plan.pk}/").json()
    assert body["required_hours_per_week"] == "9.0"
    assert "goals" not in body


def test_va_cannot_create_clients(harbor, harbor_va):
    with tenant_context(harbor.id):
        raw = api_token_create(organization=harbor, user=harbor_va, name="va").raw
    response = bearer(raw).post(
        "/api/v1/o/harbor/clients/", {"first_name": "A", "last_name": "B", "date_of_birth": "1990-01-01"}, format="json"
    )
    assert response.status_code == 403


def test_programs_and_members(harbor_token, harbor_program, harbor_intake):
    api = bearer(harbor_token)
    programs = api.get("/api/v1/o/harbor/programs/").json()["results"]
    assert [p["name"] for p in programs] == ["Adult MH IOP"]
    members = api.get("/api/v1/o/harbor/members/").json()["results"]
    assert [m["email"] for m in members] == ["intake@harbor.test"]


def test_api_token_create_command_prints_a_working_token_once(harbor, harbor_intake, harbor_client):
    out = io.StringIO()
    call_command(
        "api_token_create", "--email", "intake@harbor.test", "--org", "harbor", stdout=out, stderr=io.StringIO()
    )
    raw = out.getvalue().strip()
    assert raw.startswith("iop_")
    assert bearer(raw).get("/api/v1/o/harbor/clients/").status_code == 200
    with tenant_context(harbor.id):
        from iop.accounts.models import ApiToken

        assert raw not in {t.digest for t in ApiToken.objects.all()}  # only the digest is stored


def test_api_token_create_command_refuses_non_members(harbor, summit_va):
    with pytest.raises(CommandError, match="not an active member"):
        call_command(
            "api_token_create",
            "--email",
            "va@summit.test",
            "--org",
            "harbor",
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )


def test_creating_a_client_through_the_api_is_audited(harbor, harbor_token):
    response = bearer(harbor_token).post(
        "/api/v1/o/harbor/clients/",
        {"first_name": "Ana", "last_name": "Lee", "date_of_birth": "1990-02-03"},
        format="json",
    )
    assert response.status_code == 201
    with tenant_context(harbor.id):
        event = AccessEvent.objects.get(action="view")
    assert str(event.client_id) == response.json()["id"]
