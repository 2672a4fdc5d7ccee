"""Hours flags and absence alerts through the API: raised by a roll call, listed with filters,
resolved or acknowledged once, by the roles allowed to."""

from __future__ import annotations

import pytest

from attendance.models import AbsenceAlert, ThresholdFlag
from iop.audit.models import AccessEvent

from .conftest import BASE, line

pytestmark = pytest.mark.django_db

FLAGS = f"{BASE}/threshold-flags/"
ALERTS = f"{BASE}/absence-alerts/"


def _ids(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


@pytest.fixture
def raised(va_api, roll_call):
    """A closed week short of 9 hours for all three clients (three flags), and one absence without
    a reason (a "no reason" alert: the session ended weeks ago)."""
    first, second, third = roll_call.entries
    payload = {
        "records": [
            line(first),
            line(second, "absent_unexcused"),
            line(third, "absent_excused", absence_reason="illness"),
        ]
    }
    assert va_api.put(roll_call.url, payload, format="json").status_code == 200
    flags = {f.episode_id: f for f in ThresholdFlag.objects.all()}
    (alert,) = AbsenceAlert.objects.all()
    return flags, alert


def test_flags_are_listed_and_filtered(va_api, raised, roll_call, past_week):
    flags, _ = raised
    first = roll_call.entries[0].episode
    assert len(flags) == 3
    assert set(_ids(va_api.get(FLAGS, {"open": "true"}))) == {str(f.pk) for f in flags.values()}
    assert _ids(va_api.get(FLAGS, {"open": "false"})) == []
    assert _ids(va_api.get(FLAGS, {"episode": str(first.pk)})) == [str(flags[first.pk].pk)]
    assert len(_ids(va_api.get(FLAGS, {"state": "below_minimum", "week_start": past_week.isoformat()}))) == 3
    assert _ids(va_api.get(FLAGS, {"state": "at_risk"})) == []
    assert va_api.get(FLAGS, {"state": "on_track"}).status_code == 400  # never a flag

    body = va_api.get(f"{FLAGS}{flags[first.pk].pk}/").json()
    assert body["state"] == "below_minimum"
    assert (body["required_hours"], body["attended_hours"], body["remaining_hours"]) == ("9.0", "3.0", "0.0")
    # The plan takes effect two weeks ago: that week is judged by the program's default (also 9 h, 3 days).
    assert (body["required_days"], body["days_attended"], body["requirement_source"]) == (3, 1, "program")
    assert body["is_open"] is True
    assert AccessEvent.objects.filter(object_type="attendance.ThresholdFlag", action="view").count() == 1
    va_api.get(FLAGS)
    listed = AccessEvent.objects.filter(object_type="attendance.ThresholdFlag", action="list").latest("occurred_at")
    assert set(listed.object_ids) == {str(e.episode.client_id) for e in roll_call.entries}


def test_resolve_a_flag_once(va_api, raised, roll_call, harbor_va):
    flags, _ = raised
    flag = flags[roll_call.entries[0].episode_id]
    url = f"{FLAGS}{flag.pk}/resolve/"

    blank = va_api.post(url, {"resolution": "  "}, format="json")
    assert blank.status_code == 400
    assert "resolution" in blank.json()["extra"]["fields"]

    response = va_api.post(url, {"resolution": "Payer told: client was ill; two sessions added."}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert body["is_open"] is False
    assert body["resolution"] == "Payer told: client was ill; two sessions added."
    assert body["resolved_by_name"] == harbor_va.get_full_name()
    flag.refresh_from_db()
    assert (flag.resolved_by, flag.resolved_at is not None) == (harbor_va, True)

    again = va_api.post(url, {"resolution": "Again"}, format="json")
    assert (again.status_code, again.json()["code"]) == (400, "already_resolved")
    flag.refresh_from_db()
    assert flag.resolution == "Payer told: client was ill; two sessions added."
    assert _ids(va_api.get(FLAGS, {"open": "false"})) == [str(flag.pk)]


def test_intake_may_not_resolve_flags(api, raised, harbor_intake):
    flag = next(iter(raised[0].values()))
    response = api(harbor_intake).post(f"{FLAGS}{flag.pk}/resolve/", {"resolution": "Done"}, format="json")
    assert response.status_code == 403
    flag.refresh_from_db()
    assert flag.is_open


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


def test_another_tenants_flags_and_alerts_are_404(va_api, raised, summit_schedule):
    import uuid

    for url in (f"{FLAGS}{uuid.uuid4()}/", f"{ALERTS}{uuid.uuid4()}/"):
        assert va_api.get(url).status_code == 404
