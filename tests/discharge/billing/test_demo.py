"""The billing demo seed: the completed story's episode reconciled, the discharge-this-week story's
episode with its discrepancies (units over the authorization, a date outside the window denied
with CARC 197, a code mismatch); a second run changes nothing."""

from __future__ import annotations

import pytest

from demo.discharge import COMPLETED, THIS_WEEK
from demo.discharge_billing import billing_seed
from discharge.billing.reconciliation import DiscrepancyKind
from discharge.billing.selectors import episode_reconciliation_state, reconciliations_load
from discharge.models import BillingImport, BillingLine, PlanOrigin
from discharge.plans import services as plan_services

pytestmark = pytest.mark.django_db


class Report:
    def __init__(self):
        self.items = []

    def add(self, item):
        self.items.append(item)


def _story(episode, actor, reason):
    plan = plan_services.plan_start(episode=episode, origin=PlanOrigin.STAFF, actor=actor)
    plan.reason = reason
    plan.save(update_fields=["reason"])


def test_the_reconciled_story(in_harbor, harbor_va, harbor_admin, episode, attended):
    _story(episode, harbor_va, COMPLETED)
    report = Report()

    billing_seed(organization=in_harbor, actor=harbor_va, report=report)

    assert report.items == ["billing reconciled"]
    assert episode_reconciliation_state(episode) == ("reconciled", 0)
    billing_seed(organization=in_harbor, actor=harbor_va, report=Report())
    assert BillingImport.objects.count() == 1 and BillingLine.objects.count() == 3


def test_the_discrepancy_story(in_harbor, harbor_va, episode, attended):
    _story(episode, harbor_va, THIS_WEEK)

    billing_seed(organization=in_harbor, actor=harbor_va, report=Report())

    kinds = {d.kind for d in reconciliations_load([episode.pk], organization=in_harbor)[episode.pk].discrepancies}
    assert {
        DiscrepancyKind.UNITS_OVER_AUTHORIZED,
        DiscrepancyKind.OUTSIDE_WINDOW,
        DiscrepancyKind.CODE_MISMATCH,
        DiscrepancyKind.DENIED,
    } <= kinds
    count = BillingLine.objects.count()
    billing_seed(organization=in_harbor, actor=harbor_va, report=Report())
    assert BillingLine.objects.count() == count
