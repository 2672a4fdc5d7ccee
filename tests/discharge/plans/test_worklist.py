"""The Discharges worklist: this week's and next week's transitions with their open items, the
aftercare not booked, the summaries overdue; the same queries at two data sizes; the plan page
and the worklist are audited, and another organization's episode is a 404."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from discharge.models import PlanOrigin, PlanStatus, TransitionPlan
from discharge.plans import services
from iop.audit.models import AccessEvent
from iop.tenancy.context import tenant_context

from ...factories import EpisodeFactory

pytestmark = pytest.mark.django_db

# Sessions, membership, organization, the four selectors' reads, the audit row.
WORKLIST_QUERY_BUDGET = 30


def _discharges(make_active_episode, user, today, provider, count: int) -> list[TransitionPlan]:
    """`count` plans ending this week with open items, and as many completed with the summary
    overdue."""
    plans = []
    for n in range(count):
        plan = services.plan_start(episode=make_active_episode(), origin=PlanOrigin.STAFF, actor=user)
        services.plan_update(
            plan=plan,
            data={
                "transition_type": "step_down",
                "target_date": today + dt.timedelta(days=n % 5),
                "receiving_provider": provider,
            },
            actor=user,
        )
        services.checklist_item_tick(item=plan.items.get(key="crisis_resources"), actor=user)
        plans.append(plan)
        done = services.plan_start(episode=make_active_episode(), origin=PlanOrigin.STAFF, actor=user)
        TransitionPlan.objects.filter(pk=done.pk).update(
            status=PlanStatus.COMPLETED,
            transition_type="completed",
            target_date=today - dt.timedelta(days=20),
            last_day=today - dt.timedelta(days=20),
            summary_due_date=today - dt.timedelta(days=13),
            completed_at=timezone.now(),
        )
    return plans


def test_the_worklist_lists_open_transitions_and_overdue_summaries_at_a_constant_cost(
    as_va, in_harbor, harbor_va, make_active_episode, provider, today
):
    url = "/o/harbor/discharge/"

    def count() -> tuple[int, str]:
        with CaptureQueriesContext(connection) as ctx:
            response = as_va.get(url)
        assert response.status_code == 200
        return len(ctx.captured_queries), response.content.decode()

    _discharges(make_active_episode, harbor_va, today, provider, 1)
    few, _ = count()
    plans = _discharges(make_active_episode, harbor_va, today, provider, 3)
    many, body = count()

    assert few == many <= WORKLIST_QUERY_BUDGET, (few, many)
    print(f"Discharges worklist: {many} queries")
    assert body.count('data-testid="transition-row"') == 4
    assert "Termination session scheduled" in body and "Medication continuity noted" in body
    assert plans[0].episode.client.display_name in body
    assert body.count("#summary") >= 4
    event = AccessEvent.objects.filter(object_type="discharge.worklist").latest("occurred_at")
    assert str(plans[0].episode.client_id) in event.object_ids


def test_the_plan_page_is_audited_and_another_organizations_episode_is_a_404(
    as_va, in_harbor, harbor_va, make_active_episode, summit, summit_program
):
    plan = services.plan_start(episode=make_active_episode(), origin=PlanOrigin.STAFF, actor=harbor_va)
    with tenant_context(summit.id):
        foreign = EpisodeFactory(organization=summit, program=summit_program)

    response = as_va.get(f"/o/harbor/discharge/episodes/{plan.episode_id}/")
    assert response.status_code == 200
    assert AccessEvent.objects.filter(object_id=str(plan.pk), client_id=plan.episode.client_id).exists()
    assert 'data-testid="checklist"' in response.content.decode()

    assert as_va.get(f"/o/harbor/discharge/episodes/{foreign.pk}/").status_code == 404
    assert as_va.post(f"/o/harbor/discharge/episodes/{foreign.pk}/complete/", {}).status_code == 404


def test_a_refused_completion_comes_back_naming_the_items_and_changes_nothing(
    as_va, in_harbor, harbor_va, make_active_episode, today
):
    plan = services.plan_start(episode=make_active_episode(), origin=PlanOrigin.STAFF, actor=harbor_va)
    services.plan_update(plan=plan, data={"transition_type": "completed", "target_date": today}, actor=harbor_va)
    url = f"/o/harbor/discharge/episodes/{plan.episode_id}/"

    response = as_va.post(url + "complete/", {"complete-last_day": today.isoformat()}, follow=True)

    assert response.status_code == 422
    assert "Aftercare appointment booked" in response.content.decode()
    assert TransitionPlan.objects.get(pk=plan.pk).status == PlanStatus.PLANNING


def test_the_client_page_shows_the_plan_and_links_to_the_discharge_page(as_va, in_harbor, plan):
    response = as_va.get(f"/o/harbor/clients/{plan.episode.client_id}/")

    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="client-discharge-plan"' in body and "Completed treatment" in body
    assert f"/o/harbor/discharge/episodes/{plan.episode_id}/" in body
