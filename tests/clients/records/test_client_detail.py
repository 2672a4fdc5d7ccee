"""The client page: profile, episodes, treatment plan (clinical parts by role), status changes,
edits — each read audited, each refusal explained, nothing changed on a refusal."""

from __future__ import annotations

import datetime as dt

import pytest

from iop.clients.models import AvailabilityWindow, Client, Episode, EpisodeStatusChange, TreatmentPlan
from iop.tenancy.context import tenant_context
from tests.factories import TreatmentPlanFactory
from tests.pages import access_events, get_goes_to_page, org_today, org_url, post_refused

pytestmark = pytest.mark.django_db

GOALS = "Return to full-time work by spring."
ESA_NOTE = "Letter on file: ESA clinically indicated."


@pytest.fixture
def episode(harbor, harbor_client):
    with tenant_context(harbor.id):
        return Episode.objects.get(client=harbor_client)


@pytest.fixture
def plan(harbor, episode):
    with tenant_context(harbor.id):
        plan = TreatmentPlanFactory(
            organization=harbor, episode=episode, goals=GOALS, emotional_support_animal_note=ESA_NOTE
        )
        AvailabilityWindow.objects.create(
            organization=harbor,
            treatment_plan=plan,
            weekday=0,
            start_time=dt.time(9),
            end_time=dt.time(12, 30),
        )
        return plan


def test_opening_the_client_page_shows_the_record_and_writes_an_access_event(
    as_va, harbor, harbor_client, harbor_va, plan
):
    response = as_va.get(org_url("client_detail", harbor, client_id=harbor_client.pk))

    body = response.content.decode()
    assert response.status_code == 200
    assert harbor_client.display_name in body
    assert "Episode history" in body
    assert "Weekly availability" in body
    assert "Monday" in body
    [event] = access_events(harbor, action="view")
    assert event.client_id == harbor_client.pk
    assert event.object_id == str(harbor_client.pk)
    assert event.object_type == "clients.Client"
    assert event.actor_id == harbor_va.pk
    assert event.membership_role == "va"
    assert event.route == "clients:client_detail"


def test_client_pages_are_not_cached_and_not_kept_in_htmx_history(as_va, harbor, harbor_client):
    response = as_va.get(org_url("client_detail", harbor, client_id=harbor_client.pk))

    assert "no-store" in response["Cache-Control"]
    assert 'hx-history="false"' in response.content.decode()


def test_va_does_not_see_treatment_goals_or_the_esa_note(as_va, harbor, harbor_client, plan):
    body = as_va.get(org_url("client_detail", harbor, client_id=harbor_client.pk)).content.decode()

    assert "Required per week" in body
    assert GOALS not in body
    assert ESA_NOTE not in body


def test_clinician_sees_treatment_goals_and_the_esa_note(as_clinician, harbor, harbor_client, plan):
    body = as_clinician.get(org_url("client_detail", harbor, client_id=harbor_client.pk)).content.decode()

    assert GOALS in body
    assert ESA_NOTE in body


def test_another_organizations_client_is_a_404(as_va, harbor, summit_client):
    assert as_va.get(org_url("client_detail", harbor, client_id=summit_client.pk)).status_code == 404
    assert as_va.get(org_url("client_edit", harbor, client_id=summit_client.pk)).status_code == 404


def test_illegal_status_transition_shows_an_error_and_changes_nothing(as_va, harbor, harbor_client, episode):
    before = (episode.status, episode.status_changed_at)
    url = org_url("episode_transition", harbor, episode_id=episode.pk)

    page = org_url("client_detail", harbor, client_id=harbor_client.pk)
    data = {"transition-to_status": "referred", "transition-effective_date": org_today(harbor).isoformat()}
    response = post_refused(as_va, url, {**data, "transition-note": "Asked twice"}, page=page)

    body = response.content.decode()
    assert 'value="Asked twice"' in body
    assert "An episode that is active cannot become referred (allowed: stepped down, discharged)." in body
    assert 'id="id_transition-to_status_error"' in body
    with tenant_context(harbor.id):
        episode.refresh_from_db()
        assert (episode.status, episode.status_changed_at) == before
        assert not EpisodeStatusChange.objects.filter(episode=episode).exists()
    get_goes_to_page(as_va, url, page=page)


def test_status_form_offers_only_the_allowed_moves(as_va, harbor, harbor_client):
    body = as_va.get(org_url("client_detail", harbor, client_id=harbor_client.pk)).content.decode()

    assert '<option value="step_down">' in body
    assert '<option value="discharged">' in body
    assert '<option value="referred">' not in body


def test_legal_status_transition_is_recorded_with_who_and_when(as_va, harbor, harbor_client, harbor_va, episode):
    effective = org_today(harbor)
    response = as_va.post(
        org_url("episode_transition", harbor, episode_id=episode.pk),
        {
            "transition-to_status": "step_down",
            "transition-effective_date": effective.isoformat(),
            "transition-note": "Doing well",
        },
    )

    assert response.status_code == 302
    with tenant_context(harbor.id):
        episode.refresh_from_db()
        change = EpisodeStatusChange.objects.get(episode=episode)
    assert episode.status == "step_down"
    assert episode.step_down_date == effective
    assert (change.from_status, change.to_status, change.changed_by_id) == (
        "active",
        "step_down",
        harbor_va.pk,
    )
    body = as_va.get(response["Location"]).content.decode()
    assert "The episode is now stepped down." in body
    assert "Active → Stepped down" in body


def test_effective_date_before_referral_is_refused(as_va, harbor, episode):
    too_early = (episode.referral_date - dt.timedelta(days=3)).isoformat()

    response = post_refused(
        as_va,
        org_url("episode_transition", harbor, episode_id=episode.pk),
        {"transition-to_status": "discharged", "transition-effective_date": too_early},
        page=org_url("client_detail", harbor, client_id=episode.client_id),
    )

    assert f'value="{too_early}"' in response.content.decode()
    assert "Cannot be before the referral date." in response.content.decode()
    with tenant_context(harbor.id):
        assert Episode.objects.get(pk=episode.pk).status == "active"


def test_edit_client_saves_and_bad_date_of_birth_changes_nothing(as_va, harbor, harbor_client):
    url = org_url("client_edit", harbor, client_id=harbor_client.pk)
    form = {
        "first_name": harbor_client.first_name,
        "last_name": "Renamed",
        "date_of_birth": "2999-01-01",
        "reminder_channel": "email",
    }

    refused = as_va.post(url, form)
    with tenant_context(harbor.id):
        assert Client.objects.get(pk=harbor_client.pk).last_name == harbor_client.last_name
    saved = as_va.post(url, {**form, "date_of_birth": "1980-05-06"})

    assert refused.status_code == 422
    assert "Date of birth cannot be in the future." in refused.content.decode()
    assert saved.status_code == 302
    with tenant_context(harbor.id):
        client = Client.objects.get(pk=harbor_client.pk)
    assert (client.last_name, client.date_of_birth, client.reminder_channel) == (
        "Renamed",
        dt.date(1980, 5, 6),
        "email",
    )


def test_treatment_plan_edit_replaces_the_availability(as_clinician, harbor, episode, plan):
    url = org_url("treatment_plan_edit", harbor, episode_id=episode.pk)
    page = as_clinician.get(url)
    assert page.status_code == 200
    assert GOALS in page.content.decode()

    response = as_clinician.post(
        url,
        {
            "required_hours_per_week": "12",
            "required_days_per_week": "4",
            "tracks": ["group", "sud_counseling"],
            "goals": "New goals",
            "emotional_support_animal_note": "",
            "effective_from": episode.referral_date.isoformat(),
            "availability-TOTAL_FORMS": "2",
            "availability-INITIAL_FORMS": "1",
            "availability-MIN_NUM_FORMS": "0",
            "availability-MAX_NUM_FORMS": "21",
            "availability-0-weekday": "",
            "availability-0-start_time": "",
            "availability-0-end_time": "",
            "availability-1-weekday": "3",
            "availability-1-start_time": "13:00",
            "availability-1-end_time": "16:00",
        },
    )

    assert response.status_code == 302
    with tenant_context(harbor.id):
        plan = TreatmentPlan.objects.get(pk=plan.pk)
        windows = [(w.weekday, w.start_time) for w in plan.availability.all()]
    assert plan.required_hours_per_week == 12
    assert plan.tracks == ["group", "sud_counseling"]
    assert windows == [(3, dt.time(13))]


def test_va_cannot_edit_the_treatment_plan(as_va, harbor, episode, plan):
    assert as_va.get(org_url("treatment_plan_edit", harbor, episode_id=episode.pk)).status_code == 403
