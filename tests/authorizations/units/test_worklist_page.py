"""The "Authorizations" worklist (each section, the clock, constant queries as rows grow, the
access event), closing a chase task, an authorization's page, the client page's units panel and
the main navigation."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from authorizations.models import ChaseKind, ChaseTask, CoverageGapKind, RequestStatus, UnauthorizedDay
from authorizations.units import selectors
from iop.audit.models import AccessEvent
from iop.common.dates import date_full, date_short
from tests.conftest import login

from ...attendance.conftest import book, record, sessions_of
from .conftest import make_authorization, make_request

pytestmark = pytest.mark.django_db

# The worklist measured at 23 queries for 2 and for 8 rows of every kind: sign-in and tenant (5),
# a page of each section with its count — awaiting, pended, drafts, active, expiring, chase tasks,
# unauthorized days (7), the shown authorizations' lines and units — attendance, bookings, payer
# rules, code list (5), the access event (1), the organization switcher and unread count (2) and
# the session save (3). It must not grow with the rows.
WORKLIST_QUERY_BUDGET = 24


def _url(name="worklist", **kwargs) -> str:
    return reverse(f"authorizations:{name}", kwargs={"org_slug": "harbor", **kwargs})


def _rows(covered_episode, mwf, week, count: int) -> list:
    """`count` clients, each with an active authorization (booked ahead), a draft, a submitted
    (overdue), a pended request, two open chase tasks (the authorization's end, the late decision)
    and an unauthorized day."""
    now, today = timezone.now(), week - dt.timedelta(days=7)
    episodes = []
    for _ in range(count):
        episode, coverage = covered_episode()
        book(episode, sessions_of(mwf, week))
        authorization = make_authorization(episode, coverage, start=today, end=today + dt.timedelta(days=10), units=2)
        make_request(episode, coverage, status=RequestStatus.DRAFT)
        late = make_request(
            episode, coverage, status=RequestStatus.SUBMITTED, decision_due_at=now - dt.timedelta(hours=30)
        )
        ChaseTask.objects.create(kind=ChaseKind.DECISION_OVERDUE, request=late, due_date=today, created_at=now)
        make_request(episode, coverage, status=RequestStatus.PENDED, information_due=today + dt.timedelta(days=2))
        ChaseTask.objects.create(
            kind=ChaseKind.ENDS_IN_14, authorization=authorization, due_date=authorization.end_date, created_at=now
        )
        gap, day = CoverageGapKind.OUTSIDE_WINDOW, today - dt.timedelta(days=3)
        UnauthorizedDay.objects.create(episode=episode, local_date=day, kind=gap, flagged_at=now)
        episodes.append(episode)
    return episodes


def test_the_worklist_shows_every_section_and_costs_the_same_at_2_and_8_rows(as_va, covered_episode, mwf, this_week):
    week = this_week + dt.timedelta(weeks=1)

    def count() -> tuple[int, str]:
        with CaptureQueriesContext(connection) as ctx:
            response = as_va.get(_url())
        assert response.status_code == 200
        return len(ctx.captured_queries), response.content.decode()

    first = _rows(covered_episode, mwf, week, 2)
    few, _ = count()
    _rows(covered_episode, mwf, week, 6)
    many, body = count()

    assert few == many <= WORKLIST_QUERY_BUDGET
    for title in (
        "Chase tasks (16)",
        "Awaiting a decision (8)",
        "Pended: information requested (8)",
        "Expiring within 14 days (8)",
        "Active authorizations (8)",
        "Days attended without an authorization (8)",
        "Drafts and ready to submit (8)",
    ):
        assert title in body
    assert "Overdue by 1 day" in body and "Decision overdue" in body
    assert first[0].client.sort_name in body
    event = AccessEvent.objects.filter(object_type="authorizations.worklist").latest("occurred_at")
    assert str(first[0].client_id) in event.object_ids and len(event.object_ids) == 8


def test_each_section_shows_a_page_of_its_rows_with_its_count(as_va, covered_episode, mwf, this_week, monkeypatch):
    monkeypatch.setattr(selectors, "WORKLIST_PER_SECTION", 2)
    week = this_week + dt.timedelta(weeks=1)
    episodes = _rows(covered_episode, mwf, week, 3)
    # Ending soonest first: the third client's authorization is alone on the second page.
    for n, episode in enumerate(episodes):
        episode.authorizations.update(end_date=F("end_date") + dt.timedelta(days=n))
    last = episodes[2].authorizations.get()

    first = as_va.get(_url()).content.decode()

    assert "Active authorizations (3)" in first and "Chase tasks (6)" in first
    assert f'id="authorization-{last.pk}"' not in first
    assert '<span class="pagination__status">1–2 of 3</span>' in first
    assert '<a href="?active_page=2#active">Next' in first

    # Another section's page is kept by a section's links; a number beyond the last shows the last.
    second = as_va.get(_url() + "?active_page=2&tasks_page=9").content.decode()

    assert f'id="authorization-{last.pk}"' in second and "Active authorizations (3)" in second
    assert f'data-testid="authorized-{last.pk}">2<' in second
    assert '<span class="pagination__status">5–6 of 6</span>' in second
    assert '<a href="?tasks_page=3#active">Previous' in second
    assert '<a href="?active_page=2&amp;tasks_page=2#tasks">Previous' in second
    # The access event names the clients of the rows shown (the last client is on this page).
    event = AccessEvent.objects.filter(object_type="authorizations.worklist").latest("occurred_at")
    assert str(episodes[2].client_id) in event.object_ids
    assert as_va.get(_url() + "?active_page=x").status_code == 200


def test_active_rows_show_units_and_the_projected_exhaustion(as_va, covered_episode, mwf, this_week):
    week = this_week + dt.timedelta(weeks=1)
    (episode,) = _rows(covered_episode, mwf, week, 1)
    authorization = episode.authorizations.get()
    _monday, wednesday, _friday = sessions_of(mwf, week)

    body = as_va.get(_url()).content.decode()

    assert f'data-testid="authorized-{authorization.pk}">2<' in body
    assert f'data-testid="used-{authorization.pk}">0<' in body
    assert f'data-testid="remaining-{authorization.pk}">2<' in body
    # Booked Monday, Wednesday and Friday; the window ends on the Thursday, the units on the Wednesday.
    assert authorization.end_date == week + dt.timedelta(days=3)
    assert f'data-testid="scheduled-{authorization.pk}">2<' in body
    # The projected day reads short when it is close (this week), in full otherwise.
    assert date_full(wednesday.local_date) in body or date_short(wednesday.local_date) in body


def test_staff_who_work_the_chase_close_a_task_and_others_only_see_it(
    client, harbor_va, harbor_clinician, covered_episode, mwf, this_week
):
    (episode,) = _rows(covered_episode, mwf, this_week + dt.timedelta(weeks=1), 1)
    task = ChaseTask.objects.get(authorization__episode=episode)
    ChaseTask.objects.filter(request__isnull=False).delete()
    done_url = _url("chase_task_done", task_id=task.pk)

    login(client, harbor_clinician)
    page = client.get(_url()).content.decode()
    assert "Mark done" not in page and "Chase tasks (1)" in page
    assert client.post(done_url, {"note": "x"}).status_code == 403

    login(client, harbor_va)
    assert "Mark done" in client.get(_url()).content.decode()
    response = client.post(done_url, {"note": "Renewal submitted"})
    # Back at the worklist's tasks, where the form was.
    assert response.status_code == 302 and response["Location"] == _url() + "#tasks"
    task.refresh_from_db()
    assert (task.done_by, task.note) == (harbor_va, "Renewal submitted")
    assert "Chase tasks (0)" in client.get(_url()).content.decode()
    client.post(done_url, {"note": "again"})
    task.refresh_from_db()
    assert task.note == "Renewal submitted"


def test_the_authorization_page_shows_its_units_day_by_day(as_va, covered_episode, mwf, past_week, this_week):
    episode, coverage = covered_episode()
    attended = sessions_of(mwf, past_week)
    for session, entry in zip(attended, book(episode, attended), strict=True):
        record(session, entry, "present")
    book(episode, sessions_of(mwf, this_week + dt.timedelta(weeks=1)))
    authorization = make_authorization(
        episode, coverage, start=past_week, end=this_week + dt.timedelta(days=20), units=5, number="PA-778"
    )

    response = as_va.get(_url("authorization_detail", authorization_id=authorization.pk))

    body = response.content.decode()
    assert response.status_code == 200
    assert "Authorization PA-778" in body
    for name, value in (("authorized", "5 days"), ("used", "3"), ("scheduled", "3"), ("remaining", "2")):
        assert f'data-testid="{name}">{value}<' in body
    assert 'data-testid="runs-out"' in body
    event = AccessEvent.objects.get(object_type="authorizations.Authorization")
    assert (event.action, event.client_id) == ("view", episode.client_id)


def test_the_client_page_shows_units_warnings_and_unauthorized_days(as_va, covered_episode, mwf, past_week, this_week):
    episode, coverage = covered_episode()
    monday = sessions_of(mwf, past_week)[0]
    record(monday, book(episode, [monday])[0], "present")  # no authorization yet: flagged
    book(episode, sessions_of(mwf, this_week + dt.timedelta(weeks=1)))
    authorization = make_authorization(
        episode,
        coverage,
        start=this_week,
        end=this_week + dt.timedelta(days=27),
        next_review=this_week + dt.timedelta(days=20),
        units=1,
        number="PA-900",
    )

    body = as_va.get(reverse("clients:client_detail", kwargs={"org_slug": "harbor", "client_id": episode.client_id}))
    body = body.content.decode()

    assert "Authorizations and units" in body and "PA-900" in body
    assert f'data-testid="runs-out-{authorization.pk}"' in body
    assert 'data-testid="unauthorized-days"' in body
    assert f"{date_full(monday.local_date)} (no authorization)" in body


def test_the_main_navigation_links_the_worklist_for_every_staff_role(client, harbor_clinician, harbor_intake):
    for user in (harbor_clinician, harbor_intake):
        login(client, user)
        body = client.get(_url()).content.decode()
        assert f'<a href="{_url()}" aria-current="page">Authorizations</a>' in body
