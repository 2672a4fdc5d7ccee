"""Facilitator absences through the API: the sessions they uncover, refusals."""

import datetime as dt

import pytest

from scheduling.models import FacilitatorAbsence, Session, SessionFacilitator

from ..conftest import BASE

pytestmark = pytest.mark.django_db


def _on(group, day):
    return Session.objects.get(group=group, local_date=day)


def test_absence_lists_the_uncovered_sessions_with_suggestions(va_api, make_group, facilitators, week, harbor_va):
    process = make_group("Process A", [(0, "09:00", 90), (2, "09:00", 90)], lead=0)
    make_group("Skills B", [(0, "11:00", 60)], kind="skills", lead=1)
    response = va_api.post(
        f"{BASE}/absences/",
        {
            "staff_profile": str(facilitators[0].pk),
            "start_date": week.isoformat(),
            "end_date": (week + dt.timedelta(days=1)).isoformat(),
            "reason": "Conference",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["staff_profile"], body["reason"]) == (str(facilitators[0].pk), "Conference")
    monday = _on(process, week)
    assert [s["id"] for s in body["uncovered_sessions"]] == [str(monday.pk)]
    suggested = {f["id"] for f in body["uncovered_sessions"][0]["suggested_facilitators"]}
    assert suggested == {str(facilitators[1].pk), str(facilitators[2].pk)}
    assert not SessionFacilitator.objects.filter(session=monday).exists()
    assert FacilitatorAbsence.objects.get().created_by == harbor_va

    rows = va_api.get(f"{BASE}/absences/", {"staff_profile": str(facilitators[0].pk)}).json()["results"]
    assert [r["id"] for r in rows] == [body["id"]]
    assert (
        va_api.get(f"{BASE}/absences/{body['id']}/").json()["staff_name"] == facilitators[0].membership.user.full_name
    )


def test_invalid_absence_is_refused_and_uncovers_nothing(va_api, make_group, facilitators, week):
    make_group("Process A", [(0, "09:00", 90)], lead=0)
    response = va_api.post(
        f"{BASE}/absences/",
        {
            "staff_profile": str(facilitators[0].pk),
            "start_date": week.isoformat(),
            "end_date": (week - dt.timedelta(days=1)).isoformat(),
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["message"] == "The absence ends before it starts."
    assert response.json()["extra"]["fields"]["end_date"] == ["Before the start."]
    assert not FacilitatorAbsence.objects.exists()
    assert SessionFacilitator.objects.filter(staff_profile=facilitators[0]).exists()
