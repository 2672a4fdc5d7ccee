"""Placements through the API: seats, full groups, the waitlist, ending, refusals."""

import datetime as dt

import pytest

from iop.audit.models import AccessEvent
from iop.common.dates import date_short
from scheduling.models import Placement, RosterEntry, Session
from scheduling.services import placements as placement_services

from ..conftest import BASE

pytestmark = pytest.mark.django_db


def _on(group, day):
    return Session.objects.get(group=group, local_date=day)


def _place(api, episode, group, start, **extra):
    return api.post(
        f"{BASE}/placements/",
        {"episode": str(episode.pk), "group": str(group.pk), "start_date": start.isoformat(), **extra},
        format="json",
    )


def test_placement_seats_the_client_in_every_session_and_is_listed_and_audited(
    va_api, make_group, make_active_episode, week, harbor_va
):
    group = make_group("Process A", [(0, "09:00", 90), (2, "09:00", 90)])
    episode, other = make_active_episode(), make_active_episode()
    response = _place(va_api, episode, group, week, end_date=(week + dt.timedelta(days=6)).isoformat())
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["episode"], body["client"], body["group_name"]) == (
        str(episode.pk),
        str(episode.client_id),
        "Process A",
    )
    assert [s["local_date"] for s in body["booked_sessions"]] == [
        week.isoformat(),
        (week + dt.timedelta(days=2)).isoformat(),
    ]
    assert body["waitlisted_sessions"] == []
    assert RosterEntry.objects.filter(episode=episode, status="booked").count() == 2
    placement_services.placement_create(episode=other, group=group, start_date=week)

    rows = va_api.get(f"{BASE}/placements/", {"episode": str(episode.pk)}).json()["results"]
    assert [r["id"] for r in rows] == [body["id"]]
    listed = AccessEvent.objects.get(action="list", object_type="scheduling.Placement")
    assert (listed.object_ids, listed.channel, listed.actor) == ([str(episode.client_id)], "api", harbor_va)

    assert (
        va_api.get(f"{BASE}/placements/{body['id']}/").json()["end_date"] == (week + dt.timedelta(days=6)).isoformat()
    )
    viewed = AccessEvent.objects.get(action="view", object_type="scheduling.Placement")
    assert (viewed.client_id, viewed.object_id) == (episode.client_id, body["id"])


def test_placement_into_a_full_group_is_refused_naming_the_dates(va_api, make_group, make_active_episode, week):
    group = make_group("Small", [(1, "09:00", 60), (3, "09:00", 60)], capacity=1)
    first, second = make_active_episode(), make_active_episode()
    placement_services.placement_create(
        episode=first, group=group, start_date=week, end_date=week + dt.timedelta(days=2)
    )
    response = _place(va_api, second, group, week, end_date=(week + dt.timedelta(days=6)).isoformat())
    assert response.status_code == 400
    body = response.json()
    tuesday = week + dt.timedelta(days=1)
    assert body["code"] == "session_full"
    assert body["message"] == (
        f"Small is full on {date_short(tuesday)}. Choose other groups or add the client to the waitlist."
    )
    assert body["extra"]["fields"]["full_dates"] == [tuesday.isoformat()]
    assert not Placement.objects.filter(episode=second).exists()
    assert not RosterEntry.objects.filter(episode=second).exists()


def test_waitlist_if_full_waitlists_and_a_removal_promotes(va_api, make_group, make_active_episode, week):
    group = make_group("Small", [(1, "09:00", 60)], capacity=1)
    first, second = make_active_episode(), make_active_episode()
    placement_services.placement_create(
        episode=first, group=group, start_date=week, end_date=week + dt.timedelta(days=6)
    )
    response = _place(
        va_api, second, group, week, end_date=(week + dt.timedelta(days=6)).isoformat(), waitlist_if_full=True
    )
    assert response.status_code == 201, response.json()
    tuesday = _on(group, week + dt.timedelta(days=1))
    assert [s["id"] for s in response.json()["waitlisted_sessions"]] == [str(tuesday.pk)]
    assert response.json()["booked_sessions"] == []

    waitlist = va_api.get(f"{BASE}/waitlist/", {"session": str(tuesday.pk)}).json()["results"]
    assert [(w["episode"], w["status"]) for w in waitlist] == [(str(second.pk), "waitlisted")]
    seat = RosterEntry.objects.get(session=tuesday, episode=first)
    response = va_api.post(f"{BASE}/roster-entries/{seat.pk}/remove/", {"reason": "Schedule change"}, format="json")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["reason"]) == ("removed", "Schedule change")
    assert va_api.get(f"{BASE}/waitlist/").json()["results"] == []
    promoted = RosterEntry.objects.get(session=tuesday, episode=second)
    assert (promoted.status, promoted.source) == ("booked", "waitlist")


def test_end_a_placement_takes_the_client_off_later_sessions(va_api, make_group, make_active_episode, week):
    group = make_group("Process A", [(0, "09:00", 90)])
    episode = make_active_episode()
    placement = placement_services.placement_create(episode=episode, group=group, start_date=week).placement
    response = va_api.post(f"{BASE}/placements/{placement.pk}/end/", {"end_date": week.isoformat()}, format="json")
    assert response.status_code == 200
    assert response.json()["end_date"] == week.isoformat()
    assert RosterEntry.objects.get(session=_on(group, week), episode=episode).status == "booked"
    later = RosterEntry.objects.filter(episode=episode, session__local_date__gt=week)
    assert later.exists()
    assert set(later.values_list("status", flat=True)) == {"removed"}


def test_invalid_placement_is_refused_and_changes_nothing(
    va_api, make_group, make_active_episode, week, summit_schedule
):
    group = make_group("Process A", [(0, "09:00", 90)])
    episode = make_active_episode()
    response = _place(va_api, summit_schedule.episode, group, week)
    assert response.json()["extra"]["fields"]["episode"] == ["No such episode in this organization."]
    response = _place(va_api, episode, summit_schedule.group, week)
    assert response.json()["extra"]["fields"]["group"] == ["No such group in this organization."]
    response = va_api.post(f"{BASE}/placements/", {"episode": str(episode.pk)}, format="json")
    assert set(response.json()["extra"]["fields"]) == {"group", "start_date"}
    response = _place(va_api, episode, group, week, end_date=(week - dt.timedelta(days=1)).isoformat())
    assert response.status_code == 400
    assert response.json()["extra"]["fields"]["end_date"] == ["Before the start."]
    assert not Placement.objects.exists()
    assert not RosterEntry.objects.exists()


def test_a_discharged_client_cannot_be_placed(va_api, make_group, make_active_episode, week):
    group = make_group("Process A", [(0, "09:00", 90)])
    episode = make_active_episode()
    episode.status = "discharged"
    episode.save(update_fields=["status"])
    response = _place(va_api, episode, group, week)
    assert response.status_code == 400
    assert response.json()["message"] == "Only clients in intake or active care can be placed into groups."
    assert not Placement.objects.exists()
