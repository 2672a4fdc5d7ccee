"""Absence alerts through the API: raised by a roll call, listed with filters, acknowledged once,
by the roles allowed to (the `raised` fixture is in tests/attendance/conftest.py)."""

from __future__ import annotations

import pytest

from ..conftest import BASE, line

pytestmark = pytest.mark.django_db

ALERTS = f"{BASE}/absence-alerts/"


def _ids(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


def test_alerts_are_listed_and_filtered(va_api, raised, roll_call):
    _, alert = raised
    absent = roll_call.entries[1]
    assert _ids(va_api.get(ALERTS, {"open": "true"})) == [str(alert.pk)]
    assert _ids(va_api.get(ALERTS, {"kind": "no_reason", "episode": str(absent.episode_id)})) == [str(alert.pk)]
    assert _ids(va_api.get(ALERTS, {"kind": "consecutive_unexcused"})) == []
    assert _ids(va_api.get(ALERTS, {"episode": str(roll_call.entries[0].episode_id)})) == []

    body = va_api.get(f"{ALERTS}{alert.pk}/").json()
    assert body["kind"] == "no_reason"
    assert body["record"] == str(absent.attendance.pk)
    assert (body["session"], body["group_name"]) == (str(roll_call.session.pk), "Process A")
    assert (body["client"], body["is_open"], body["action_taken"]) == (str(absent.episode.client_id), True, "")


def test_acknowledge_an_alert_once(api, raised, harbor_clinician):
    _, alert = raised
    clinician = api(harbor_clinician)
    url = f"{ALERTS}{alert.pk}/acknowledge/"

    for payload, field in (({"action_taken": "shrugged"}, "action_taken"), ({"action_taken": "other"}, "note")):
        refused = clinician.post(url, payload, format="json")
        assert refused.status_code == 400
        assert field in refused.json()["extra"]["fields"]

    response = clinician.post(url, {"action_taken": "outreach_call", "note": "Left a voicemail."}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert (body["is_open"], body["action_taken"], body["action_note"]) == (False, "outreach_call", "Left a voicemail.")
    assert body["acknowledged_by_name"] == harbor_clinician.get_full_name()

    again = clinician.post(url, {"action_taken": "team_review"}, format="json")
    assert (again.status_code, again.json()["code"]) == (400, "already_acknowledged")
    alert.refresh_from_db()
    assert (alert.action_taken, alert.acknowledged_by) == ("outreach_call", harbor_clinician)
    assert _ids(api(harbor_clinician).get(ALERTS, {"open": "true"})) == []


def test_a_va_may_not_acknowledge_alerts(va_api, raised):
    _, alert = raised
    response = va_api.post(f"{ALERTS}{alert.pk}/acknowledge/", {"action_taken": "outreach_call"}, format="json")
    assert response.status_code == 403
    alert.refresh_from_db()
    assert alert.is_open


def test_documenting_the_reason_through_the_api_closes_the_alert(va_api, raised, roll_call):
    _, alert = raised
    absent = roll_call.entries[1]
    response = va_api.put(
        roll_call.url,
        {"records": [line(absent, "absent_unexcused", absence_reason="transportation")]},
        format="json",
    )
    assert response.json()["updated"] == 1
    alert.refresh_from_db()
    assert (alert.is_open, alert.action_taken) == (False, "reason_documented")
