"""The census and attendance-for-billing exports: the right rows and columns, formulas
neutralised, audited as exports, another organization's rows never in the file, a constant number
of queries, and 403 for a clinician (no `billing.reconcile`)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from authorizations.census_files.documents import BILLING_EXPORT_HEADER, CENSUS_EXPORT_HEADER
from iop.audit.models import AccessEvent
from iop.clients.models import EpisodeStatus
from iop.tenancy.context import tenant_context
from tests.factories import ClientFactory, EpisodeFactory

from ...attendance.conftest import book, record, sessions_of
from ..conftest import make_coverage
from ..units.conftest import make_authorization

pytestmark = pytest.mark.django_db

EXPORTS = "/o/harbor/authorizations/census/exports/"
API = "/api/v1/o/harbor/exports/"


def read(response) -> list[dict]:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(response.streaming_content).decode() if response.streaming else response.content.decode()
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


@pytest.fixture
def insured(make_active_episode, payer, past_week):
    """An active client covered by the payer (M123456) with an S9480 per-diem authorization of
    two weeks from `past_week`."""
    episode = make_active_episode()
    episode.referral_date = past_week - dt.timedelta(days=3)
    episode.admission_date = past_week
    episode.save(update_fields=["referral_date", "admission_date"])
    coverage = make_coverage(episode.client, payer, member_id="M123456", group_number="G-9")
    authorization = make_authorization(
        episode, coverage, start=past_week, end=past_week + dt.timedelta(days=13), units=10, number="AUTH-77"
    )
    return episode, coverage, authorization


# --- The census -----------------------------------------------------------------------------------


def test_the_census_lists_active_clients_with_coverage_and_authorization(
    as_va, harbor, in_harbor, insured, harbor_program, make_active_episode, today, past_week
):
    episode, coverage, authorization = insured
    authorization.end_date = today + dt.timedelta(days=5)
    authorization.save(update_fields=["end_date"])
    uninsured = make_active_episode()
    uninsured.client.first_name = '=HYPERLINK("http://x")'
    uninsured.client.save()
    EpisodeFactory(
        organization=harbor,
        client=ClientFactory(organization=harbor),
        program=harbor_program,
        status=EpisodeStatus.REFERRED,
    )

    rows = read(as_va.get(EXPORTS + "census.csv"))

    assert list(rows[0]) == list(CENSUS_EXPORT_HEADER)
    by_name = {r["last_name"]: r for r in rows}
    assert set(by_name) == {episode.client.last_name, uninsured.client.last_name}
    mine = by_name[episode.client.last_name]
    assert (mine["program"], mine["admission_date"], mine["date_of_birth"]) == (
        harbor_program.name,
        past_week.isoformat(),
        episode.client.date_of_birth.isoformat(),
    )
    assert (mine["payer"], mine["member_id"], mine["group_number"]) == ("Blue Harbor PPO", "M123456", "G-9")
    assert (mine["authorization_number"], mine["authorization_code"], mine["units_authorized"]) == (
        "AUTH-77",
        "S9480",
        "10",
    )
    other = by_name[uninsured.client.last_name]
    assert (
        other["first_name"] == '\'=HYPERLINK("http://x")'
        and other["payer"] == ""
        and other["authorization_number"] == ""
    )
    event = AccessEvent.objects.get(action="export", object_type="clients.Episode")
    assert set(event.object_ids) == {str(episode.client_id), str(uninsured.client_id)}


def test_the_census_can_be_imported_back_as_existing_rows(as_va, harbor, in_harbor, insured):
    from authorizations.census_files.services import RowStatus, census_import

    text = read(as_va.get(EXPORTS + "census.csv"))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(CENSUS_EXPORT_HEADER))
    writer.writeheader()
    writer.writerows(text)
    result = census_import(organization=harbor, content=out.getvalue().encode(), actor=None)
    assert [r.status for r in result.rows] == [RowStatus.EXISTING]


# --- Attendance for billing ------------------------------------------------------------------------


@pytest.fixture
def attended(insured, mwf, past_week):
    """Monday, Wednesday and Friday of `past_week` attended in full (3 hours each)."""
    episode = insured[0]
    sessions = sessions_of(mwf, past_week)
    for session, entry in zip(sessions, book(episode, sessions), strict=True):
        record(session, entry, "present")
    return sessions


def test_attendance_for_billing_has_a_row_per_session_attended_with_code_units_and_authorization(
    as_va, harbor, in_harbor, insured, attended, facilitators, past_week
):
    episode = insured[0]
    period = {"start": past_week.isoformat(), "end": (past_week + dt.timedelta(days=6)).isoformat()}

    rows = read(as_va.get(EXPORTS + "attendance.csv", period))

    assert list(rows[0]) == list(BILLING_EXPORT_HEADER)
    assert [r["service_date"] for r in rows] == [s.local_date.isoformat() for s in attended]
    lead = facilitators[0].membership.user
    for r in rows:
        assert (r["last_name"], r["first_name"]) == (episode.client.last_name, episode.client.first_name)
        assert (r["group"], r["start_time"], r["end_time"]) == ("Process MWF", "09:00", "12:00")
        assert (r["attended_minutes"], r["code_system"], r["code"], r["units"], r["unit_type"]) == (
            "180",
            "hcpcs",
            "S9480",
            "1",
            "per_diem",
        )
        assert r["rendering_provider"] == (lead.get_full_name() or lead.email)
        assert (r["payer"], r["member_id"], r["authorization_number"]) == ("Blue Harbor PPO", "M123456", "AUTH-77")
    event = AccessEvent.objects.get(action="export", object_type="attendance.AttendanceRecord")
    assert event.object_ids == [str(episode.client_id)]


def test_a_session_code_counts_one_unit_a_session_and_a_date_outside_any_authorization_has_no_code(
    as_va, harbor, in_harbor, insured, mwf, past_week, make_active_episode
):
    episode, coverage, _ = insured
    # A second client authorized 90853 (group psychotherapy, per session) for the group's track.
    other = make_active_episode()
    make_authorization(
        other,
        make_coverage(other.client, coverage.payer, member_id="M999"),
        start=past_week,
        end=past_week + dt.timedelta(days=13),
        code="90853",
        unit_type="per_session",
        number="AUTH-88",
    )
    first = sessions_of(mwf, past_week)[0]
    record(first, book(other, [first])[0], "present")
    # The first client's Monday after the authorization ended (it covers two weeks from past_week).
    after = sessions_of(mwf, past_week + dt.timedelta(days=14))[0]
    record(after, book(episode, [after])[0], "present")
    end = past_week + dt.timedelta(days=20)

    rows = read(as_va.get(EXPORTS + "attendance.csv", {"start": past_week.isoformat(), "end": end.isoformat()}))

    assert [(r["member_id"], r["code"], r["units"], r["authorization_number"]) for r in rows] == [
        ("M999", "90853", "1", "AUTH-88"),
        ("M123456", "", "", ""),  # still covered (the member id), but no authorization that day
    ]


def test_a_timed_code_counts_the_sessions_quarter_hours(
    as_va, harbor, in_harbor, payer, mwf, past_week, make_active_episode
):
    """A code of the organization's own that is on no track (a program code) per 15 minutes: a
    three-hour session is 12 units."""
    episode = make_active_episode()
    coverage = make_coverage(episode.client, payer, member_id="M15")
    make_authorization(
        episode, coverage, start=past_week, end=past_week, code="T1015", unit_type="per_15_min", number="AUTH-15"
    )
    first = sessions_of(mwf, past_week)[0]
    record(first, book(episode, [first])[0], "present")

    rows = read(as_va.get(EXPORTS + "attendance.csv", {"start": past_week.isoformat(), "end": past_week.isoformat()}))

    assert [(r["code"], r["units"], r["unit_type"]) for r in rows] == [("T1015", "12", "per_15_min")]


def test_exports_hold_no_row_of_another_organization(client, summit_va, insured, attended, past_week):
    from tests.conftest import login

    login(client, summit_va)
    census = read(client.get("/o/summit/authorizations/census/exports/census.csv"))
    period = {"start": past_week.isoformat(), "end": (past_week + dt.timedelta(days=6)).isoformat()}
    attendance = read(client.get("/o/summit/authorizations/census/exports/attendance.csv", period))
    assert census == [] and attendance == []


def test_a_bad_period_is_a_422_page_and_no_file(as_va, harbor, in_harbor):
    response = as_va.get(EXPORTS + "attendance.csv", {"start": "2026-03-01", "end": "2026-01-01"})
    assert response.status_code == 422 and "The end is before the start." in response.content.decode()
    response = as_va.get(EXPORTS + "attendance.csv", {"start": "2025-01-01", "end": "2026-01-01"})
    assert response.status_code == 422 and "at most 186 days" in response.content.decode()
    assert not AccessEvent.objects.filter(action="export").exists()


def test_the_exports_page_and_its_links(as_va, harbor):
    body = as_va.get(EXPORTS).content.decode()
    assert 'data-testid="census-download"' in body and 'name="start"' in body
    assert EXPORTS in as_va.get("/o/harbor/clients/").content.decode()
    assert EXPORTS in as_va.get("/o/harbor/today/census/").content.decode()


def test_a_clinician_gets_403(as_clinician, api, harbor_clinician, harbor, in_harbor):
    assert as_clinician.get(EXPORTS).status_code == 403
    assert as_clinician.get(EXPORTS + "census.csv").status_code == 403
    assert as_clinician.get(EXPORTS + "attendance.csv", {"start": "2026-01-01", "end": "2026-01-31"}).status_code == 403
    assert api(harbor_clinician).get(API + "census.csv").status_code == 403
    assert not AccessEvent.objects.filter(action="export").exists()


def test_the_api_exports_the_same_files(api, harbor_va, in_harbor, insured, attended, past_week):
    va = api(harbor_va)
    census = read(va.get(API + "census.csv"))
    assert [r["member_id"] for r in census] == ["M123456"]
    period = {"start": past_week.isoformat(), "end": (past_week + dt.timedelta(days=6)).isoformat()}
    assert len(read(va.get(API + "attendance.csv", period))) == 3
    refused = va.get(API + "attendance.csv", {"start": period["end"], "end": period["start"]})
    assert refused.status_code == 400 and "end" in refused.json()["extra"]["fields"]
    assert AccessEvent.objects.filter(action="export", channel="api").count() == 2


def _queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params or {}).status_code == 200
    return len(captured)


def test_the_exports_cost_the_same_queries_for_one_client_or_many(
    as_va, harbor, in_harbor, insured, attended, mwf, past_week, make_active_episode, payer
):
    period = {"start": past_week.isoformat(), "end": (past_week + dt.timedelta(days=6)).isoformat()}
    census_one = _queries(as_va, EXPORTS + "census.csv")
    attendance_one = _queries(as_va, EXPORTS + "attendance.csv", period)

    sessions = sessions_of(mwf, past_week)
    for n in range(4):
        episode = make_active_episode()
        coverage = make_coverage(episode.client, payer, member_id=f"M-{n}")
        make_authorization(episode, coverage, start=past_week, end=past_week + dt.timedelta(days=13), number=f"A-X{n}")
        for session, entry in zip(sessions, book(episode, sessions), strict=True):
            record(session, entry, "present")

    assert _queries(as_va, EXPORTS + "census.csv") == census_one
    assert _queries(as_va, EXPORTS + "attendance.csv", period) == attendance_one
    with tenant_context(harbor.id):
        assert len(read(as_va.get(EXPORTS + "attendance.csv", period))) == 15
