"""The session page: details, roster with waitlist (audited), placing and removing clients (htmx
and without JavaScript), capacity and overlap refusals, one-off changes, one-click coverage."""

from __future__ import annotations

import datetime as dt
from html import escape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from iop.common.dates import date_short
from scheduling.models import RosterEntry, Session, SessionFacilitator
from scheduling.services import rosters as roster_services
from tests.conftest import login
from tests.pages import access_events, post_refused

from ..conftest import book, schedule_url, sessions_of

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
# 14 for every signed-in page, then the session, its roster, its facilitators, the coverage
# suggestions, the clients to add, the access event: measured 20 at any roster size.
SESSION_QUERY_BUDGET = 17


def page_of(as_user, session) -> str:
    response = as_user.get(schedule_url("session_detail", session.organization, session_id=session.pk))
    assert response.status_code == 200
    return response.content.decode()


def session_url(session) -> str:
    return schedule_url("session_detail", session.organization, session_id=session.pk)


def add_url(session) -> str:
    return schedule_url("roster_add", session.organization, session_id=session.pk)


def booked_count(session) -> int:
    return RosterEntry.objects.filter(session=session, status="booked").count()


def test_session_page_shows_details_and_the_roster_and_records_the_access(
    as_va, harbor, harbor_va, session, facilitators, make_active_episode
):
    seated = [make_active_episode(), make_active_episode()]
    book(session, seated)

    body = page_of(as_va, session)

    assert "<h1>Monday Process</h1>" in body
    assert "09:00–10:30" in body
    assert escape(facilitators[0].membership.user.get_full_name()) in body
    assert '<strong class="fill" id="session-fill">2/10</strong> seats booked' in body
    for episode in seated:
        assert escape(episode.client.sort_name) in body
        assert f'href="/o/harbor/clients/{episode.client_id}/"' in body
    [event] = access_events(harbor, action="list", object_type="scheduling.Session")
    assert event.object_id == str(session.pk)
    assert sorted(event.object_ids) == sorted(str(e.client_id) for e in seated)
    assert event.actor_id == harbor_va.pk


def test_placing_a_client_changes_the_fill(as_va, session, make_active_episode):
    book(session, [make_active_episode(), make_active_episode(), make_active_episode()])
    newcomer = make_active_episode()
    assert "3/10" in page_of(as_va, session)

    response = as_va.post(add_url(session), {"roster-episode": newcomer.pk})

    assert response.status_code == 302
    body = as_va.get(response["Location"]).content.decode()
    assert '<strong class="fill" id="session-fill">4/10</strong>' in body
    assert "The client was added to the roster." in body
    assert escape(newcomer.client.sort_name) in body
    entry = RosterEntry.objects.get(session=session, episode=newcomer)
    assert (entry.status, entry.source) == ("booked", "manual")


def test_with_htmx_only_the_roster_comes_back_with_the_new_fill_announced(as_va, harbor, session, make_active_episode):
    newcomer = make_active_episode()

    response = as_va.post(add_url(session), {"roster-episode": newcomer.pk}, **HTMX)

    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert '<strong class="fill" id="session-fill">1/10</strong>' in body
    assert 'hx-swap-oob="innerHTML:#live-region"' in body
    assert "The client was added to the roster. 1 of 10 seats booked." in body
    assert escape(newcomer.client.sort_name) in body
    assert len(access_events(harbor, action="list", object_type="scheduling.Session")) == 1


def test_a_full_session_refuses_with_a_message_and_changes_nothing(as_va, make_group, make_active_episode, week):
    session = sessions_of(make_group("Small Process", [(0, "09:00", 90)], capacity=1), week)[0]
    book(session, [make_active_episode()])
    newcomer = make_active_episode()

    # Without JavaScript: back to the session page, which shows why.
    response = post_refused(as_va, add_url(session), {"roster-episode": newcomer.pk}, page=session_url(session))

    body = response.content.decode()
    assert "There is a problem" in body
    assert f"Small Process on {date_short(week)} at 09:00 is full (1/1)." in body
    assert not RosterEntry.objects.filter(episode=newcomer).exists()


def test_a_full_session_waitlists_the_client_when_chosen(as_va, make_group, make_active_episode, week):
    session = sessions_of(make_group("Small Process", [(0, "09:00", 90)], capacity=1), week)[0]
    book(session, [make_active_episode()])
    newcomer = make_active_episode()

    response = as_va.post(add_url(session), {"roster-episode": newcomer.pk, "roster-waitlist_if_full": "on"}, **HTMX)

    body = response.content.decode()
    assert response.status_code == 200
    assert "The session is full: the client was put on its waitlist." in body
    assert "Waitlist, by name" in body
    assert RosterEntry.objects.get(episode=newcomer).status == "waitlisted"
    assert booked_count(session) == 1


def test_a_client_already_in_an_overlapping_session_is_refused(as_va, session, make_group, make_active_episode, week):
    clash = sessions_of(make_group("Monday Skills", [(0, "10:00", 60)], kind="skills", lead=1), week)[0]
    episode = make_active_episode()
    book(clash, [episode])

    response = as_va.post(add_url(session), {"roster-episode": episode.pk}, **HTMX)

    body = response.content.decode()
    assert response.status_code == 422
    assert "The client is already booked into Monday Skills" in body
    assert 'id="id_roster-episode"' in body
    assert not RosterEntry.objects.filter(session=session).exists()


def test_another_organizations_client_cannot_be_added(as_va, session, summit_objects):
    response = post_refused(
        as_va, add_url(session), {"roster-episode": summit_objects["episode_id"]}, page=session_url(session)
    )

    assert "Choose a client in intake or active care who is not on this roster yet." in response.content.decode()
    assert not RosterEntry.objects.filter(session=session).exists()


def test_removing_a_booked_client_seats_the_first_on_the_waitlist(as_va, make_group, make_active_episode, week):
    session = sessions_of(make_group("Small Process", [(0, "09:00", 90)], capacity=1), week)[0]
    first, waiting = make_active_episode(), make_active_episode()
    book(session, [first])
    roster_services.roster_book(session=session, episode=waiting, waitlist_if_full=True)
    seat = RosterEntry.objects.get(session=session, episode=first)

    response = as_va.post(
        schedule_url("roster_remove", session.organization, session_id=session.pk, entry_id=seat.pk), **HTMX
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert "The client was removed from the roster. 1 of 1 seats booked." in body
    assert RosterEntry.objects.get(pk=seat.pk).status == "removed"
    assert RosterEntry.objects.get(session=session, episode=waiting).status == "booked"
    assert "Waitlist, by name" not in body


def test_a_clinician_sees_the_roster_but_cannot_change_it(client, harbor_clinician, session, make_active_episode):
    login(client, harbor_clinician)
    episode = make_active_episode()

    body = page_of(client, session)
    response = client.post(add_url(session), {"roster-episode": episode.pk})

    assert "Add a client to this session" not in body
    assert "Move this session" not in body
    assert response.status_code == 403
    assert not RosterEntry.objects.filter(session=session).exists()


def test_intake_may_place_clients_but_not_change_the_session(client, harbor_intake, session, make_active_episode):
    login(client, harbor_intake)

    body = page_of(client, session)
    moved = client.post(
        schedule_url("session_cancel", session.organization, session_id=session.pk), {"cancel-reason": "x"}
    )

    assert "Add a client to this session" in body
    assert "Cancel this session" not in body
    assert moved.status_code == 403


def test_cancelling_the_session_frees_its_seats(as_va, session, make_active_episode):
    book(session, [make_active_episode()])

    response = as_va.post(
        schedule_url("session_cancel", session.organization, session_id=session.pk),
        {"cancel-reason": "Snow day"},
    )

    assert response.status_code == 302
    body = as_va.get(response["Location"]).content.decode()
    assert "The session was cancelled." in body
    assert "This session was cancelled" in body
    assert "Snow day" in body
    assert "Add a client to this session" not in body
    assert Session.objects.get(pk=session.pk).status == "cancelled"
    assert booked_count(session) == 0


def test_moving_the_session_changes_its_time_only(as_va, harbor, session, week):
    url = schedule_url("session_move", harbor, session_id=session.pk)
    new_day = week + dt.timedelta(days=1)

    response = as_va.post(
        url,
        {"move-local_date": new_day.isoformat(), "move-start_time": "13:00", "move-duration_minutes": "60"},
    )

    assert response.status_code == 302
    moved = Session.objects.get(pk=session.pk)
    local = moved.starts_at.astimezone(harbor.tzinfo)
    assert (local.date(), local.time(), moved.duration_minutes) == (new_day, dt.time(13), 60)
    assert moved.slot.start_time == dt.time(9)  # the weekly time is untouched
    assert "13:00–14:00" in as_va.get(response["Location"]).content.decode()


def test_moving_into_the_past_is_refused_next_to_the_date(as_va, harbor, session):
    before = Session.objects.get(pk=session.pk).starts_at

    response = post_refused(
        as_va,
        schedule_url("session_move", harbor, session_id=session.pk),
        {"move-local_date": "2020-01-06", "move-start_time": "09:00", "move-duration_minutes": "90"},
        page=session_url(session),
    )

    body = response.content.decode()
    assert 'id="id_move-local_date_error"' in body and 'value="2020-01-06"' in body
    assert "A session can only be moved to a future time." in body
    assert '<details class="disclosure" open>' in body
    assert Session.objects.get(pk=session.pk).starts_at == before


def test_changing_the_topic(as_va, harbor, session):
    response = as_va.post(schedule_url("session_topic", harbor, session_id=session.pk), {"topic-topic": "Sleep"})

    assert response.status_code == 302
    assert Session.objects.get(pk=session.pk).topic == "Sleep"


def test_an_uncovered_session_lists_free_qualified_facilitators_and_is_covered_in_one_click(
    as_va, harbor, make_group, facilitators, week
):
    session = sessions_of(make_group("Open Process", [(0, "09:00", 90)], lead=None), week)[0]
    body = page_of(as_va, session)
    assert "Uncovered" in body
    for profile in facilitators:  # all three are qualified for process groups and free
        assert escape(profile.membership.user.get_full_name()) in body

    response = as_va.post(
        schedule_url("session_facilitator_assign", harbor, session_id=session.pk),
        {"cover-staff_profile": facilitators[2].pk, "cover-role": "lead", "cover-back": "session"},
    )

    assert response.status_code == 302
    booking = SessionFacilitator.objects.get(session=session)
    assert (booking.staff_profile_id, booking.role) == (facilitators[2].pk, "lead")
    body = as_va.get(response["Location"]).content.decode()
    assert "now leads Open Process" in body
    assert '<span class="tag tag--warning">Uncovered</span>' not in body


def test_a_busy_facilitator_is_not_suggested_and_is_refused_if_posted(as_va, harbor, make_group, facilitators, week):
    session = sessions_of(make_group("Open Process", [(0, "09:00", 90)], lead=None), week)[0]
    make_group("Busy Skills", [(0, "09:30", 60)], kind="skills", lead=1)
    busy = facilitators[1]
    assert escape(busy.membership.user.get_full_name()) not in page_of(as_va, session).split("coverage-title")[1]

    response = as_va.post(
        schedule_url("session_facilitator_assign", harbor, session_id=session.pk),
        {"cover-staff_profile": busy.pk, "cover-role": "lead"},
        follow=True,
    )

    assert "is already facilitating another session at that time." in response.content.decode()
    assert not SessionFacilitator.objects.filter(session=session).exists()


def test_the_session_page_costs_the_same_number_of_queries_at_2_and_at_12_clients(
    as_va, make_group, make_active_episode, week
):
    session = sessions_of(make_group("Process", [(0, "09:00", 90)], capacity=10, co=1), week)[0]
    book(session, [make_active_episode() for _ in range(2)])
    url = schedule_url("session_detail", session.organization, session_id=session.pk)
    as_va.get(url)
    with CaptureQueriesContext(connection) as few:
        as_va.get(url)

    for episode in [make_active_episode() for _ in range(10)]:
        roster_services.roster_book(session=session, episode=episode, waitlist_if_full=True)
    with CaptureQueriesContext(connection) as many:
        body = as_va.get(url).content.decode()

    assert '<strong class="fill" id="session-fill">10/10</strong>' in body
    assert "2 on the waitlist" in body
    assert len(few.captured_queries) == len(many.captured_queries)
    assert len(many.captured_queries) <= SESSION_QUERY_BUDGET
