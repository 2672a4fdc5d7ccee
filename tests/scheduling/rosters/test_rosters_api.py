"""Roster entries through the API: booking, a full session, overlapping sessions."""

import datetime as dt

import pytest

from iop.audit.models import AccessEvent
from scheduling.models import RosterEntry, Session
from scheduling.services import placements as placement_services

from ..conftest import BASE

pytestmark = pytest.mark.django_db


def _on(group, day):
    return Session.objects.get(group=group, local_date=day)


def test_roster_entry_create_list_retrieve_and_full_session(va_api, make_group, make_active_episode, week, harbor_va):
    group = make_group("Small", [(1, "09:00", 60)], capacity=1)
    session = _on(group, week + dt.timedelta(days=1))
    first, second, third = make_active_episode(), make_active_episode(), make_active_episode()

    response = va_api.post(
        f"{BASE}/roster-entries/", {"session": str(session.pk), "episode": str(first.pk)}, format="json"
    )
    assert response.status_code == 201, response.json()
    entry = response.json()
    assert (entry["status"], entry["source"], entry["client"], entry["group_name"]) == (
        "booked",
        "manual",
        str(first.client_id),
        "Small",
    )
    assert RosterEntry.objects.get(pk=entry["id"]).added_by == harbor_va

    response = va_api.post(
        f"{BASE}/roster-entries/", {"session": str(session.pk), "episode": str(second.pk)}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "session_full"
    assert "is full (1/1)" in response.json()["message"]
    assert not RosterEntry.objects.filter(episode=second).exists()

    response = va_api.post(
        f"{BASE}/roster-entries/",
        {"session": str(session.pk), "episode": str(third.pk), "waitlist_if_full": True},
        format="json",
    )
    assert (response.status_code, response.json()["status"]) == (201, "waitlisted")

    rows = va_api.get(f"{BASE}/roster-entries/", {"session": str(session.pk), "status": "booked"}).json()["results"]
    assert [r["episode"] for r in rows] == [str(first.pk)]
    all_rows = va_api.get(f"{BASE}/roster-entries/", {"session": str(session.pk)}).json()["results"]
    assert [r["episode"] for r in all_rows] == [str(first.pk), str(third.pk)]
    listed = AccessEvent.objects.filter(action="list", object_type="scheduling.RosterEntry").order_by("occurred_at")
    assert listed.last().object_ids == [str(first.client_id), str(third.client_id)]

    assert va_api.get(f"{BASE}/roster-entries/{entry['id']}/").json()["session"] == str(session.pk)
    viewed = AccessEvent.objects.get(action="view", object_type="scheduling.RosterEntry")
    assert viewed.client_id == first.client_id


def test_a_client_cannot_be_booked_into_overlapping_sessions(va_api, make_group, make_active_episode, week):
    morning = make_group("Process A", [(2, "09:00", 90)])
    clash = make_group("Skills B", [(2, "10:00", 60)], kind="skills", lead=1)
    episode = make_active_episode()
    placement_services.placement_create(episode=episode, group=morning, start_date=week)
    wednesday = week + dt.timedelta(days=2)
    response = va_api.post(
        f"{BASE}/roster-entries/",
        {"session": str(_on(clash, wednesday).pk), "episode": str(episode.pk)},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "client_overlap"
    assert "already booked into Process A" in response.json()["message"]
    assert not RosterEntry.objects.filter(session__group=clash).exists()
