"""Sessions through the API: the time window and filters, fill and facilitators, one-off changes."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from scheduling.models import RosterEntry, Session, SessionFacilitator
from scheduling.services import placements as placement_services
from scheduling.services import sessions as session_services

from ..conftest import BASE

pytestmark = pytest.mark.django_db


def _on(group, day):
    return Session.objects.get(group=group, local_date=day)


def _ids(response):
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


@pytest.fixture
def two_groups(make_group):
    return (
        make_group("Process A", [(0, "09:00", 90), (2, "09:00", 90)]),
        make_group("Skills B", [(0, "11:00", 60)], kind="skills", lead=1),
    )


def test_list_by_local_dates_and_by_instants(va_api, two_groups, week, harbor):
    process, skills = two_groups
    monday = [_on(process, week), _on(skills, week)]
    response = va_api.get(f"{BASE}/sessions/", {"date_from": week.isoformat(), "date_to": week.isoformat()})
    assert _ids(response) == [str(s.pk) for s in monday]

    week_ids = _ids(va_api.get(f"{BASE}/sessions/", {"date_from": week.isoformat()}))  # a week from date_from
    assert week_ids == [str(s.pk) for s in [*monday, _on(process, week + dt.timedelta(days=2))]]

    start = dt.datetime.combine(week, dt.time(10), tzinfo=harbor.tzinfo)
    response = va_api.get(
        f"{BASE}/sessions/", {"start": start.isoformat(), "end": (start + dt.timedelta(hours=2)).isoformat()}
    )
    assert _ids(response) == [str(monday[1].pk)]


def test_list_defaults_to_the_current_week(va_api, make_group, today):
    group = make_group("Daily", [(day, "09:00", 60) for day in range(7)])
    rows = va_api.get(f"{BASE}/sessions/").json()["results"]
    week_start = today - dt.timedelta(days=today.weekday())
    # Sessions are materialised from today on; the rest of this (Monday-based) week is listed.
    expected = [d for d in (week_start + dt.timedelta(days=i) for i in range(7)) if d >= today]
    assert [r["local_date"] for r in rows] == [d.isoformat() for d in expected]
    assert {r["group"] for r in rows} == {str(group.pk)}


def test_filters_by_group_facilitator_program_and_status(va_api, two_groups, week, facilitators, harbor_program):
    process, skills = two_groups
    window = {"date_from": week.isoformat(), "date_to": week.isoformat()}
    assert _ids(va_api.get(f"{BASE}/sessions/", {**window, "group": str(skills.pk)})) == [str(_on(skills, week).pk)]
    by_lead = va_api.get(f"{BASE}/sessions/", {**window, "facilitator": str(facilitators[0].pk)})
    assert _ids(by_lead) == [str(_on(process, week).pk)]
    assert len(_ids(va_api.get(f"{BASE}/sessions/", {**window, "program": str(harbor_program.pk)}))) == 2
    session_services.session_cancel(session=_on(skills, week), reason="Holiday")
    assert _ids(va_api.get(f"{BASE}/sessions/", {**window, "status": "cancelled"})) == [str(_on(skills, week).pk)]
    assert _ids(va_api.get(f"{BASE}/sessions/", {**window, "status": "scheduled"})) == [str(_on(process, week).pk)]


def test_invalid_list_parameters_are_field_errors(va_api, two_groups, week):
    cases = [
        ({"date_from": week.isoformat(), "start": "2026-01-01T09:00:00Z"}, "non_field_errors"),
        ({"date_from": week.isoformat(), "date_to": (week - dt.timedelta(days=1)).isoformat()}, "date_to"),
        ({"start": "2026-01-02T09:00:00Z", "end": "2026-01-01T09:00:00Z"}, "end"),
        ({"date_from": "2026-02-31"}, "date_from"),
        ({"group": "not-a-uuid"}, "group"),
        ({"status": "deleted"}, "status"),
    ]
    for params, field in cases:
        response = va_api.get(f"{BASE}/sessions/", params)
        assert response.status_code == 400, params
        assert field in response.json()["extra"]["fields"], (params, response.json())


def test_retrieve_has_fill_and_facilitators(va_api, make_group, make_active_episode, facilitators, week):
    group = make_group("Small", [(1, "09:00", 60)], capacity=1, co=1)
    first, second = make_active_episode(), make_active_episode()
    placement_services.placement_create(episode=first, group=group, start_date=week)
    placement_services.placement_create(episode=second, group=group, start_date=week, waitlist_if_full=True)
    session = _on(group, week + dt.timedelta(days=1))

    body = va_api.get(f"{BASE}/sessions/{session.pk}/").json()
    assert (body["capacity"], body["booked_count"], body["waitlist_count"]) == (1, 1, 1)
    assert body["has_lead"] is True
    assert body["location"] == "https://video.example.test/room"
    assert body["duration_minutes"] == 60
    assert body["facilitators"] == [
        {
            "staff_profile": str(facilitators[1].pk),
            "name": facilitators[1].membership.user.full_name,
            "role": "co",
        },
        {
            "staff_profile": str(facilitators[0].pk),
            "name": facilitators[0].membership.user.full_name,
            "role": "lead",
        },
    ]
    assert "roster" not in body  # no client data on a session


def test_cancel_moves_seats_to_cancelled(va_api, make_group, make_active_episode, week):
    group = make_group("Process A", [(0, "09:00", 90)])
    episode = make_active_episode()
    placement_services.placement_create(episode=episode, group=group, start_date=week)
    session = _on(group, week)
    response = va_api.post(f"{BASE}/sessions/{session.pk}/cancel/", {"reason": "Facilitator training"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["cancelled_reason"], body["booked_count"], body["has_lead"]) == (
        "cancelled",
        "Facilitator training",
        0,
        False,
    )
    assert RosterEntry.objects.get(session=session).status == "cancelled"
    # The weekly time is untouched: the next Monday still meets.
    assert _on(group, week + dt.timedelta(days=7)).status == "scheduled"


def test_move_one_session_and_refuse_a_move_into_the_past(va_api, make_group, week, today, harbor):
    group = make_group("Process A", [(0, "09:00", 90)])
    session = _on(group, week)
    response = va_api.post(
        f"{BASE}/sessions/{session.pk}/move/",
        {"local_date": (week + dt.timedelta(days=1)).isoformat(), "start_time": "13:00"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    expected = dt.datetime.combine(week + dt.timedelta(days=1), dt.time(13), tzinfo=harbor.tzinfo)
    assert dt.datetime.fromisoformat(body["starts_at"]) == expected
    assert (body["duration_minutes"], body["is_modified"]) == (90, True)
    assert (body["local_date"], body["occurrence_date"]) == (
        (week + dt.timedelta(days=1)).isoformat(),
        week.isoformat(),
    )

    response = va_api.post(
        f"{BASE}/sessions/{session.pk}/move/",
        {"local_date": (today - dt.timedelta(days=2)).isoformat(), "start_time": "09:00"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["message"] == "A session can only be moved to a future time."
    session.refresh_from_db()
    assert session.starts_at == expected


def test_assign_facilitator_covers_a_session(va_api, make_group, facilitators, week):
    group = make_group("Process A", [(0, "09:00", 90)], lead=None)
    session = _on(group, week)
    assert va_api.get(f"{BASE}/sessions/{session.pk}/").json()["has_lead"] is False
    response = va_api.post(
        f"{BASE}/sessions/{session.pk}/assign-facilitator/",
        {"staff_profile": str(facilitators[2].pk)},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["has_lead"] is True
    assert response.json()["facilitators"][0]["staff_profile"] == str(facilitators[2].pk)


def test_double_booking_a_facilitator_is_refused_and_changes_nothing(va_api, make_group, facilitators, week):
    make_group("Process A", [(0, "09:00", 90)], lead=0)
    overlapping = make_group("Skills B", [(0, "10:00", 60)], kind="skills", lead=1)
    session = _on(overlapping, week)
    response = va_api.post(
        f"{BASE}/sessions/{session.pk}/assign-facilitator/",
        {"staff_profile": str(facilitators[0].pk), "role": "lead"},
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "facilitator_overlap"
    assert "is already facilitating another session at that time" in body["message"]
    assert body["extra"]["fields"]["staff_profile"] == ["Busy at that time."]
    lead = SessionFacilitator.objects.get(session=session, role="lead")
    assert lead.staff_profile == facilitators[1]


def test_invalid_action_input_is_a_field_error(va_api, make_group, week, summit_schedule):
    group = make_group("Process A", [(0, "09:00", 90)])
    session = _on(group, week)
    response = va_api.post(
        f"{BASE}/sessions/{session.pk}/assign-facilitator/",
        {"staff_profile": str(summit_schedule.staff.pk)},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["extra"]["fields"]["staff_profile"] == ["No such staff profile in this organization."]
    response = va_api.post(f"{BASE}/sessions/{session.pk}/move/", {"start_time": "25:00"}, format="json")
    assert set(response.json()["extra"]["fields"]) == {"local_date", "start_time"}
    session.refresh_from_db()
    assert not session.is_modified


def _list_queries(api, week) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = api.get(f"{BASE}/sessions/", {"date_from": week.isoformat()})
    assert response.status_code == 200
    return len(ctx.captured_queries), len(response.json()["results"])


def test_session_list_costs_the_same_number_of_queries_at_two_sizes(va_api, make_group, make_active_episode, week):
    def add_groups(names):
        # A different weekday or hour each, so one lead and one co-facilitator can run them all.
        for index, name in enumerate(names, start=len(added)):
            group = make_group(name, [(index % 5, f"{9 + index // 5:02d}:00", 45)], co=1)
            for _ in range(2):
                placement_services.placement_create(episode=make_active_episode(), group=group, start_date=week)
            added.append(group)

    added = []
    add_groups(["G0", "G1"])
    va_api.get(f"{BASE}/sessions/")  # the token's first use writes last_used_at: not part of the list's cost
    small_queries, small_rows = _list_queries(va_api, week)
    add_groups([f"H{i}" for i in range(8)])
    large_queries, large_rows = _list_queries(va_api, week)
    assert (small_rows, large_rows) == (2, 10)
    assert small_queries == large_queries
