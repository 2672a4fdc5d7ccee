"""Group types, groups and weekly slots through the API."""

import datetime as dt

import pytest

from scheduling.models import Group, Session, WeeklySlot

from ..conftest import BASE

pytestmark = pytest.mark.django_db


def test_group_types_list_and_retrieve_with_qualified_facilitators(va_api, group_types, facilitators):
    response = va_api.get(f"{BASE}/group-types/")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [r["name"] for r in rows] == ["Community check-in", "Process group", "Skills training"]
    assert rows[0]["counts_toward_hours"] is False
    process = next(r for r in rows if r["name"] == "Process group")
    assert set(process["qualified_facilitators"]) == {str(f.pk) for f in facilitators}

    one = va_api.get(f"{BASE}/group-types/{group_types['skills'].pk}/").json()
    assert (one["name"], one["track"]) == ("Skills training", "group")
    assert set(one["qualified_facilitators"]) == {str(facilitators[0].pk), str(facilitators[1].pk)}


def test_groups_list_filters_and_retrieve_shows_slots_and_facilitators(va_api, make_group, group_types, facilitators):
    process = make_group("Process A", [(0, "09:00", 90), (2, "09:00", 90)])
    make_group("Skills B", [(1, "11:00", 60)], kind="skills", lead=1)

    names = [g["name"] for g in va_api.get(f"{BASE}/groups/").json()["results"]]
    assert names == ["Process A", "Skills B"]
    only = va_api.get(f"{BASE}/groups/", {"group_type": str(group_types["skills"].pk)}).json()["results"]
    assert [g["name"] for g in only] == ["Skills B"]

    body = va_api.get(f"{BASE}/groups/{process.pk}/").json()
    assert body["capacity"] == 10
    assert body["lead_facilitator"]["id"] == str(facilitators[0].pk)
    assert body["lead_facilitator"]["name"] == facilitators[0].membership.user.full_name
    assert body["co_facilitator"] is None
    assert [(s["weekday"], s["start_time"], s["duration_minutes"]) for s in body["slots"]] == [
        (0, "09:00:00", 90),
        (2, "09:00:00", 90),
    ]


def test_create_a_group_then_a_weekly_slot_materialises_its_sessions(
    va_api, harbor_program, group_types, facilitators, today
):
    response = va_api.post(
        f"{BASE}/groups/",
        {
            "program": str(harbor_program.pk),
            "group_type": str(group_types["skills"].pk),
            "name": "DBT Skills",
            "capacity": 8,
            "lead_facilitator": str(facilitators[1].pk),
            "co_facilitator": str(facilitators[0].pk),
            "telehealth_url": "https://video.example.test/dbt",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    group = response.json()
    assert (group["name"], group["capacity"], group["slots"]) == ("DBT Skills", 8, [])
    assert group["co_facilitator"]["id"] == str(facilitators[0].pk)

    response = va_api.post(
        f"{BASE}/slots/",
        {
            "group": group["id"],
            "weekday": 3,
            "start_time": "11:00",
            "duration_minutes": 90,
            "effective_from": today.isoformat(),
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    sessions = Session.objects.filter(slot_id=response.json()["id"])
    assert sessions.count() >= 8  # the 8-week horizon
    assert {s.local_date.weekday() for s in sessions} == {3}
    assert all(f"{s.starts_at.astimezone(s.organization.tzinfo):%H:%M}" == "11:00" for s in sessions)


def test_invalid_group_is_refused_with_field_messages_and_nothing_saved(
    va_api, harbor_program, group_types, facilitators, summit_program
):
    base = {"program": str(harbor_program.pk), "group_type": str(group_types["skills"].pk), "name": "Skills"}
    cases = [
        ({**base, "capacity": 0}, "capacity", "Ensure this value is greater than or equal to 1."),
        (
            {**base, "capacity": 8, "program": str(summit_program.pk)},
            "program",
            "No such program in this organization.",
        ),
        ({**base, "capacity": 8, "name": ""}, "name", "This field may not be blank."),
        # facilitators[2] leads process groups only.
        (
            {**base, "capacity": 8, "lead_facilitator": str(facilitators[2].pk)},
            "lead_facilitator",
            "Not qualified for this group type.",
        ),
    ]
    for payload, field, message in cases:
        response = va_api.post(f"{BASE}/groups/", payload, format="json")
        assert response.status_code == 400, payload
        assert response.json()["extra"]["fields"][field] == [message]
    response = va_api.post(f"{BASE}/groups/", cases[-1][0], format="json")
    assert "is not qualified for Skills training groups" in response.json()["message"]
    assert not Group.objects.exists()


def test_duplicate_group_name_is_refused(va_api, make_group, harbor_program, group_types):
    make_group("Process A", [(0, "09:00", 90)])
    response = va_api.post(
        f"{BASE}/groups/",
        {
            "program": str(harbor_program.pk),
            "group_type": str(group_types["process"].pk),
            "name": "Process A",
            "capacity": 8,
        },
        format="json",
    )
    assert response.status_code == 400
    messages = [m for field in response.json()["extra"]["fields"].values() for m in field]
    assert any("already exists" in m or "Already in use" in m for m in messages), messages
    assert Group.objects.count() == 1


def test_invalid_slot_is_refused_and_creates_no_sessions(va_api, make_group, today):
    group = make_group("Process A", [])
    base = {"group": str(group.pk), "weekday": 1, "start_time": "09:00", "effective_from": today.isoformat()}
    response = va_api.post(f"{BASE}/slots/", {**base, "duration_minutes": 5}, format="json")
    assert response.status_code == 400
    assert "duration_minutes" in response.json()["extra"]["fields"]
    response = va_api.post(
        f"{BASE}/slots/",
        {**base, "duration_minutes": 60, "effective_to": (today - dt.timedelta(days=1)).isoformat()},
        format="json",
    )
    assert response.json()["extra"]["fields"]["effective_to"] == ["Must not be before the start date."]
    response = va_api.post(f"{BASE}/slots/", {**base, "duration_minutes": 60, "weekday": 9}, format="json")
    assert "weekday" in response.json()["extra"]["fields"]
    assert not WeeklySlot.objects.exists()
    assert not Session.objects.exists()


def test_slots_list_retrieve_and_end_cancels_later_sessions(va_api, make_group, week):
    group = make_group("Process A", [(0, "09:00", 90), (2, "09:00", 90)])
    other = make_group("Skills B", [(1, "11:00", 60)], kind="skills", lead=1)
    rows = va_api.get(f"{BASE}/slots/", {"group": str(group.pk)}).json()["results"]
    assert [(r["weekday"], r["group"]) for r in rows] == [(0, str(group.pk)), (2, str(group.pk))]
    assert len(va_api.get(f"{BASE}/slots/").json()["results"]) == 3
    monday = WeeklySlot.objects.get(group=group, weekday=0)
    assert va_api.get(f"{BASE}/slots/{monday.pk}/").json()["start_time"] == "09:00:00"

    response = va_api.post(f"{BASE}/slots/{monday.pk}/end/", {"effective_to": week.isoformat()}, format="json")
    assert response.status_code == 200
    assert response.json()["effective_to"] == week.isoformat()
    later = Session.objects.filter(slot=monday, local_date__gt=week)
    assert later.exists()
    assert not later.exclude(status="cancelled").exists()
    assert Session.objects.get(slot=monday, local_date=week).status == "scheduled"
    assert not Session.objects.filter(group=other, status="cancelled").exists()


def test_ending_a_slot_before_it_starts_is_refused(va_api, make_group, today):
    group = make_group("Process A", [(0, "09:00", 90)])
    slot = WeeklySlot.objects.get(group=group)
    response = va_api.post(
        f"{BASE}/slots/{slot.pk}/end/",
        {"effective_to": (today - dt.timedelta(days=3)).isoformat()},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["message"] == "The end date is before the slot starts."
    slot.refresh_from_db()
    assert slot.effective_to is None
    assert not Session.objects.filter(status="cancelled").exists()
