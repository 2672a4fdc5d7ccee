"""The roll-call page: every seated client saved in one request with a constant number of
queries, refusals shown on the row and nothing saved, walk-ins, late entries, history, and who may
take it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from attendance.models import AttendanceRecord, AttendanceRecordEvent
from scheduling.models import RosterEntry, RosterSource
from tests.pages import access_events, get_goes_to_page, post_refused

from ..conftest import book, sessions_of

pytestmark = pytest.mark.django_db

# The roll call's POST, measured at 33 for 3 and for 15 clients: sign-in and tenant (6), session,
# roster and facilitators (3), the service — episode and session locks, entries, settings, insert
# (6) — the authorizations check of the attended days (2), pace (active episodes, payer rules,
# weeks, flags: 5, and 4 more when flags are raised), absence patterns (3) and the session save.
# It must not grow with the number of clients.
ROLL_CALL_QUERY_BUDGET = 33


def roll_call_url(session) -> str:
    return reverse("attendance:roll_call", kwargs={"org_slug": session.organization.slug, "session_id": session.pk})


def _payload(session, entries, status="present", **extra) -> dict:
    local = session.organization.tzinfo
    data = {"action": "save", "entry": [str(e.pk) for e in entries]}
    for entry in entries:
        data.update(
            {
                f"{entry.pk}-status": status,
                f"{entry.pk}-arrived": f"{session.starts_at.astimezone(local):%H:%M}",
                f"{entry.pk}-departed": f"{session.ends_at.astimezone(local):%H:%M}",
                f"{entry.pk}-absence_reason": "",
                f"{entry.pk}-note": "",
            }
        )
    data.update(extra)
    return data


@pytest.fixture
def past_session(make_past_group, past_week):
    group = make_past_group("Roll call process", [(0, "09:00", 180), (1, "09:00", 180)], capacity=20)
    return sessions_of(group, past_week + dt.timedelta(weeks=2))[0]


def _seat(session, make_active_episode, count: int) -> list[RosterEntry]:
    return [entry for _ in range(count) for entry in book(make_active_episode(), [session])]


def test_roll_call_for_15_saves_in_one_request_with_constant_queries(as_va, past_session, make_active_episode):
    small_session = sessions_of(past_session.group, past_session.local_date)[1]  # the Tuesday, same week
    few = _seat(small_session, make_active_episode, 3)
    many = _seat(past_session, make_active_episode, 15)

    with CaptureQueriesContext(connection) as small:
        assert as_va.post(roll_call_url(small_session), _payload(small_session, few)).status_code == 302
    with CaptureQueriesContext(connection) as large:
        response = as_va.post(roll_call_url(past_session), _payload(past_session, many))

    assert response.status_code == 302
    assert AttendanceRecord.objects.filter(session=past_session, status="present", attended_minutes=180).count() == 15
    assert len(large.captured_queries) == len(small.captured_queries) <= ROLL_CALL_QUERY_BUDGET
    page = as_va.get(roll_call_url(past_session)).content.decode()
    assert "Attendance saved: 15 clients recorded." in page
    assert "15 of 15</strong> recorded" in page


def test_a_refused_row_is_shown_on_the_row_and_nothing_is_saved(as_va, past_session, make_active_episode):
    good, bad = _seat(past_session, make_active_episode, 2)
    data = _payload(past_session, [good, bad])
    data.update({f"{bad.pk}-status": "late", f"{bad.pk}-arrived": "11:00", f"{bad.pk}-departed": "10:00"})

    response = as_va.post(roll_call_url(past_session), data)

    assert response.status_code == 422
    body = response.content.decode()
    assert "Departure is before arrival." in body and 'class="row--error"' in body
    # The summary at the top names the row's client (the field alone does not say whose).
    name = bad.episode.client.display_name
    assert escape(f"{name} — Left: Departure is before arrival.") in body
    assert not AttendanceRecord.objects.exists()


def test_posting_another_tenants_roster_entry_is_404_and_saves_nothing(
    as_va, past_session, make_active_episode, summit_objects
):
    (ours,) = _seat(past_session, make_active_episode, 1)
    data = _payload(past_session, [ours])
    theirs = summit_objects["entry_id"]
    data["entry"].append(str(theirs))
    data.update({f"{theirs}-status": "present"})

    assert as_va.post(roll_call_url(past_session), data).status_code == 404
    assert not AttendanceRecord.objects.exists()


def test_everyone_not_marked_is_saved_present_and_absences_keep_their_reason(as_va, past_session, make_active_episode):
    absent, *others = _seat(past_session, make_active_episode, 3)
    data = _payload(past_session, [absent, *others], status="", action="everyone_present")
    data.update({f"{absent.pk}-status": "absent_excused", f"{absent.pk}-absence_reason": "transportation"})

    assert as_va.post(roll_call_url(past_session), data).status_code == 302

    statuses = dict(AttendanceRecord.objects.values_list("roster_entry_id", "status"))
    assert statuses == {absent.pk: "absent_excused", others[0].pk: "present", others[1].pk: "present"}
    assert AttendanceRecord.objects.get(roster_entry=absent).absence_reason == "transportation"


def test_saving_nothing_asks_for_a_status(as_va, past_session, make_active_episode):
    entries = _seat(past_session, make_active_episode, 2)
    response = as_va.post(roll_call_url(past_session), _payload(past_session, entries, status=""))
    assert response.status_code == 422
    assert "Choose an attendance status for at least one client." in response.content.decode()


def test_a_correction_more_than_24_hours_later_is_a_late_entry_and_kept_in_history(
    as_va, past_session, make_active_episode
):
    (entry,) = _seat(past_session, make_active_episode, 1)
    as_va.post(
        roll_call_url(past_session), _payload(past_session, [entry], status="late", **{f"{entry.pk}-arrived": "09:20"})
    )

    record = AttendanceRecord.objects.get()
    assert record.is_late_entry  # the session ended weeks ago
    assert record.attended_minutes == 160
    as_va.post(roll_call_url(past_session), _payload(past_session, [entry], status="present"))
    assert list(AttendanceRecordEvent.objects.order_by("pgh_created_at").values_list("pgh_label", "status")) == [
        ("insert", "late"),
        ("update", "present"),
    ]
    page = as_va.get(roll_call_url(past_session)).content.decode()
    assert "Change history (2)" in page and "Late entry" in page


def test_a_walk_in_joins_the_roll_call_with_the_reason(as_va, past_session, make_active_episode):
    episode = make_active_episode()
    url = reverse("attendance:walk_in", kwargs={"org_slug": "harbor", "session_id": past_session.pk})

    # Refused: back on the roll call's own URL, the client still chosen, nothing added.
    data = {"walk_in-episode": episode.pk, "walk_in-reason": ""}
    refused = post_refused(as_va, url, data, page=roll_call_url(past_session)).content.decode()
    assert 'id="id_walk_in-reason_error"' in refused and f'<option value="{episode.pk}" selected>' in refused
    assert not RosterEntry.objects.filter(episode=episode).exists()
    get_goes_to_page(as_va, url, page=roll_call_url(past_session))

    assert as_va.post(url, {"walk_in-episode": episode.pk, "walk_in-reason": "Make-up for Monday"}).status_code == 302
    entry = RosterEntry.objects.get(episode=episode)
    assert (entry.source, entry.reason) == (RosterSource.WALK_IN, "Make-up for Monday")
    assert "Walk-in" in as_va.get(roll_call_url(past_session)).content.decode()


def test_a_clinician_takes_roll_call_only_for_sessions_they_facilitate(
    client, past_session, make_active_episode, facilitators
):
    from tests.conftest import login

    (entry,) = _seat(past_session, make_active_episode, 1)
    lead = facilitators[0].membership.user  # the group's lead: booked into the session
    other = facilitators[2].membership.user

    login(client, other)
    assert client.post(roll_call_url(past_session), _payload(past_session, [entry])).status_code == 403
    assert "Save roll call" not in client.get(roll_call_url(past_session)).content.decode()
    login(client, lead)
    assert client.post(roll_call_url(past_session), _payload(past_session, [entry])).status_code == 302
    assert AttendanceRecord.objects.filter(recorded_by=lead).count() == 1


def test_the_page_shows_each_clients_week_and_records_the_read(as_va, harbor, past_session, make_active_episode):
    (entry,) = _seat(past_session, make_active_episode, 1)
    as_va.post(roll_call_url(past_session), _payload(past_session, [entry]))
    body = as_va.get(roll_call_url(past_session)).content.decode()
    assert "<strong>3.0</strong> of 9.0 h" in body
    (event,) = access_events(harbor, object_type="scheduling.Session", action="list")[-1:]
    assert str(entry.episode.client_id) in event.object_ids and event.object_id == str(past_session.pk)


def test_another_tenants_session_is_404(as_va, summit_objects):
    url = reverse("attendance:roll_call", kwargs={"org_slug": "harbor", "session_id": summit_objects["session_id"]})
    assert as_va.get(url).status_code == 404


def test_a_waitlisted_client_who_comes_anyway_is_seated_as_a_walk_in(as_va, past_session, make_active_episode):
    episode = make_active_episode()
    waiting = RosterEntry.objects.create(
        organization=past_session.organization,
        session=past_session,
        episode=episode,
        status="waitlisted",
        source=RosterSource.MANUAL,
        during=(past_session.starts_at, past_session.ends_at),
    )
    url = reverse("attendance:walk_in", kwargs={"org_slug": "harbor", "session_id": past_session.pk})
    assert as_va.post(url, {"walk_in-episode": episode.pk, "walk_in-reason": "Came anyway"}).status_code == 302
    waiting.refresh_from_db()
    seated = RosterEntry.objects.get(episode=episode, status="booked")
    assert waiting.status == "removed" and seated.source == RosterSource.WALK_IN
    assert f'name="entry" value="{seated.pk}"' in as_va.get(roll_call_url(past_session)).content.decode()
