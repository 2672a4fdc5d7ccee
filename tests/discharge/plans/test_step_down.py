"""A payer's step-down recommendation at a review starts (or updates) the episode's transition
plan — origin "payer", the determination as its source, the recommended level — and the clinician
is told; a completed plan is left alone."""

from __future__ import annotations

import datetime as dt

import pytest

from authorizations.models import OPEN_REVIEW_STATUSES, ConcurrentReview
from authorizations.reviews.services.outcomes import review_outcome_record
from discharge.models import PlanOrigin, PlanStatus, TransitionPlan
from iop.notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewed(covered, approve, today):
    episode, coverage = covered()
    authorization = approve(episode, coverage, today - dt.timedelta(days=7), days=21, number="PA-SD")
    review = ConcurrentReview.objects.get(authorization=authorization, status__in=OPEN_REVIEW_STATUSES)
    return episode, review


def _step_down(review, actor, django_capture_on_commit_callbacks, level="op"):
    with django_capture_on_commit_callbacks(execute=True):
        return review_outcome_record(
            review=review, outcome="step_down", recommended_level_of_care=level, reason="Meets OP criteria", actor=actor
        )


def test_the_recommendation_starts_the_plan_and_tells_the_clinician(
    reviewed, harbor_va, clinician_membership, django_capture_on_commit_callbacks
):
    episode, review = reviewed
    TransitionPlan.objects.filter(episode=episode).delete()

    determination = _step_down(review, harbor_va, django_capture_on_commit_callbacks)

    plan = TransitionPlan.objects.get(episode=episode)
    assert (plan.origin, plan.transition_type, plan.receiving_level_of_care) == (PlanOrigin.PAYER, "step_down", "op")
    assert plan.payer_recommendation == determination
    assert plan.items.count() == 8
    notice = Notification.objects.get(recipient=clinician_membership, kind="discharge_step_down")
    assert f"/discharge/episodes/{episode.pk}/" in notice.link


def test_the_recommendation_updates_a_plan_under_way_and_keeps_its_date(
    reviewed, harbor_va, today, django_capture_on_commit_callbacks
):
    from discharge.plans import services

    episode, review = reviewed
    plan = services.plan_start(episode=episode, origin=PlanOrigin.CLINICIAN, actor=harbor_va)
    services.plan_update(plan=plan, data={"target_date": today + dt.timedelta(days=5)}, actor=harbor_va)

    _step_down(review, harbor_va, django_capture_on_commit_callbacks)

    plan.refresh_from_db()
    assert (plan.origin, plan.transition_type) == (PlanOrigin.PAYER, "step_down")
    assert plan.target_date == today + dt.timedelta(days=5)


def test_a_step_up_recommendation_is_a_step_up(reviewed, harbor_va, django_capture_on_commit_callbacks):
    episode, review = reviewed

    _step_down(review, harbor_va, django_capture_on_commit_callbacks, level="php")

    plan = TransitionPlan.objects.get(episode=episode)
    assert (plan.transition_type, plan.receiving_level_of_care) == ("step_up", "php")


def test_a_completed_plan_is_left_alone(reviewed, harbor_va, django_capture_on_commit_callbacks):
    episode, review = reviewed
    TransitionPlan.objects.update_or_create(
        episode=episode,
        defaults={
            "organization_id": episode.organization_id,
            "status": PlanStatus.COMPLETED,
            "transition_type": "completed",
        },
    )

    _step_down(review, harbor_va, django_capture_on_commit_callbacks)

    plan = TransitionPlan.objects.get(episode=episode)
    assert (plan.transition_type, plan.payer_recommendation) == ("completed", None)
