"""Taking a client off a session is one click with an "Undo" (their seat back if it is still free,
their place on the waitlist back; capacity checked as for any booking, never two entries), and the
session page lists its roster and waitlist by client name."""

from __future__ import annotations

import datetime as dt
import re
from html import escape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from iop.clients.services import episode_transition
from iop.common.exceptions import ApplicationError
from scheduling.errors import SchedulingErrorCode as Code
from scheduling.models import RosterEntry, RosterStatus, Session
from scheduling.services import rosters as roster_services
from scheduling.views import UNDO_SESSION_KEY

from ..conftest import book, schedule_url, sessions_of

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
LIVE = [RosterStatus.BOOKED, RosterStatus.WAITLISTED]


def _named(episode, last: str, first: str, preferred: str = ""):
    client = episode.client
    client.last_name, client.first_name, client.preferred_name = last, first, preferred
    client.save(update_fields=["last_name", "first_name", "preferred_name"])
    return episode


def _live(session, episode) -> list[RosterEntry]:
    return list(RosterEntry.objects.filter(session=session, episode=episode, status__in=LIVE))


def _remove_url(entry) -> str:
    return schedule_url("roster_remove", entry.session.organization, session_id=entry.session_id, entry_id=entry.pk)


def _undo_url(entry) -> str:
    return schedule_url("roster_undo", entry.session.organization, session_id=entry.session_id, entry_id=entry.pk)


def _page(as_user, session) -> str:
    return as_user.get(schedule_url("session_detail", session.organization, session_id=session.pk)).content.decode()


@pytest.fixture
def small(make_group, week):
    """A session ahead with two seats."""
    return sessions_of(make_group("Small Process", [(0, "09:00", 90)], capacity=2), week)[0]


def _seat(session, episode) -> RosterEntry:
    return roster_services.roster_book(session=session, episode=episode)


def _wait(session, episode) -> RosterEntry:
    return roster_services.roster_book(session=session, episode=episode, waitlist_if_full=True)


# --- The service ---------------------------------------------------------------------------------


def test_undo_gives_the_seat_back_once_however_often_it_is_pressed(small, make_active_episode, harbor_va):
    episode = make_active_episode()
    seat = _seat(small, episode)
    roster_services.roster_remove(entry=seat, actor=harbor_va, reason="Removed by staff")

    restored = roster_services.roster_removal_undo(entry=seat, actor=harbor_va)
    again = roster_services.roster_removal_undo(entry=seat, actor=harbor_va)

    assert restored.status == RosterStatus.BOOKED and again.pk == restored.pk
    assert _live(small, episode) == [restored]
    assert (restored.source, restored.reason) == (seat.source, roster_services.UNDO_REASON)


def test_undo_is_refused_when_the_freed_seat_went_to_the_waitlist(small, make_active_episode, harbor_va):
    leaving, other, waiting = make_active_episode(), make_active_episode(), make_active_episode()
    seat = _seat(small, leaving)
    _seat(small, other)
    _wait(small, waiting)
    roster_services.roster_remove(entry=seat, actor=harbor_va)  # the waiting client is seated at once

    with pytest.raises(ApplicationError) as refused:
        roster_services.roster_removal_undo(entry=seat, actor=harbor_va)

    assert refused.value.code == Code.SESSION_FULL
    assert refused.value.message.startswith("The seat is no longer free: Small Process")
    assert "is full (2/2)" in refused.value.message
    assert _live(small, leaving) == []
    assert RosterEntry.objects.filter(session=small, status=RosterStatus.BOOKED).count() == 2


def test_undo_puts_a_waitlisted_client_back_in_their_place(small, make_active_episode, harbor_va):
    for _ in range(2):
        _seat(small, make_active_episode())
    first, second, third = (make_active_episode() for _ in range(3))
    waiting = [_wait(small, episode) for episode in (first, second, third)]
    roster_services.roster_remove(entry=waiting[0], actor=harbor_va)

    restored = roster_services.roster_removal_undo(entry=waiting[0], waitlisted=True, actor=harbor_va)

    assert restored.status == RosterStatus.WAITLISTED
    queue = RosterEntry.objects.filter(session=small, status=RosterStatus.WAITLISTED).order_by("added_at")
    assert [e.episode_id for e in queue] == [first.pk, second.pk, third.pk]


def test_undo_of_a_waitlisted_client_seats_them_when_a_seat_is_free(small, make_active_episode, harbor_va):
    seated = _seat(small, make_active_episode())
    _seat(small, make_active_episode())
    waiting = _wait(small, make_active_episode())
    roster_services.roster_remove(entry=waiting, actor=harbor_va)
    roster_services.roster_remove(entry=seated, actor=harbor_va)  # a seat frees, nobody waits for it

    restored = roster_services.roster_removal_undo(entry=waiting, waitlisted=True, actor=harbor_va)

    assert restored.status == RosterStatus.BOOKED


def test_undo_is_refused_for_a_client_discharged_meanwhile(small, make_active_episode, harbor_va, today):
    episode = make_active_episode()
    seat = _seat(small, episode)
    roster_services.roster_remove(entry=seat, actor=harbor_va)
    episode_transition(episode=episode, to_status="discharged", effective_date=today, actor=harbor_va)

    with pytest.raises(ApplicationError) as refused:
        roster_services.roster_removal_undo(entry=seat, actor=harbor_va)

    assert refused.value.code == Code.EPISODE_CLOSED
    assert _live(small, episode) == []


def test_only_a_removed_entry_can_be_undone_and_only_before_the_session_ends(small, make_active_episode, harbor_va):
    seat = _seat(small, make_active_episode())
    with pytest.raises(ApplicationError) as live:
        roster_services.roster_removal_undo(entry=seat, actor=harbor_va)
    assert live.value.code == Code.REMOVAL_NOT_UNDOABLE

    roster_services.roster_remove(entry=seat, actor=harbor_va)
    # By the time Undo is pressed the session is over (its times moved four weeks back for the test).
    Session.objects.filter(pk=small.pk).update(
        starts_at=small.starts_at - dt.timedelta(weeks=4), ends_at=small.ends_at - dt.timedelta(weeks=4)
    )
    with pytest.raises(ApplicationError) as over:
        roster_services.roster_removal_undo(entry=seat, actor=harbor_va)
    assert over.value.code == Code.SESSION_OVER
    assert _live(small, seat.episode) == []


# --- The session page ----------------------------------------------------------------------------


def test_removing_offers_undo_and_undo_gives_the_seat_back_with_htmx(as_va, small, make_active_episode):
    episode = _named(make_active_episode(), "Varga", "Ana")
    seat = _seat(small, episode)

    removed = as_va.post(_remove_url(seat), **HTMX).content.decode()

    assert "The client was removed from the roster. 0 of 2 seats booked." in removed
    assert "Varga, Ana was removed from the roster." in removed
    assert f'hx-post="{_undo_url(seat)}"' in removed
    assert '<input type="hidden" name="to" value="seat">' in removed

    response = as_va.post(_undo_url(seat), {"to": "seat"}, **HTMX)

    body = response.content.decode()
    assert response.status_code == 200
    assert "The client is back on the roster. 1 of 2 seats booked." in body
    assert '<strong class="fill" id="session-fill">1/2</strong>' in body
    assert 'data-testid="roster-undo"' not in body
    assert len(_live(small, episode)) == 1


def test_undo_after_the_seat_went_to_the_waitlist_says_why_and_changes_nothing(as_va, small, make_active_episode):
    leaving, waiting = make_active_episode(), make_active_episode()
    seat = _seat(small, leaving)
    _seat(small, make_active_episode())
    _wait(small, waiting)
    as_va.post(_remove_url(seat), **HTMX)

    response = as_va.post(_undo_url(seat), {"to": "seat"}, **HTMX)

    body = response.content.decode()
    assert response.status_code == 422
    assert "There is a problem" in body and "The seat is no longer free: Small Process" in body
    assert "The client was not put back." in body
    assert _live(small, leaving) == []
    assert RosterEntry.objects.get(session=small, episode=waiting).status == RosterStatus.BOOKED


def test_without_javascript_the_page_offers_undo_once_after_the_redirect(as_va, small, make_active_episode):
    episode = _named(make_active_episode(), "Okafor", "Ben")
    seat = _seat(small, episode)

    response = as_va.post(_remove_url(seat))

    assert response.status_code == 302
    assert UNDO_SESSION_KEY in as_va.session
    page = _page(as_va, small)
    assert "Okafor, Ben was removed from the roster." in page
    assert f'action="{_undo_url(seat)}"' in page
    assert "was removed from the roster." not in _page(as_va, small)  # shown once

    assert as_va.post(_undo_url(seat), {"to": "seat"}).status_code == 302
    assert len(_live(small, episode)) == 1
    assert "The client is back on the roster." in _page(as_va, small)


def test_taking_a_client_off_the_waitlist_offers_their_place_back(as_va, small, make_active_episode):
    for _ in range(2):
        _seat(small, make_active_episode())
    first = _named(make_active_episode(), "Zeller", "Ada")
    second = _named(make_active_episode(), "Abbott", "Bo")
    waiting = _wait(small, first)
    _wait(small, second)

    removed = as_va.post(_remove_url(waiting), **HTMX).content.decode()
    assert "Zeller, Ada was taken off the waitlist." in removed
    assert '<input type="hidden" name="to" value="waitlist">' in removed

    body = as_va.post(_undo_url(waiting), {"to": "waitlist"}, **HTMX).content.decode()

    assert "The client is back on the waitlist, in their place." in body
    # Listed by name (Abbott first), each with their place in the queue (Zeller still first).
    places = re.findall(r'<td data-testid="waitlist-place">(\d+)</td>\s*<th scope="row"><a [^>]*>([^<]+)</a>', body)
    assert places == [("2", "Abbott, Bo"), ("1", "Zeller, Ada")]


def test_undo_of_a_client_still_on_the_roster_or_of_another_session_is_a_404(
    as_va, small, make_active_episode, make_group, week
):
    seat = _seat(small, make_active_episode())
    assert as_va.post(_undo_url(seat), {"to": "seat"}).status_code == 404  # not removed

    other = sessions_of(make_group("Other Process", [(0, "11:00", 60)], lead=1), week)[0]
    theirs = _seat(other, make_active_episode())
    roster_services.roster_remove(entry=theirs)
    url = schedule_url("roster_undo", small.organization, session_id=small.pk, entry_id=theirs.pk)
    assert as_va.post(url, {"to": "seat"}).status_code == 404
    assert _live(other, theirs.episode) == []


def test_a_get_of_undo_goes_to_the_session_page_and_changes_nothing(as_va, small, make_active_episode):
    episode = make_active_episode()
    seat = _seat(small, episode)
    roster_services.roster_remove(entry=seat)

    response = as_va.get(_undo_url(seat))

    assert response.status_code == 302
    assert response["Location"] == schedule_url("session_detail", small.organization, session_id=small.pk)
    assert _live(small, episode) == []


def test_a_clinician_cannot_undo(client, harbor_clinician, small, make_active_episode):
    from tests.conftest import login

    episode = make_active_episode()
    seat = _seat(small, episode)
    roster_services.roster_remove(entry=seat)

    assert login(client, harbor_clinician).post(_undo_url(seat), {"to": "seat"}).status_code == 403
    assert _live(small, episode) == []


# --- Sorted by name ------------------------------------------------------------------------------


def test_roster_and_waitlist_are_listed_by_last_then_first_name(as_va, make_group, make_active_episode, week):
    session = sessions_of(make_group("Named Process", [(0, "09:00", 90)], capacity=3), week)[0]
    # Booked in this order; listed by last name, then the first name shown (preferred, if any).
    for last, first, preferred in [
        ("varga", "Ana", ""),
        ("Okafor", "Zoe", ""),
        ("Okafor", "Robert", "Bob"),
    ]:
        book(session, [_named(make_active_episode(), last, first, preferred)])
    for last, first in [("Young", "Al"), ("Brown", "Cy"), ("brown", "Ann")]:
        _wait(session, _named(make_active_episode(), last, first))

    body = _page(as_va, session)

    booked_table, waitlist_table = body.split('id="roster"')[1].split("<caption")[1:3]
    assert re.findall(r'<th scope="row"><a [^>]*>([^<]+)</a>', booked_table) == [
        "Okafor, Bob",
        "Okafor, Zoe",
        "varga, Ana",
    ]
    waiting = re.findall(
        r'<td data-testid="waitlist-place">(\d+)</td>\s*<th scope="row"><a [^>]*>([^<]+)</a>', waitlist_table
    )
    assert waiting == [("3", "brown, Ann"), ("2", "Brown, Cy"), ("1", "Young, Al")]
    assert escape("Waitlist, by name (the place is the order seats are offered in)") in waitlist_table


def test_the_session_page_with_an_undo_costs_the_same_queries_at_2_and_at_12_clients(
    as_va, make_group, make_active_episode, week
):
    def removed_then_page(capacity: int) -> int:
        start = "09:00" if capacity < 10 else "11:00"
        session = sessions_of(make_group(f"Process {capacity}", [(0, start, 90)], capacity=capacity), week)[0]
        entries = [_seat(session, make_active_episode()) for _ in range(capacity)]
        as_va.post(_remove_url(entries[0]))
        with CaptureQueriesContext(connection) as queries:
            assert "was removed from the roster." in _page(as_va, session)
        return len(queries.captured_queries)

    assert removed_then_page(2) == removed_then_page(12)


def test_roster_updates_carry_no_inline_style_and_htmx_settles_no_style(as_va, small, make_active_episode):
    # The CSP allows styles from app.css only; htmx must not copy a style attribute across a swap.
    page = _page(as_va, small)
    assert '"includeIndicatorStyles":false,"attributesToSettle":["class","width","height"]' in page
    seat = _seat(small, make_active_episode())
    newcomer = make_active_episode()
    add = schedule_url("roster_add", small.organization, session_id=small.pk)

    bodies = [
        as_va.post(add, {"roster-episode": ""}, **HTMX),  # refused: the error summary
        as_va.post(add, {"roster-episode": newcomer.pk}, **HTMX),
        as_va.post(_remove_url(seat), **HTMX),
        as_va.post(_undo_url(seat), {"to": "seat"}, **HTMX),
    ]

    assert [response.status_code for response in bodies] == [422, 200, 200, 200]
    for body in (response.content.decode() for response in bodies):
        assert " style=" not in body and "<style" not in body
