"""Hours flags through the API: raised by a roll call, listed with filters, resolved once, by the
roles allowed to (the `raised` fixture is in tests/attendance/conftest.py)."""

from __future__ import annotations

import pytest

from iop.audit.models import AccessEvent

from ..conftest import BASE

pytestmark = pytest.mark.django_db

FLAGS = f"{BASE}/threshold-flags/"
ALERTS = f"{BASE}/absence-alerts/"  # another tenant's alerts are 404 too


def _ids(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


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


def test_another_tenants_flags_and_alerts_are_404(va_api, raised, summit_schedule):
    import uuid

    for url in (f"{FLAGS}{uuid.uuid4()}/", f"{ALERTS}{uuid.uuid4()}/"):
        assert va_api.get(url).status_code == 404
