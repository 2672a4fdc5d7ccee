"""Who may do what in the scheduling API, and another tenant's ids."""

import pytest

from scheduling.models import FacilitatorAbsence, Group, Placement, RosterEntry, Session, WeeklySlot

from .conftest import BASE

pytestmark = pytest.mark.django_db


def test_every_role_reads_the_schedule(api, harbor_clinician, harbor_intake, make_group, week):
    group = make_group("Process A", [(0, "09:00", 90)])
    for user in (harbor_clinician, harbor_intake):
        client = api(user)
        for path in (
            "group-types/",
            "groups/",
            "slots/",
            "sessions/",
            "placements/",
            "roster-entries/",
            "waitlist/",
            "absences/",
        ):
            assert client.get(f"{BASE}/{path}").status_code == 200, (user.email, path)
        assert client.get(f"{BASE}/groups/{group.pk}/").status_code == 200


def test_a_clinician_cannot_change_the_schedule_or_rosters(
    api, harbor_clinician, make_group, make_active_episode, facilitators, week, harbor_program, group_types
):
    group = make_group("Process A", [(0, "09:00", 90)])
    session = Session.objects.get(group=group, local_date=week)
    episode = make_active_episode()
    clinician = api(harbor_clinician)
    attempts = [
        (
            "groups/",
            {
                "program": str(harbor_program.pk),
                "group_type": str(group_types["process"].pk),
                "name": "New",
                "capacity": 8,
            },
        ),
        (
            "slots/",
            {
                "group": str(group.pk),
                "weekday": 1,
                "start_time": "09:00",
                "duration_minutes": 60,
                "effective_from": week.isoformat(),
            },
        ),
        (f"sessions/{session.pk}/cancel/", {}),
        (f"sessions/{session.pk}/assign-facilitator/", {"staff_profile": str(facilitators[1].pk)}),
        ("placements/", {"episode": str(episode.pk), "group": str(group.pk), "start_date": week.isoformat()}),
        ("roster-entries/", {"session": str(session.pk), "episode": str(episode.pk)}),
        (
            "absences/",
            {
                "staff_profile": str(facilitators[0].pk),
                "start_date": week.isoformat(),
                "end_date": week.isoformat(),
            },
        ),
    ]
    for path, payload in attempts:
        response = clinician.post(f"{BASE}/{path}", payload, format="json")
        assert response.status_code == 403, path
    assert (Group.objects.count(), WeeklySlot.objects.count()) == (1, 1)
    assert not Placement.objects.exists()
    assert not RosterEntry.objects.exists()
    assert not FacilitatorAbsence.objects.exists()
    assert Session.objects.get(pk=session.pk).status == "scheduled"


def test_intake_places_clients_but_does_not_manage_sessions(api, harbor_intake, make_group, make_active_episode, week):
    group = make_group("Process A", [(0, "09:00", 90)])
    session = Session.objects.get(group=group, local_date=week)
    intake = api(harbor_intake)
    response = intake.post(
        f"{BASE}/placements/",
        {"episode": str(make_active_episode().pk), "group": str(group.pk), "start_date": week.isoformat()},
        format="json",
    )
    assert response.status_code == 201
    assert intake.post(f"{BASE}/sessions/{session.pk}/cancel/", {}, format="json").status_code == 403


def test_another_tenants_objects_are_404(va_api, summit_schedule, make_group, today):
    make_group("Process A", [(0, "09:00", 90)])
    s = summit_schedule
    for path in (
        f"group-types/{s.group_type.pk}/",
        f"groups/{s.group.pk}/",
        f"slots/{s.slot.pk}/",
        f"sessions/{s.session.pk}/",
        f"placements/{s.placement.pk}/",
        f"roster-entries/{s.entry.pk}/",
        f"absences/{s.absence.pk}/",
    ):
        response = va_api.get(f"{BASE}/{path}")
        assert response.status_code == 404, path
        assert response.json() == {"message": "Not found.", "code": "not_found", "extra": {}}
    for path, payload in (
        (f"slots/{s.slot.pk}/end/", {"effective_to": today.isoformat()}),
        (f"sessions/{s.session.pk}/cancel/", {}),
        (f"sessions/{s.session.pk}/move/", {"local_date": "2030-01-07", "start_time": "09:00"}),
        (f"sessions/{s.session.pk}/assign-facilitator/", {"staff_profile": str(s.staff.pk)}),
        (f"placements/{s.placement.pk}/end/", {"end_date": today.isoformat()}),
        (f"roster-entries/{s.entry.pk}/remove/", {}),
    ):
        assert va_api.post(f"{BASE}/{path}", payload, format="json").status_code == 404, path
    # Lists show harbor's rows only.
    assert [g["name"] for g in va_api.get(f"{BASE}/groups/").json()["results"]] == ["Process A"]
    assert va_api.get(f"{BASE}/placements/").json()["results"] == []
    assert va_api.get(f"{BASE}/absences/").json()["results"] == []


def test_summit_is_unchanged_by_harbor_requests(va_api, summit, summit_schedule):
    from iop.tenancy.context import tenant_context

    s = summit_schedule
    va_api.post(f"{BASE}/sessions/{s.session.pk}/cancel/", {}, format="json")
    va_api.post(f"{BASE}/roster-entries/{s.entry.pk}/remove/", {}, format="json")
    va_api.post(f"{BASE}/placements/{s.placement.pk}/end/", {"end_date": "2020-01-01"}, format="json")
    with tenant_context(summit.id):
        assert Session.objects.get(pk=s.session.pk).status == "scheduled"
        assert RosterEntry.objects.get(pk=s.entry.pk).status == "booked"
        assert Placement.objects.get(pk=s.placement.pk).end_date is None


def test_a_harbor_member_cannot_use_summits_api(va_api, summit_schedule):
    assert va_api.get("/api/v1/o/summit/sessions/").status_code in (401, 404)
    assert va_api.get(f"/api/v1/o/summit/groups/{summit_schedule.group.pk}/").status_code in (401, 404)
