"""Attendance records through the API: filters, retrieve, the access trail, another tenant's ids,
and a list whose cost does not grow with its length."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from attendance.models import AttendanceRecord
from iop.audit.models import AccessEvent
from iop.tenancy.context import tenant_context

from ..conftest import BASE, book, record

pytestmark = pytest.mark.django_db

URL = f"{BASE}/attendance-records/"


def _ids(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


@pytest.fixture
def records(roll_call, make_active_episode):
    """Monday: present, late, no-show; Wednesday: the first client present."""
    first, second, third = roll_call.entries
    monday, wednesday = roll_call.week[0], roll_call.week[1]
    record(monday, first)
    record(monday, second, "late", arrived_at=monday.starts_at + dt.timedelta(minutes=20))
    record(monday, third, "no_show")
    (later,) = book(first.episode, [wednesday])
    record(wednesday, later)
    by = {r.roster_entry_id: r for r in AttendanceRecord.objects.all()}
    return [by[first.pk], by[second.pk], by[third.pk], by[later.pk]]


def test_list_is_in_session_order_with_filters(va_api, records, roll_call):
    monday_first, monday_late, monday_no_show, wednesday = records
    assert set(_ids(va_api.get(URL))) == {str(r.pk) for r in records}
    assert _ids(va_api.get(URL))[-1] == str(wednesday.pk)  # the later session last

    by_session = _ids(va_api.get(URL, {"session": str(roll_call.week[1].pk)}))
    assert by_session == [str(wednesday.pk)]
    by_episode = _ids(va_api.get(URL, {"episode": str(monday_first.episode_id)}))
    assert by_episode == [str(monday_first.pk), str(wednesday.pk)]
    monday = roll_call.week[0].local_date.isoformat()
    assert set(_ids(va_api.get(URL, {"date_from": monday, "date_to": monday}))) == {str(r.pk) for r in records[:3]}
    after = (roll_call.week[0].local_date + dt.timedelta(days=1)).isoformat()
    assert _ids(va_api.get(URL, {"date_from": after})) == [str(wednesday.pk)]
    assert _ids(va_api.get(URL, {"status": "no_show"})) == [str(monday_no_show.pk)]
    assert _ids(va_api.get(URL, {"status": "late"})) == [str(monday_late.pk)]


def test_invalid_filters_are_field_errors(va_api, records):
    for params, field in (({"status": "asleep"}, "status"), ({"date_from": "2026-02-31"}, "date_from")):
        response = va_api.get(URL, params)
        assert response.status_code == 400, params
        assert field in response.json()["extra"]["fields"]


def test_retrieve_and_the_access_trail(va_api, records, harbor_va):
    late = records[1]
    body = va_api.get(f"{URL}{late.pk}/").json()
    assert body["status"] == "late"
    assert body["attended_minutes"] == 160
    assert body["client"] == str(late.episode.client_id)
    assert body["arrived_at"] == late.arrived_at.isoformat().replace("+00:00", "Z")
    viewed = AccessEvent.objects.get(action="view", object_type="attendance.AttendanceRecord")
    assert (viewed.object_id, viewed.client_id, viewed.actor) == (str(late.pk), late.episode.client_id, harbor_va)

    va_api.get(URL)
    listed = AccessEvent.objects.get(action="list", object_type="attendance.AttendanceRecord")
    assert sorted(listed.object_ids) == sorted(str(r.episode.client_id) for r in records)
    assert listed.channel == "api"


def test_another_tenants_record_is_404_and_not_listed(va_api, records, summit, summit_schedule, summit_va):
    from attendance.roll_call.services import RollCallLine, roll_call_save

    with tenant_context(summit.id):
        session = summit_schedule.entry.session
        result = roll_call_save(
            session=session,
            lines=[RollCallLine(roster_entry_id=summit_schedule.entry.pk, status="present")],
            actor=summit_va,
            now=session.ends_at + dt.timedelta(hours=1),
        )
    (foreign,) = result.created
    assert va_api.get(f"{URL}{foreign.pk}/").status_code == 404
    assert str(foreign.pk) not in _ids(va_api.get(URL))


def test_the_list_costs_the_same_for_3_and_12_records(va_api, roll_call, make_active_episode):
    monday, wednesday = roll_call.week[0], roll_call.week[1]
    for entry in roll_call.entries:
        record(monday, entry)
    va_api.get(URL)  # the token's "last used" write happens once a minute: not in the measure

    with CaptureQueriesContext(connection) as three:
        assert len(_ids(va_api.get(URL))) == 3
    for _ in range(9):
        (entry,) = book(make_active_episode(), [wednesday])
        record(wednesday, entry, "late", arrived_at=wednesday.starts_at + dt.timedelta(minutes=5))
    with CaptureQueriesContext(connection) as twelve:
        assert len(_ids(va_api.get(URL))) == 12

    assert len(twelve.captured_queries) == len(three.captured_queries)
