"""The roll call questions a status its own times contradict (late but on time, left early but
stayed, present but minutes missing) and saves nothing; times are typed and shown on the 24-hour
clock; each client's row is one line with the status as a segmented control of native radios."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from attendance.errors import AttendanceErrorCode as Code
from attendance.models import AttendanceRecord, AttendanceStatus
from iop.common.exceptions import ApplicationError
from scheduling.models import RosterEntry

from ..conftest import book, line, record, sessions_of

pytestmark = pytest.mark.django_db


def _url(session) -> str:
    return reverse("attendance:roll_call", kwargs={"org_slug": session.organization.slug, "session_id": session.pk})


def _row(entry, status: str, arrived: str = "09:00", departed: str = "12:00", reason: str = "") -> dict:
    return {
        f"{entry.pk}-status": status,
        f"{entry.pk}-arrived": arrived,
        f"{entry.pk}-departed": departed,
        f"{entry.pk}-absence_reason": reason,
        f"{entry.pk}-note": "",
    }


def _post(as_va, session, rows: dict[RosterEntry, tuple]):
    data: dict = {"action": "save", "entry": [str(entry.pk) for entry in rows]}
    for entry, args in rows.items():
        data.update(_row(entry, *args))
    return as_va.post(_url(session), data)


@pytest.fixture
def morning(make_past_group, past_week):
    """A Monday session 09:00–12:00 (harbor's time) that has ended."""
    group = make_past_group("Morning Process", [(0, "09:00", 180), (1, "13:00", 90)], capacity=20)
    return sessions_of(group, past_week + dt.timedelta(weeks=1))


@pytest.fixture
def seat(make_active_episode):
    def _seat(session, count: int = 1) -> list[RosterEntry]:
        return [book(make_active_episode(), [session])[0] for _ in range(count)]

    return _seat


CONTRADICTIONS = [
    # status, arrived, departed, the field refused, what it says
    ("late", "09:00", "12:00", "Arrived", "Marked late, but the arrival (09:00) is not after the start (09:00)"),
    ("late", "08:50", "12:00", "Arrived", "Marked late, but the arrival (08:50) is not after the start (09:00)"),
    ("left_early", "09:00", "12:00", "Left", "Marked as left early, but the departure (12:00) is not before the end"),
    ("left_early", "09:00", "12:15", "Left", "Marked as left early, but the departure (12:15) is not before the end"),
    (
        "present",
        "09:20",
        "12:00",
        "Arrived",
        "Marked present, but the arrival (09:20) is after the start (09:00), "
        "which leaves 20 minutes out: mark them late",
    ),
    (
        "present",
        "09:00",
        "11:30",
        "Left",
        "Marked present, but the departure (11:30) is before the end (12:00), "
        "which leaves 30 minutes out: mark them as left early",
    ),
]


@pytest.mark.parametrize(("status", "arrived", "departed", "field", "said"), CONTRADICTIONS)
def test_a_status_its_times_contradict_is_questioned_on_its_row_and_nothing_is_saved(
    as_va, morning, seat, status, arrived, departed, field, said
):
    session = morning[0]
    fine, questioned = seat(session, 2)

    response = _post(as_va, session, {fine: ("present",), questioned: (status, arrived, departed)})

    assert response.status_code == 422
    body = response.content.decode()
    # On the row's own error line, naming the field, and in the summary naming the client.
    assert f'id="row-{questioned.pk}-errors"' in body and f'id="row-{fine.pk}-errors"' not in body
    assert escape(f"{field}: {said}") in body
    assert escape(f"{questioned.episode.client.display_name} — {field}: {said}") in body
    # What was typed comes back as typed, so it can be corrected.
    assert f'value="{arrived}"' in body and f'value="{departed}"' in body
    # The roll call is saved whole or not at all: the good row is not saved either.
    assert not AttendanceRecord.objects.exists()


@pytest.mark.parametrize(
    ("status", "arrived", "departed", "minutes"),
    [
        ("late", "09:01", "12:00", 179),
        ("late", "09:20", "11:00", 100),  # late and gone early: "late" still says what happened
        ("left_early", "09:00", "11:59", 179),
        ("present", "09:00", "12:00", 180),
        ("present", "08:55", "12:10", 180),  # early and staying on cut nothing: counted from the session
        ("absent_excused", "09:00", "12:00", 0),  # an absence keeps no times: nothing to contradict
    ],
)
def test_a_status_its_times_agree_with_is_saved(as_va, morning, seat, status, arrived, departed, minutes):
    session = morning[0]
    (entry,) = seat(session)
    reason = "illness" if status == "absent_excused" else ""

    response = _post(as_va, session, {entry: (status, arrived, departed, reason)})

    assert response.status_code == 302
    saved = AttendanceRecord.objects.get(roster_entry=entry)
    assert (saved.status, saved.attended_minutes) == (status, minutes)


def test_late_without_an_arrival_time_is_questioned_by_the_service(morning, seat, harbor_va):
    # Over the API (or any caller) a missing time means the session's: late at the start is refused.
    session = morning[0]
    (entry,) = seat(session)

    with pytest.raises(ApplicationError) as refused:
        record(session, entry, "late", actor=harbor_va)

    assert refused.value.code == Code.LINES_REFUSED
    assert list(refused.value.extra) == [f"{entry.pk}.arrived_at"]
    assert not AttendanceRecord.objects.exists()


@pytest.mark.parametrize(
    ("status", "times", "field"),
    [("late", (0, 180), "arrived_at"), ("left_early", (0, 180), "departed_at"), ("present", (0, 150), "departed_at")],
)
def test_the_api_refuses_the_contradiction_on_the_lines_field(va_api, roll_call, status, times, field):
    entry, session = roll_call.entries[0], roll_call.session
    arrived, departed = ((session.starts_at + dt.timedelta(minutes=m)).isoformat() for m in times)

    response = va_api.put(
        roll_call.url, {"records": [line(entry, status, arrived_at=arrived, departed_at=departed)]}, format="json"
    )

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == str(Code.LINES_REFUSED)
    assert list(body["extra"]["fields"]) == [f"{entry.pk}.{field}"]
    assert not AttendanceRecord.objects.exists()


def test_a_correction_that_now_contradicts_the_status_is_refused_and_the_record_kept(as_va, morning, seat):
    session = morning[0]
    (entry,) = seat(session)
    assert _post(as_va, session, {entry: ("late", "09:25")}).status_code == 302

    # The arrival corrected to the start, the status left at "late": questioned, the record unchanged.
    assert _post(as_va, session, {entry: ("late", "09:00")}).status_code == 422

    saved = AttendanceRecord.objects.get(roster_entry=entry)
    assert (saved.status, saved.attended_minutes) == (AttendanceStatus.LATE, 155)


# --- 24-hour times -------------------------------------------------------------------------------


def test_times_are_typed_and_shown_on_the_24_hour_clock(as_va, morning, seat):
    afternoon = morning[1]  # 13:00–14:30
    (entry,) = seat(afternoon)

    body = as_va.get(_url(afternoon)).content.decode()

    arrived = re.search(rf'<input[^>]*name="{entry.pk}-arrived"[^>]*>', body).group(0)
    departed = re.search(rf'<input[^>]*name="{entry.pk}-departed"[^>]*>', body).group(0)
    # A text box, not the browser's time picker (whose clock follows the browser's locale).
    assert 'type="text"' in arrived and 'inputmode="numeric"' in arrived and 'placeholder="HH:MM"' in arrived
    assert 'value="13:00"' in arrived and 'value="14:30"' in departed
    assert "13:00–14:30" in body
    assert not re.search(r"\b(1|01):00\s?(PM|p\.m\.)", body, re.IGNORECASE)


def test_a_24_hour_time_without_a_colon_is_understood(as_va, morning, seat):
    afternoon = morning[1]
    (entry,) = seat(afternoon)

    assert _post(as_va, afternoon, {entry: ("late", "1320", "1430")}).status_code == 302

    saved = AttendanceRecord.objects.get(roster_entry=entry)
    local = saved.arrived_at.astimezone(afternoon.organization.tzinfo)
    assert (f"{local:%H:%M}", saved.attended_minutes) == ("13:20", 70)


@pytest.mark.parametrize("typed", ["1:20 PM", "25:00", "13:75", "noon"])
def test_a_time_not_on_the_24_hour_clock_is_refused_on_its_row(as_va, morning, seat, typed):
    afternoon = morning[1]
    (entry,) = seat(afternoon)

    response = _post(as_va, afternoon, {entry: ("late", typed, "14:30")})

    assert response.status_code == 422
    assert "Arrived: Enter the time as HH:MM on the 24-hour clock, for example 13:05." in response.content.decode()
    assert not AttendanceRecord.objects.exists()


# --- One line per client -------------------------------------------------------------------------


def test_each_row_has_its_status_as_one_group_of_native_radios(as_va, morning, seat):
    session = morning[0]
    (entry,) = seat(session)
    name = entry.episode.client.sort_name

    body = as_va.get(_url(session)).content.decode()

    group = re.search(r'<fieldset class="segmented"[^>]*>(.*?)</fieldset>', body, re.S).group(1)
    assert f'<legend class="visually-hidden">Attendance of {escape(name)}</legend>' in group
    radios = re.findall(r'<label class="segmented__option"><input type="radio" name="([^"]+)" value="([^"]+)"', group)
    assert radios == [(f"{entry.pk}-status", value) for value in AttendanceStatus.values]
    # Without JavaScript: the page is a plain form.
    assert '<form method="post" novalidate class="roll-call"' in body


def test_the_roll_call_page_costs_the_same_queries_at_3_and_15_clients(as_va, morning, seat):
    few_session, many_session = morning
    seat(few_session, 3)
    seat(many_session, 15)
    for session in morning:  # caches warmed (the session's first view reads more)
        as_va.get(_url(session))

    with CaptureQueriesContext(connection) as few:
        assert as_va.get(_url(few_session)).status_code == 200
    with CaptureQueriesContext(connection) as many:
        assert as_va.get(_url(many_session)).status_code == 200

    assert len(few.captured_queries) == len(many.captured_queries)


def test_a_questioned_roll_call_costs_the_same_queries_at_3_and_15_clients(as_va, morning, seat):
    few_session, many_session = morning
    few, many = seat(few_session, 3), seat(many_session, 15)
    starts = {few_session: "13:00", many_session: "09:00"}

    def questioned(session, entries):
        # Everyone "late" at the session's start: every row refused.
        rows = {entry: ("late", starts[session], "23:00") for entry in entries}
        with CaptureQueriesContext(connection) as queries:
            assert _post(as_va, session, rows).status_code == 422
        return len(queries.captured_queries)

    assert questioned(few_session, few) == questioned(many_session, many)
    assert not AttendanceRecord.objects.exists()
