"""Discharge's panels on Today: the VA's discharges this week with open items (the open count in
SQL, held to the checklist's own rules), the clinician's step-down recommendations and discharge
summaries to sign. Each line appears for the right role, leaves once fixed, never shows another
organization's discharge, and the page keeps its query budget at two data sizes.

Only the discharge panels are registered here, so these tests measure them alone (tests/today/
test_board.py covers the page with every app's panels)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from authorizations.models import OPEN_REVIEW_STATUSES, ConcurrentReview
from authorizations.reviews.services.outcomes import review_outcome_record
from discharge.models import PlanOrigin, PlanStatus, TransitionPlan
from discharge.plans import services
from discharge.plans.open_items import open_required_count
from discharge.plans.selectors import checklist_rows, open_required, plan_get
from iop.tenancy.context import tenant_context
from iop.tenancy.models import Membership
from iop.today import hooks
from iop.today.selectors import today_board
from scheduling.models import Session

from ..conftest import make_member
from ..discharge.plans.conftest import (
    aftercare_booked,
    clinician_membership,
    covered,
    episode,
    facilitators,
    fees,
    group_types,
    make_active_episode,
    make_group,
    payer,
    plan,
    provider,
    records_sent,
    rule,
    today,
)
from ..factories import EpisodeFactory
from .approvals import authorization_approved

pytestmark = pytest.mark.django_db

# Re-exported fixtures (a conftest's fixtures reach only its own directory).
__all__ = [
    "clinician_membership",
    "covered",
    "episode",
    "facilitators",
    "fees",
    "group_types",
    "make_active_episode",
    "make_group",
    "payer",
    "plan",
    "provider",
    "rule",
    "today",
]

PANELS = ("discharges_this_week", "step_down_recommendations", "summaries_to_sign")
PAGE_BUDGET = 15


@pytest.fixture(autouse=True)
def only_discharge_panels(monkeypatch):
    monkeypatch.setattr(hooks, "_panels", {key: panel for key, panel in hooks._panels.items() if key in PANELS})


def _membership(user) -> Membership:
    return Membership.objects.get(user=user)


def _lines(organization, user, key: str) -> list:
    with tenant_context(organization.id):
        board = today_board(organization=organization, membership=_membership(user))
    panel = next((loaded for loaded in board.panels if loaded.key == key), None)
    assert panel is not None, f"{key} is not on this member's board"
    return panel.items.lines


def _sql_open(plan: TransitionPlan) -> int:
    return (
        TransitionPlan.objects.filter(pk=plan.pk)
        .annotate(n=open_required_count(plan.organization))
        .values_list("n", flat=True)
        .get()
    )


def _python_open(plan: TransitionPlan) -> int:
    return len(open_required(checklist_rows(plan_get(organization=plan.organization, plan_id=plan.pk))))


@pytest.fixture
def daily(make_group):
    """A group meeting every day of the week from today (a termination session today, whatever the day)."""
    return make_group("Daily process", [(d, "09:00", 180) for d in range(7)], capacity=10)


def _this_week(plan, user, day):
    return services.plan_update(plan=plan, data={"target_date": day}, actor=user)


# --- The VA's discharges this week ---------------------------------------------------------------------


def test_a_discharge_this_week_shows_its_open_items_until_every_required_one_is_done(
    in_harbor, plan, harbor_va, provider, daily, today
):
    plan = _this_week(plan, harbor_va, today)
    (line,) = _lines(in_harbor, harbor_va, "discharges_this_week")
    client = plan.episode.client
    assert line.text == f"{client.last_name}, {client.first_name}"
    assert (
        line.url
        == reverse("discharge:plan", kwargs={"org_slug": "harbor", "episode_id": plan.episode_id}) + "#checklist"
    )
    assert line.client_id == client.pk
    # Seven required items, none done (the summary is not required by default).
    assert line.status == "7 items open" and _sql_open(plan) == _python_open(plan) == 7
    assert line.tone == "warn" and "last day today" in line.detail

    for key in ("medication_continuity", "crisis_resources", "final_authorization", "client_notified"):
        services.checklist_item_tick(item=plan.items.get(key=key), actor=harbor_va)
    assert _sql_open(plan) == _python_open(plan) == 3
    services.plan_update(plan=plan, data={"receiving_provider": provider}, actor=harbor_va)
    assert _sql_open(plan) == _python_open(plan) == 3  # a provider chosen is not the records sent
    records_sent(plan, provider, harbor_va)
    assert _sql_open(plan) == _python_open(plan) == 2
    same_day = aftercare_booked(plan, provider, days_after=0)
    assert _sql_open(plan) == _python_open(plan) == 2  # a visit on the last day does not count
    same_day.delete()
    aftercare_booked(plan, provider, days_after=8)
    assert _sql_open(plan) == _python_open(plan) == 2  # nor one beyond the 7 days
    aftercare_booked(plan, provider, days_after=2)
    assert _sql_open(plan) == _python_open(plan) == 1
    (line,) = _lines(in_harbor, harbor_va, "discharges_this_week")
    assert line.status == "1 item open"

    session = Session.objects.get(group=daily, local_date=today)
    services.termination_session_book(plan=plan, session=session, actor=harbor_va)
    assert _sql_open(plan) == _python_open(plan) == 0
    assert _lines(in_harbor, harbor_va, "discharges_this_week") == []


def test_a_cancelled_termination_session_opens_the_item_again(in_harbor, plan, harbor_va, daily, today):
    session = Session.objects.get(group=daily, local_date=today)
    plan = _this_week(plan, harbor_va, today)
    services.termination_session_book(plan=plan, session=session, actor=harbor_va)
    assert _sql_open(plan) == _python_open(plan) == 6
    Session.objects.filter(pk=session.pk).update(status="cancelled")
    assert _sql_open(plan) == _python_open(plan) == 7


def test_only_open_discharges_up_to_this_weeks_end_are_listed_past_ones_first(
    in_harbor, harbor_va, make_active_episode, today
):
    week_end = today + dt.timedelta(days=(6 - today.weekday()) % 7)  # harbor's weeks run Monday to Sunday

    def plan_for(last_name: str, day: dt.date) -> TransitionPlan:
        episode = make_active_episode()
        episode.client.last_name = last_name
        episode.client.save(update_fields=["last_name"])
        episode.admission_date = today - dt.timedelta(days=60)
        episode.referral_date = today - dt.timedelta(days=70)
        episode.save(update_fields=["admission_date", "referral_date"])
        started = services.plan_start(episode=episode, origin=PlanOrigin.STAFF, actor=harbor_va)
        return services.plan_update(
            plan=started, data={"transition_type": "step_down", "target_date": day}, actor=harbor_va
        )

    plan_for("Late", today - dt.timedelta(days=3))
    plan_for("Sunday", week_end)
    plan_for("Nextweek", week_end + dt.timedelta(days=1))
    done = plan_for("Done", today)
    TransitionPlan.objects.filter(pk=done.pk).update(status=PlanStatus.COMPLETED)

    lines = _lines(in_harbor, harbor_va, "discharges_this_week")
    assert [line.text.split(",")[0] for line in lines] == ["Late", "Sunday"]
    assert lines[0].tone == "alert" and "was due" in lines[0].detail
    assert lines[0].detail.startswith("Step-down to a lower level of care")


def test_the_discharges_panel_is_the_vas_not_the_clinicians(in_harbor, plan, harbor_va, harbor_clinician, today):
    _this_week(plan, harbor_va, today)
    with tenant_context(in_harbor.id):
        board = today_board(organization=in_harbor, membership=_membership(harbor_clinician))
    assert "discharges_this_week" not in [loaded.key for loaded in board.panels]


# --- The clinician's step-down recommendations ------------------------------------------------------------


@pytest.fixture
def recommended(covered, rule, fees, today, harbor_va, harbor_intake, django_capture_on_commit_callbacks):
    """A client of harbor's clinician whose payer recommended a step-down to OP at the review."""
    episode, coverage = covered(last_name="Rivera", first_name="Ana")
    authorization = authorization_approved(
        episode, coverage, today - dt.timedelta(days=7), days=21, number="PA-SD", actor=harbor_intake
    )
    review = ConcurrentReview.objects.get(authorization=authorization, status__in=OPEN_REVIEW_STATUSES)
    with django_capture_on_commit_callbacks(execute=True):
        review_outcome_record(
            review=review, outcome="step_down", recommended_level_of_care="op", reason="Meets OP", actor=harbor_va
        )
    return TransitionPlan.objects.get(episode=episode)


def test_the_clinician_sees_the_payers_recommendation_until_they_choose_where_the_client_goes(
    in_harbor, recommended, harbor_clinician, provider
):
    (line,) = _lines(in_harbor, harbor_clinician, "step_down_recommendations")
    assert line.text == "Rivera, Ana"
    assert line.status == "Payer recommends OP"
    assert "choose the receiving provider" in line.detail and line.tone == "warn"
    assert line.url.endswith(f"/discharge/episodes/{recommended.episode_id}/#plan")

    services.plan_update(plan=recommended, data={"receiving_provider": provider}, actor=harbor_clinician)
    assert _lines(in_harbor, harbor_clinician, "step_down_recommendations") == []


def test_a_recommendation_reaches_the_clinician_of_the_review_not_every_clinician(in_harbor, recommended):
    reviewer = make_member(in_harbor, "clinician", "reviewer@harbor.test")
    bystander = make_member(in_harbor, "clinician", "bystander@harbor.test")
    assert _lines(in_harbor, reviewer, "step_down_recommendations") == []
    ConcurrentReview.objects.filter(request=recommended.payer_recommendation.request).update(clinician=reviewer)
    assert [line.text for line in _lines(in_harbor, reviewer, "step_down_recommendations")] == ["Rivera, Ana"]
    assert _lines(in_harbor, bystander, "step_down_recommendations") == []


def test_a_recommendation_the_clinician_answered_otherwise_leaves_the_panel(in_harbor, recommended, harbor_clinician):
    services.plan_update(plan=recommended, data={"transition_type": "completed"}, actor=harbor_clinician)
    assert _lines(in_harbor, harbor_clinician, "step_down_recommendations") == []


# --- The clinician's summaries to sign -------------------------------------------------------------------


def _completed(plan: TransitionPlan, *, due: dt.date) -> TransitionPlan:
    TransitionPlan.objects.filter(pk=plan.pk).update(
        status=PlanStatus.COMPLETED, last_day=due - dt.timedelta(days=7), summary_due_date=due
    )
    plan.refresh_from_db()
    return plan


def test_the_clinician_signs_the_summaries_of_their_clients_overdue_first(
    in_harbor, plan, make_active_episode, harbor_va, harbor_clinician, clinician_membership, today
):
    overdue = _completed(plan, due=today - dt.timedelta(days=1))
    other = make_active_episode()
    other.primary_clinician = clinician_membership
    other.save(update_fields=["primary_clinician"])
    later = _completed(
        services.plan_start(episode=other, origin=PlanOrigin.STAFF, actor=harbor_va), due=today + dt.timedelta(days=5)
    )

    first, second = _lines(in_harbor, harbor_clinician, "summaries_to_sign")
    assert first.client_id == overdue.episode.client_id and first.tone == "alert"
    assert first.status.startswith("Overdue since") and first.url.endswith("#summary")
    assert second.client_id == later.episode.client_id and second.tone == ""

    services.summary_sign(
        plan=overdue, actor=harbor_clinician, membership=clinician_membership, text="Goals met; stepped down to OP."
    )
    assert [line.client_id for line in _lines(in_harbor, harbor_clinician, "summaries_to_sign")] == [
        later.episode.client_id
    ]


def test_another_clinicians_summary_is_not_mine_but_one_without_a_clinician_is_everyones(
    in_harbor, plan, make_active_episode, harbor_va, harbor_clinician, today
):
    _completed(plan, due=today + dt.timedelta(days=1))
    colleague = make_member(in_harbor, "clinician", "colleague@harbor.test")
    assert _lines(in_harbor, colleague, "summaries_to_sign") == []
    nobody = _completed(
        services.plan_start(episode=make_active_episode(), origin=PlanOrigin.STAFF, actor=harbor_va),
        due=today + dt.timedelta(days=3),
    )
    assert [line.client_id for line in _lines(in_harbor, colleague, "summaries_to_sign")] == [nobody.episode.client_id]
    assert len(_lines(in_harbor, harbor_clinician, "summaries_to_sign")) == 2


# --- Tenancy and the page ------------------------------------------------------------------------------------


def test_another_organizations_discharges_never_show(
    in_harbor, summit, summit_program, harbor_va, harbor_clinician, today
):
    with tenant_context(summit.id):
        episode = EpisodeFactory(organization=summit, program=summit_program)
        theirs = services.plan_start(episode=episode, origin=PlanOrigin.STAFF, actor=None)
        services.plan_update(plan=theirs, data={"transition_type": "completed", "target_date": today}, actor=None)
        TransitionPlan.objects.filter(pk=theirs.pk).update(summary_due_date=today)
    assert _lines(in_harbor, harbor_va, "discharges_this_week") == []
    assert _lines(in_harbor, harbor_clinician, "summaries_to_sign") == []


URL = "/o/harbor/today/"


def _page(client, django_assert_max_num_queries):
    """The page's queries (after a first request, which warms what every later one reuses)."""
    client.get(URL)
    with CaptureQueriesContext(connection) as queries, django_assert_max_num_queries(PAGE_BUDGET):
        response = client.get(URL)
    assert response.status_code == 200
    return len(queries), response


def _discharges(make_active_episode, user, clinician, today, count: int) -> None:
    for n in range(count):
        episode = make_active_episode()
        episode.primary_clinician = clinician
        episode.save(update_fields=["primary_clinician"])
        started = services.plan_start(episode=episode, origin=PlanOrigin.STAFF, actor=user)
        services.plan_update(plan=started, data={"transition_type": "step_down", "target_date": today}, actor=user)
        if n % 2:
            TransitionPlan.objects.filter(pk=started.pk).update(summary_due_date=today + dt.timedelta(days=n))


@pytest.mark.parametrize("user_fixture", ["harbor_va", "harbor_clinician", "harbor_admin"])
def test_the_today_page_costs_the_same_queries_at_two_sizes(
    client,
    request,
    user_fixture,
    harbor_va,
    clinician_membership,
    make_active_episode,
    today,
    django_assert_max_num_queries,
):
    from ..conftest import login

    login(client, request.getfixturevalue(user_fixture))
    _discharges(make_active_episode, harbor_va, clinician_membership, today, 2)
    small, _ = _page(client, django_assert_max_num_queries)
    _discharges(make_active_episode, harbor_va, clinician_membership, today, 10)
    large, response = _page(client, django_assert_max_num_queries)
    assert small == large
    counts = {loaded.key: loaded.items.count for loaded in response.context["board"].panels}
    expected = {
        "harbor_va": {"discharges_this_week": 12},
        "harbor_clinician": {"step_down_recommendations": 0, "summaries_to_sign": 6},
        "harbor_admin": {"discharges_this_week": 12, "step_down_recommendations": 0, "summaries_to_sign": 6},
    }
    assert counts == expected[user_fixture]
    if user_fixture == "harbor_va":
        assert response.content.decode().count("items open") == 8  # the first eight lines; the rest on the worklist
