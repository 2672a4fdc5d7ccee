"""Every refusal of attendance that an integration can reach over the API comes back with its own
`code` (from `attendance.errors`), never the generic "invalid".

Not reachable over the API, and so not here: an unknown status, a blank flag resolution and a
missing alert action are caught by the serializers first; a walk-in is a page only; report
periods are the client page's forms. A roster entry that is not on the session is a 404
(`not_found`, like any object the tenant cannot see), whatever the service calls it.
"""

from __future__ import annotations

import datetime as dt

import pytest

from attendance.errors import AttendanceErrorCode as Code
from attendance.models import AttendanceRecord
from scheduling.services import sessions as session_services

from .conftest import BASE, book, line, roll_call_url, sessions_of

pytestmark = pytest.mark.django_db


def _at(session, minutes: int) -> str:
    return (session.starts_at + dt.timedelta(minutes=minutes)).isoformat()


def _refused(response, code: Code) -> dict:
    assert (response.status_code, response.json()["code"]) == (400, str(code)), response.json()
    return response.json()


@pytest.mark.parametrize(
    ("times", "field", "said"),
    [
        ((60, 30), "departed_at", "Departure is before arrival."),
        ((200, 220), "arrived_at", "Arrival is after the session ended"),
        ((-60, -10), "departed_at", "Departure is before the session began"),
    ],
    ids=["departure_before_arrival", "arrival_after_session", "departure_before_session"],
)
def test_a_refused_line_refuses_the_roll_call_as_lines_refused(va_api, roll_call, times, field, said):
    entry, session = roll_call.entries[0], roll_call.session
    arrived, departed = (_at(session, minutes) for minutes in times)
    payload = {"records": [line(entry, "late", arrived_at=arrived, departed_at=departed)]}

    body = _refused(va_api.put(roll_call.url, payload, format="json"), Code.LINES_REFUSED)

    assert list(body["extra"]["fields"]) == [f"{entry.pk}.{field}"]
    assert said in body["extra"]["fields"][f"{entry.pk}.{field}"][0]
    assert not AttendanceRecord.objects.exists()


def test_a_client_twice_in_one_roll_call_is_duplicate_line(va_api, roll_call):
    first = roll_call.entries[0]
    payload = {"records": [line(first), line(first, "no_show")]}
    _refused(va_api.put(roll_call.url, payload, format="json"), Code.DUPLICATE_LINE)


def test_a_session_not_started_or_cancelled_has_its_own_code(va_api, past_group, make_active_episode, week):
    monday, wednesday = sessions_of(past_group, week)[:2]
    entries = book(make_active_episode(), [monday, wednesday])
    _refused(
        va_api.put(roll_call_url(monday), {"records": [line(entries[0])]}, format="json"), Code.SESSION_NOT_STARTED
    )

    # Only a session still ahead can be cancelled; the cancellation is named before its start.
    session_services.session_cancel(session=wednesday, reason="Holiday")
    payload = {"records": [line(entries[1])]}
    _refused(va_api.put(roll_call_url(wednesday), payload, format="json"), Code.SESSION_CANCELLED)
    assert not AttendanceRecord.objects.exists()


def test_resolving_a_flag_twice_is_flag_already_resolved(va_api, raised):
    flag = next(iter(raised[0].values()))
    url = f"{BASE}/threshold-flags/{flag.pk}/resolve/"
    assert va_api.post(url, {"resolution": "Added a Thursday session."}, format="json").status_code == 200
    _refused(va_api.post(url, {"resolution": "Again."}, format="json"), Code.FLAG_ALREADY_RESOLVED)


def test_acknowledging_with_other_needs_a_note_and_happens_once(api, raised, harbor_clinician):
    _, alert = raised
    clinician = api(harbor_clinician)
    url = f"{BASE}/absence-alerts/{alert.pk}/acknowledge/"

    body = _refused(clinician.post(url, {"action_taken": "other"}, format="json"), Code.ACTION_NOTE_REQUIRED)
    assert list(body["extra"]["fields"]) == ["note"]

    assert clinician.post(url, {"action_taken": "outreach_call"}, format="json").status_code == 200
    _refused(clinician.post(url, {"action_taken": "team_review"}, format="json"), Code.ALERT_ALREADY_ACKNOWLEDGED)


def test_no_attendance_code_is_the_generic_invalid():
    assert "invalid" not in {str(code) for code in Code}
    assert len({str(code) for code in Code}) == len(Code)
