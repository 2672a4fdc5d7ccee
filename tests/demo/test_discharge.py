"""The demo's discharges: every admitted episode has its plan; a discharge this week with open
items, one blocked by a missing consent, one completed with aftercare kept within 7 days (its
summary signed), one step-down from a payer's recommendation; the worklist shows them."""

from __future__ import annotations

import pytest

from discharge.models import AppointmentStatus, PlanOrigin, PlanStatus, TransitionPlan
from discharge.plans import selectors
from iop.clients.models import Episode, EpisodeStatus

pytestmark = pytest.mark.django_db


def test_the_demo_has_its_discharge_stories(demo):  # noqa: F811
    from demo.discharge import BLOCKED, COMPLETED, THIS_WEEK

    admitted = Episode.objects.filter(status__in=[EpisodeStatus.ACTIVE, EpisodeStatus.STEP_DOWN])
    assert not admitted.filter(transition_plan__isnull=True).exists()

    today = demo.harbor.local_today()
    this_week = selectors.plan_get(organization=demo.harbor, plan_id=TransitionPlan.objects.get(reason=THIS_WEEK).pk)
    open_keys = {row.item.key for row in selectors.open_required(selectors.checklist_rows(this_week))}
    assert {"aftercare_booked", "records_sent"} <= open_keys and "crisis_resources" not in open_keys

    blocked = selectors.plan_get(organization=demo.harbor, plan_id=TransitionPlan.objects.get(reason=BLOCKED).pk)
    blocked_open = {row.item.key for row in selectors.open_required(selectors.checklist_rows(blocked))}
    assert "records_sent" in blocked_open and "aftercare_booked" not in blocked_open

    completed = TransitionPlan.objects.get(reason=COMPLETED)
    assert completed.status == PlanStatus.COMPLETED and completed.summary_signed_at is not None
    kept = completed.appointments.get(status=AppointmentStatus.KEPT)
    assert 0 < (kept.starts_at.astimezone(demo.harbor.tzinfo).date() - completed.last_day).days <= 7
    assert completed.follow_up_checks.filter(days=7, outcome="kept").exists()

    payer = TransitionPlan.objects.get(origin=PlanOrigin.PAYER)
    assert payer.payer_recommendation is not None and payer.transition_type == "step_down"

    worklist = selectors.worklist(organization=demo.harbor)
    assert {row.plan.pk for row in worklist.transitions} >= {this_week.pk, blocked.pk}
    assert today <= this_week.target_date
    assert "completed discharge" in demo.output
