"""The units API: authorizations with their unit figures (list and retrieve, audited, constant
queries per page), chase tasks and closing one, unauthorized days; all in the schema."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from authorizations.models import ChaseKind, ChaseTask, CoverageGapKind, UnauthorizedDay
from iop.audit.models import AccessEvent

from ...attendance.conftest import book, record, sessions_of
from ..conftest import BASE
from .conftest import make_authorization

pytestmark = pytest.mark.django_db


@pytest.fixture
def burning(covered_episode, mwf, past_week, this_week):
    """An authorization of 5 days: 3 attended, 3 booked ahead (so it runs out before its end)."""
    episode, coverage = covered_episode()
    attended = sessions_of(mwf, past_week)
    for session, entry in zip(attended, book(episode, attended), strict=True):
        record(session, entry, "present")
    ahead = sessions_of(mwf, this_week + dt.timedelta(weeks=1))
    book(episode, ahead)
    authorization = make_authorization(
        episode, coverage, start=past_week, end=this_week + dt.timedelta(days=20), units=5, number="PA-1"
    )
    return authorization, ahead


def test_an_authorization_comes_with_its_unit_figures(api, harbor_va, burning):
    authorization, ahead = burning

    response = api(harbor_va).get(f"{BASE}/authorizations/{authorization.pk}/")

    assert response.status_code == 200
    data = response.json()
    assert data["number"] == "PA-1" and data["client"] == str(authorization.episode.client_id)
    figures = {k: data[k] for k in ("authorized", "used", "scheduled", "remaining", "counted")}
    assert figures == {"authorized": 5, "used": 3, "scheduled": 3, "remaining": 2, "counted": True}
    assert data["projected_exhaustion_date"] == ahead[1].local_date.isoformat()
    assert data["runs_out_before_review"] is True
    event = AccessEvent.objects.get(channel="api", object_type="authorizations.Authorization")
    assert (event.action, event.client_id) == ("view", authorization.episode.client_id)


def test_the_list_filters_and_costs_the_same_queries_for_2_and_8(api, harbor_va, covered_episode, mwf, this_week):
    client = api(harbor_va)
    week = this_week + dt.timedelta(weeks=1)

    def add(count):
        for _ in range(count):
            episode, coverage = covered_episode()
            book(episode, sessions_of(mwf, week))
            make_authorization(episode, coverage, start=this_week, end=week + dt.timedelta(days=6), units=2)

    def listed():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(f"{BASE}/authorizations/")
        assert response.status_code == 200
        return len(ctx.captured_queries), response.json()["results"]

    client.get(f"{BASE}/authorizations/")  # the token's first use records it (once)
    add(2)
    few, _ = listed()
    add(6)
    many, results = listed()
    assert few == many and len(results) == 8
    assert all((r["scheduled"], r["remaining"], r["runs_out_before_review"]) == (3, 2, True) for r in results)
    one = results[0]
    filtered = client.get(f"{BASE}/authorizations/", {"episode": one["episode"]}).json()["results"]
    assert [r["id"] for r in filtered] == [one["id"]]


def test_chase_tasks_are_listed_and_closed_by_who_works_the_chase(api, harbor_va, harbor_clinician, burning):
    authorization, _ = burning
    task = ChaseTask.objects.create(
        kind=ChaseKind.ENDS_IN_7,
        authorization=authorization,
        due_date=authorization.end_date,
        created_at=timezone.now(),
    )
    clinician, va = api(harbor_clinician), api(harbor_va)

    listed = clinician.get(f"{BASE}/chase-tasks/", {"open": "true"}).json()["results"]
    assert [(t["id"], t["kind"], t["client"], t["is_open"]) for t in listed] == [
        (str(task.pk), "ends_7", str(authorization.episode.client_id), True)
    ]
    assert clinician.post(f"{BASE}/chase-tasks/{task.pk}/done/", {}, format="json").status_code == 403

    done = va.post(f"{BASE}/chase-tasks/{task.pk}/done/", {"note": "Review booked"}, format="json")
    assert done.status_code == 200
    assert (done.json()["is_open"], done.json()["note"]) == (False, "Review booked")
    again = va.post(f"{BASE}/chase-tasks/{task.pk}/done/", {}, format="json")
    assert (again.status_code, again.json()["code"]) == (400, "already_done")
    assert va.get(f"{BASE}/chase-tasks/", {"open": "true"}).json()["results"] == []


def test_unauthorized_days_are_listed_and_audited(api, harbor_va, covered_episode):
    episode, _ = covered_episode()
    day = UnauthorizedDay.objects.create(
        episode=episode,
        local_date=dt.date(2030, 1, 7),
        kind=CoverageGapKind.NO_AUTHORIZATION,
        flagged_at=timezone.now(),
    )

    results = api(harbor_va).get(f"{BASE}/unauthorized-days/", {"open": "true"}).json()["results"]

    assert [(r["id"], r["kind"], r["local_date"], r["is_open"]) for r in results] == [
        (str(day.pk), "none", "2030-01-07", True)
    ]
    event = AccessEvent.objects.get(channel="api", object_type="authorizations.UnauthorizedDay")
    assert event.object_ids == [str(episode.client_id)]


def test_the_units_endpoints_are_in_the_schema():
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    prefix = "/api/v1/o/{org_slug}/"
    expected = {
        "authorizations/": {"get"},
        "authorizations/{id}/": {"get"},
        "chase-tasks/": {"get"},
        "chase-tasks/{id}/done/": {"post"},
        "unauthorized-days/": {"get"},
    }
    for path, methods in expected.items():
        assert set(paths[prefix + path]) == methods, path
