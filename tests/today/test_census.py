"""The census board: every active client by program then name, linked to their page, with the
columns the apps register — day of stay, level of care (clinical against authorized), hours this
week against the requirement, units left on the current authorization, the next review and the
discharge target — each highlighted when something needs looking at; one access record naming the
clients; the same queries for 3 and 12 clients, within the budget; another organization's
clients never on it."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from authorizations.models import OPEN_REVIEW_STATUSES, AuthorizationLine, ConcurrentReview
from discharge.models import PlanOrigin
from discharge.plans import services as plan_services
from iop.audit.models import AccessAction, AccessEvent
from iop.clients.models import EpisodeStatus
from iop.tenancy.context import tenant_context
from iop.tenancy.models import Membership
from iop.today import hooks
from iop.today.census import census_board
from scheduling.models import Session
from scheduling.services.rosters import roster_book

from ..discharge.plans.conftest import (
    clinician_membership,
    covered,
    facilitators,
    fees,
    group_types,
    make_active_episode,
    make_group,
    payer,
    rule,
    today,
)
from ..factories import ClientFactory, EpisodeFactory, ProgramFactory
from .approvals import authorization_approved

pytestmark = pytest.mark.django_db

# Re-exported fixtures (a conftest's fixtures reach only its own directory).
__all__ = [
    "clinician_membership",
    "covered",
    "facilitators",
    "fees",
    "group_types",
    "make_active_episode",
    "make_group",
    "payer",
    "rule",
    "today",
]

URL = "/o/harbor/today/census/"
# The page's queries, whatever the number of clients: what every page of a signed-in member costs
# (the session, user, MFA check, organization and membership; the header's organization switcher
# and unread count; the access record; the session's last-seen save, in a savepoint under test) —
# 11 — then the rows (1) and each column's own loads: day of stay and level of care 0, hours this
# week 3 (the payer requirement's coverages and rules, the week's sessions), units left 5 (the
# current authorizations, their lines, attended and booked sessions, the code list; one more, the
# payer rules, when an authorization is per diem), next review 1, discharge target 1.
PAGE_BUDGET = 22
COLUMNS = ["day_of_stay", "level_of_care", "hours_this_week", "units_left", "next_review", "discharge_target"]


@pytest.fixture
def daily(make_group):
    """A three-hour group every day of the week from today, so every client can be booked this week."""
    return make_group("Daily process", [(d, "09:00", 180) for d in range(7)], capacity=40)


@pytest.fixture
def census(covered, rule, fees, daily, harbor_va, harbor_intake, today):
    """census.add(last_name) -> a client in full: the payer's coverage and an authorization approved
    a week ago (with its open review), booked into every session of the next seven days, and a
    transition plan with a target date in three weeks."""
    sessions = list(
        Session.objects.filter(
            group=daily, local_date__gte=today, local_date__lte=today + dt.timedelta(days=6)
        ).order_by("starts_at")
    )
    made: list = []

    def add(last_name: str, *, booked: bool = True):
        episode, coverage = covered(last_name=last_name, first_name="Sam")
        authorization = authorization_approved(
            episode, coverage, today - dt.timedelta(days=7), days=42, number=f"PA-{len(made) + 1}", actor=harbor_intake
        )
        for session in sessions if booked else ():
            roster_book(session=session, episode=episode)
        plan = plan_services.plan_start(episode=episode, origin=PlanOrigin.STAFF, actor=harbor_va)
        plan_services.plan_update(
            plan=plan,
            data={"transition_type": "step_down", "target_date": today + dt.timedelta(days=21)},
            actor=harbor_va,
        )
        client = SimpleNamespace(episode=episode, authorization=authorization, plan=plan)
        made.append(client)
        return client

    return SimpleNamespace(add=add, made=made)


def _day(day: dt.date) -> str:
    """Tue 8 Dec."""
    return f"{day:%a} {day.day} {day:%b}"


def _board(organization, user):
    with tenant_context(organization.id):
        return census_board(organization=organization, membership=Membership.objects.get(user=user))


def _cells(board, episode) -> dict:
    for program in board.programs:
        for line in program.lines:
            if line.row.episode_id == episode.pk:
                return {column.key: cell for column, cell in zip(board.columns, line.cells, strict=True)}
    raise AssertionError("the episode is not on the board")


def test_active_clients_by_program_then_name_each_linking_to_their_page(
    as_va, in_harbor, harbor_program, make_active_episode
):
    def active(last_name, program=harbor_program, status=EpisodeStatus.ACTIVE):
        client = ClientFactory(organization=in_harbor, last_name=last_name, first_name="Sam")
        return EpisodeFactory(organization=in_harbor, client=client, program=program, status=status)

    couples = ProgramFactory(organization=in_harbor, name="Couples IOP")
    zed, abe, cole = active("Zed"), active("Abe"), active("Cole", program=couples)
    active("Referred", status=EpisodeStatus.REFERRED)
    active("Gone", status=EpisodeStatus.DISCHARGED)

    response = as_va.get(URL)

    assert response.status_code == 200
    board = response.context["board"]
    assert [(p.name, [line.row.client_name for line in p.lines]) for p in board.programs] == [
        ("Adult MH IOP", ["Abe, Sam", "Zed, Sam"]),
        ("Couples IOP", ["Cole, Sam"]),
    ]
    assert [column.key for column in board.columns] == COLUMNS
    page = response.content.decode()
    for episode in (zed, abe, cole):
        assert reverse("clients:client_detail", kwargs={"org_slug": "harbor", "client_id": episode.client_id}) in page
    assert "Referred, Sam" not in page and "Gone, Sam" not in page
    # One access record names every client the page shows.
    (event,) = AccessEvent.objects.filter(object_type="census")
    assert event.action == AccessAction.LIST
    assert set(event.object_ids) == {str(e.client_id) for e in (zed, abe, cole)}


def test_the_today_page_offers_the_census_board(as_va):
    page = as_va.get("/o/harbor/today/").content.decode()
    assert f'href="{URL}"' in page and "Census board" in page


def test_a_client_in_full_on_a_calm_day(in_harbor, census, harbor_va, today):
    client = census.add("Rivera")
    review = ConcurrentReview.objects.get(authorization=client.authorization, status__in=OPEN_REVIEW_STATUSES)
    ConcurrentReview.objects.filter(pk=review.pk).update(review_date=today + dt.timedelta(days=5))

    cells = _cells(_board(in_harbor, harbor_va), client.episode)

    admitted = client.episode.admission_date
    assert cells["day_of_stay"].text == f"Day {(today - admitted).days + 1}"
    assert cells["level_of_care"].text == "IOP" and cells["level_of_care"].tone == ""
    assert cells["hours_this_week"].text.endswith("of 9.0 h")
    assert cells["units_left"].text.endswith("left") and cells["units_left"].tone == ""
    assert cells["units_left"].url.endswith(f"/authorization/{client.authorization.pk}/")
    assert cells["next_review"].text == _day(today + dt.timedelta(days=5))
    assert (cells["next_review"].tone, cells["next_review"].detail) == ("", "In 5 days")
    assert cells["discharge_target"].text == _day(today + dt.timedelta(days=21))
    assert cells["discharge_target"].tone == "" and cells["discharge_target"].detail.startswith("Step-down")
    assert not any(cell.tone for cell in cells.values() if cell is not cells["hours_this_week"])


def test_mismatches_are_highlighted(as_va, in_harbor, census, harbor_va, today):
    client = census.add("Rivera")
    episode = client.episode
    episode.authorized_level_of_care = "op"
    episode.save(update_fields=["authorized_level_of_care"])
    # Two units left on a window the next seven days' bookings would use seven of.
    AuthorizationLine.objects.filter(authorization=client.authorization).update(units_authorized=2)
    review = ConcurrentReview.objects.get(authorization=client.authorization, status__in=OPEN_REVIEW_STATUSES)
    ConcurrentReview.objects.filter(pk=review.pk).update(review_date=today + dt.timedelta(days=1))
    plan_services.plan_update(plan=client.plan, data={"target_date": today - dt.timedelta(days=1)}, actor=harbor_va)
    # Nothing booked this week: the hours cannot be reached.
    idle = census.add("Idle", booked=False)

    board = _board(in_harbor, harbor_va)
    cells = _cells(board, episode)
    assert (cells["level_of_care"].text, cells["level_of_care"].tone) == ("IOP · authorized OP", "alert")
    assert cells["units_left"].tone == "warn" and cells["units_left"].text.startswith("2 ")
    assert "need" in cells["units_left"].detail
    assert (cells["next_review"].tone, cells["next_review"].detail) == ("warn", "Tomorrow")
    assert (cells["discharge_target"].tone, cells["discharge_target"].detail) == ("alert", "Past the target date")
    idle_hours = _cells(board, idle.episode)["hours_this_week"]
    assert idle_hours.tone == "alert" and "short by 9.0 h" in idle_hours.detail
    assert idle_hours.text == "0.0 of 9.0 h"

    page = as_va.get(URL).content.decode()
    assert 'class="tag tag--danger"' in page and 'class="tag tag--warning"' in page


def test_a_client_admitted_this_week_is_not_judged_on_hours_and_shows_dashes_without_records(
    in_harbor, harbor_program, harbor_va, today
):
    client = ClientFactory(organization=in_harbor, last_name="New", first_name="Sam")
    episode = EpisodeFactory(
        organization=in_harbor, client=client, program=harbor_program, admission_date=today, referral_date=today
    )
    cells = _cells(_board(in_harbor, harbor_va), episode)
    assert cells["day_of_stay"].text == "Day 1"
    assert cells["hours_this_week"].tone == "" and cells["hours_this_week"].detail == "Admitted this week — not judged"
    assert [cells[key].text for key in ("units_left", "next_review", "discharge_target")] == ["—", "—", "—"]
    assert cells["level_of_care"].detail == "Authorized level not recorded"


def test_a_column_the_member_may_not_see_is_neither_shown_nor_loaded(monkeypatch, in_harbor, harbor_va, harbor_admin):
    def never(**kwargs):
        raise AssertionError("loaded for a member who may not see it")

    secret = hooks.CensusColumn(key="secret", title="Secret", order=99, permission="organization.manage", load=never)
    monkeypatch.setitem(hooks._census_columns, "secret", secret)
    EpisodeFactory(organization=in_harbor)
    assert "secret" not in [column.key for column in _board(in_harbor, harbor_va).columns]
    with pytest.raises(AssertionError, match="loaded for a member"):
        _board(in_harbor, harbor_admin)


def test_another_organizations_clients_are_never_on_the_board(as_va, in_harbor, summit_client):
    EpisodeFactory(organization=in_harbor)
    board = as_va.get(URL).context["board"]
    assert summit_client.pk not in board.client_ids and board.count == 1
    assert as_va.get("/o/summit/today/census/").status_code == 404


def _page_queries(client, django_assert_max_num_queries) -> tuple[int, object]:
    client.get(URL)  # the first request of a session warms what every later one reuses
    with CaptureQueriesContext(connection) as queries, django_assert_max_num_queries(PAGE_BUDGET):
        response = client.get(URL)
    assert response.status_code == 200
    return len(queries), response


def test_the_page_costs_the_same_queries_for_3_and_12_clients(as_va, census, django_assert_max_num_queries):
    for n in range(3):
        census.add(f"Small{n:02d}")
    small, response = _page_queries(as_va, django_assert_max_num_queries)
    assert response.context["board"].count == 3
    for n in range(9):
        census.add(f"Large{n:02d}")
    large, response = _page_queries(as_va, django_assert_max_num_queries)
    board = response.context["board"]
    assert board.count == 12 and [column.key for column in board.columns] == COLUMNS
    # Every column answered for every client (a dash would mean a row its load missed).
    assert all(cell.text != "—" for program in board.programs for line in program.lines for cell in line.cells)
    assert small == large
