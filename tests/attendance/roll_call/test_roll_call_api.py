"""The roll call through the API: read, bulk upsert (idempotent, counted), refusals that save
nothing, and who may record which session."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from attendance.models import AttendanceRecord, AttendanceRecordEvent
from iop.audit.models import AccessEvent
from iop.tenancy.context import tenant_context
from scheduling.models import RosterEntry
from scheduling.services import sessions as session_services

from ..conftest import book, line, roll_call_url, sessions_of

pytestmark = pytest.mark.django_db


def _at(session, minutes: int) -> str:
    return (session.starts_at + dt.timedelta(minutes=minutes)).isoformat()


def _snapshot() -> list[tuple]:
    return list(
        AttendanceRecord.objects.order_by("pk").values_list("pk", "status", "attended_minutes", "updated_at", "note")
    )


def test_get_lists_every_seated_client_with_their_record_or_null(va_api, roll_call):
    first, second, third = roll_call.entries
    va_api.put(roll_call.url, {"records": [line(first)]}, format="json")

    response = va_api.get(roll_call.url)

    assert response.status_code == 200
    body = response.json()
    assert (body["session"], body["counts_toward_hours"]) == (str(roll_call.session.pk), True)
    entries = {e["roster_entry"]: e for e in body["entries"]}
    assert set(entries) == {str(e.pk) for e in roll_call.entries}
    recorded = entries[str(first.pk)]
    assert recorded["client"] == str(first.episode.client_id)
    assert recorded["roster_status"] == "booked"
    assert recorded["record"]["status"] == "present"
    assert recorded["record"]["attended_minutes"] == 180
    assert recorded["record"]["group_name"] == "Process A"
    assert entries[str(second.pk)]["record"] is None
    assert entries[str(third.pk)]["record"] is None
    listed = AccessEvent.objects.filter(action="list", object_id=str(roll_call.session.pk)).latest("occurred_at")
    assert set(listed.object_ids) == {str(e.episode.client_id) for e in roll_call.entries}
    assert listed.channel == "api"


def test_put_creates_then_the_same_put_changes_nothing(va_api, roll_call):
    first, second, third = roll_call.entries
    session = roll_call.session
    payload = {
        "records": [
            line(first),
            line(second, "late", arrived_at=_at(session, 30), note="Connection trouble"),
            line(third, "absent_excused", absence_reason="illness"),
        ]
    }

    created = va_api.put(roll_call.url, payload, format="json")

    assert created.status_code == 200, created.json()
    body = created.json()
    assert (body["created"], body["updated"], body["unchanged"]) == (3, 0, 0)
    assert [r["roster_entry"] for r in body["records"]] == [str(e.pk) for e in roll_call.entries]
    assert [r["attended_minutes"] for r in body["records"]] == [180, 150, 0]
    assert body["records"][1]["note"] == "Connection trouble"
    assert body["records"][2]["absence_reason"] == "illness"
    before, events = _snapshot(), AttendanceRecordEvent.objects.count()
    assert len(before) == 3 and events == 3

    again = va_api.put(roll_call.url, payload, format="json")

    assert again.status_code == 200
    assert (again.json()["created"], again.json()["updated"], again.json()["unchanged"]) == (0, 0, 3)
    assert again.json()["records"] == body["records"]
    assert _snapshot() == before  # same rows, same updated_at
    assert AttendanceRecordEvent.objects.count() == events  # no new history


def test_a_correction_updates_only_the_changed_line(va_api, roll_call):
    first, second, _ = roll_call.entries
    session = roll_call.session
    va_api.put(roll_call.url, {"records": [line(first), line(second)]}, format="json")
    unchanged_at = AttendanceRecord.objects.get(roster_entry=first).updated_at

    response = va_api.put(
        roll_call.url,
        {"records": [line(first), line(second, "left_early", departed_at=_at(session, 120))]},
        format="json",
    )

    assert response.status_code == 200
    assert (response.json()["created"], response.json()["updated"], response.json()["unchanged"]) == (0, 1, 1)
    corrected = AttendanceRecord.objects.get(roster_entry=second)
    assert (corrected.status, corrected.attended_minutes) == ("left_early", 120)
    assert AttendanceRecord.objects.get(roster_entry=first).updated_at == unchanged_at
    assert AttendanceRecordEvent.objects.filter(pgh_obj_id=corrected.pk, pgh_label="update").count() == 1


def test_post_is_the_same_upsert(va_api, roll_call, harbor):
    first = roll_call.entries[0]
    local_arrival = (roll_call.session.starts_at + dt.timedelta(minutes=10)).astimezone(harbor.tzinfo).isoformat()
    payload = {"records": [line(first, "late", arrived_at=local_arrival)]}

    assert va_api.post(roll_call.url, payload, format="json").json()["created"] == 1
    assert va_api.post(roll_call.url, payload, format="json").json()["unchanged"] == 1
    assert AttendanceRecord.objects.get().attended_minutes == 170


def test_times_outside_the_session_are_clamped_and_listed(va_api, roll_call):
    first = roll_call.entries[0]
    response = va_api.put(
        roll_call.url, {"records": [line(first, arrived_at=_at(roll_call.session, -15))]}, format="json"
    )
    assert response.json()["clamped"] == [str(first.pk)]
    assert response.json()["records"][0]["attended_minutes"] == 180


def test_bad_times_are_400_keyed_by_entry_and_nothing_is_saved(va_api, roll_call):
    good, bad, _ = roll_call.entries
    session = roll_call.session
    payload = {
        "records": [
            line(good),
            line(bad, "late", arrived_at=_at(session, 60), departed_at=_at(session, 30)),
        ]
    }

    response = va_api.put(roll_call.url, payload, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "lines_refused"
    assert response.json()["extra"]["fields"] == {f"{bad.pk}.departed_at": ["Departure is before arrival."]}
    # The message says which line of the request, and whose.
    assert response.json()["message"] == (
        f"Attendance was not saved. records.1 (client {bad.episode.client_id}): Departure is before arrival."
    )
    assert not AttendanceRecord.objects.exists()
    assert not AttendanceRecordEvent.objects.exists()


def test_malformed_lines_are_400_keyed_like_the_service(va_api, roll_call):
    first, second, _ = roll_call.entries
    payload = {
        "records": [
            line(first, "asleep"),
            line(second, arrived_at="2026-03-02T09:05:00"),  # no offset: which zone?
            {"status": "present"},
        ]
    }

    response = va_api.put(roll_call.url, payload, format="json")

    assert response.status_code == 400
    fields = response.json()["extra"]["fields"]
    assert set(fields) == {f"{first.pk}.status", f"{second.pk}.arrived_at", "records.2.roster_entry"}
    assert "UTC offset" in fields[f"{second.pk}.arrived_at"][0]
    assert not AttendanceRecord.objects.exists()


def test_empty_and_duplicate_roll_calls_are_refused(va_api, roll_call):
    first = roll_call.entries[0]
    assert va_api.put(roll_call.url, {"records": []}, format="json").status_code == 400
    assert va_api.put(roll_call.url, {}, format="json").json()["extra"]["fields"] == {
        "records": ["This field is required."]
    }
    duplicate = va_api.put(roll_call.url, {"records": [line(first), line(first, "no_show")]}, format="json")
    assert (duplicate.status_code, duplicate.json()["code"]) == (400, "duplicate_line")
    assert not AttendanceRecord.objects.exists()


def test_another_sessions_entry_is_404_and_nothing_is_saved(va_api, roll_call, make_active_episode):
    wednesday = roll_call.week[1]
    (elsewhere,) = book(make_active_episode(), [wednesday])

    response = va_api.put(roll_call.url, {"records": [line(roll_call.entries[0]), line(elsewhere)]}, format="json")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert not AttendanceRecord.objects.exists()


def test_another_tenants_entry_is_404_and_nothing_is_saved(va_api, roll_call, summit, summit_schedule):
    response = va_api.put(
        roll_call.url, {"records": [line(roll_call.entries[0]), line(summit_schedule.entry)]}, format="json"
    )

    assert response.status_code == 404
    assert not AttendanceRecord.objects.exists()
    with tenant_context(summit.id):
        assert not AttendanceRecord.objects.exists()
        assert RosterEntry.objects.get(pk=summit_schedule.entry.pk).status == "booked"


def test_another_tenants_session_is_404(va_api, roll_call, summit_schedule):
    url = roll_call_url(summit_schedule.session)
    assert va_api.get(url).status_code == 404
    assert va_api.put(url, {"records": [line(summit_schedule.entry)]}, format="json").status_code == 404


def test_a_clinician_records_only_sessions_they_facilitate(
    api, roll_call, lead_user, other_facilitator_user, harbor_clinician
):
    payload = {"records": [line(roll_call.entries[0])]}
    for user in (other_facilitator_user, harbor_clinician):
        refused = api(user).put(roll_call.url, payload, format="json")
        assert refused.status_code == 403, user.email
        assert api(user).get(roll_call.url).status_code == 200  # reading the roll call is fine
    assert not AttendanceRecord.objects.exists()

    response = api(lead_user).put(roll_call.url, payload, format="json")

    assert response.status_code == 200
    assert AttendanceRecord.objects.get().recorded_by == lead_user


def test_a_co_facilitator_may_record_their_session(api, make_past_group, make_active_episode, past_week, facilitators):
    session = sessions_of(make_past_group("Skills B", [(1, "13:00", 60)], kind="skills", co=1), past_week)[0]
    (entry,) = book(make_active_episode(), [session])
    response = api(facilitators[1].membership.user).put(
        roll_call_url(session), {"records": [line(entry)]}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["records"][0]["counted_minutes"] == 60


def test_va_and_admin_record_any_session_intake_does_not(api, roll_call, harbor_va, harbor_admin, harbor_intake):
    first, second, _ = roll_call.entries
    assert api(harbor_intake).put(roll_call.url, {"records": [line(first)]}, format="json").status_code == 403
    assert api(harbor_va).put(roll_call.url, {"records": [line(first)]}, format="json").status_code == 200
    assert api(harbor_admin).put(roll_call.url, {"records": [line(second)]}, format="json").status_code == 200
    assert AttendanceRecord.objects.count() == 2


def test_sessions_that_have_not_started_or_were_cancelled_are_refused(va_api, past_group, make_active_episode, week):
    future = sessions_of(past_group, week)[0]
    (entry,) = book(make_active_episode(), [future])
    response = va_api.put(roll_call_url(future), {"records": [line(entry)]}, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "session_not_started")

    session_services.session_cancel(session=future, reason="Holiday")
    response = va_api.put(roll_call_url(future), {"records": [line(entry)]}, format="json")
    assert response.status_code in (400, 404)
    assert not AttendanceRecord.objects.exists()


def test_reading_the_roll_call_costs_the_same_for_3_and_12_clients(va_api, roll_call, make_active_episode):
    va_api.put(roll_call.url, {"records": [line(e) for e in roll_call.entries]}, format="json")
    with CaptureQueriesContext(connection) as three:
        assert len(va_api.get(roll_call.url).json()["entries"]) == 3
    more = [book(make_active_episode(), [roll_call.session])[0] for _ in range(9)]
    va_api.put(roll_call.url, {"records": [line(e, "no_show") for e in more]}, format="json")
    with CaptureQueriesContext(connection) as twelve:
        assert len(va_api.get(roll_call.url).json()["entries"]) == 12
    assert len(twelve.captured_queries) == len(three.captured_queries)
