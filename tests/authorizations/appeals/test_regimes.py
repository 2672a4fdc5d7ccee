"""Which regime a coverage is under (plan, payer, organization default, model defaults) and the
seeded federal regimes: Medicare Advantage and Medicaid are regimes with other numbers."""

from __future__ import annotations

import datetime as dt

import pytest

from authorizations.appeals import clocks
from authorizations.models import AppealLevel, ReviewRegime

from ..conftest import make_coverage

pytestmark = pytest.mark.django_db


@pytest.fixture
def coverage(in_harbor, harbor_client, payer):
    return make_coverage(harbor_client, payer, plan=payer.plans.get())


def test_plan_then_payer_then_default_then_model_defaults(in_harbor, coverage):
    fallback = clocks.coverage_regime(coverage)
    assert not clocks.regime_is_configured(fallback)  # nothing configured: the model's defaults
    assert fallback.internal_appeal_standard_days == 30
    commercial, advantage, medicaid = clocks.regimes_ensure(in_harbor)
    assert clocks.coverage_regime(coverage) == commercial  # the organization's default
    coverage.payer.regime = advantage
    coverage.payer.save()
    assert clocks.coverage_regime(coverage) == advantage
    coverage.plan.regime = medicaid
    coverage.plan.save()
    assert clocks.coverage_regime(coverage) == medicaid


def test_regimes_ensure_is_idempotent_and_keeps_an_admins_numbers(in_harbor):
    first = clocks.regimes_ensure(in_harbor)
    ReviewRegime.objects.filter(pk=first[0].pk).update(internal_appeal_standard_days=15)
    again = clocks.regimes_ensure(in_harbor)
    assert [r.pk for r in again] == [r.pk for r in first]
    assert ReviewRegime.objects.count() == 3
    assert ReviewRegime.objects.get(is_default=True).internal_appeal_standard_days == 15


def test_an_existing_default_stays_the_default(in_harbor):
    state = ReviewRegime.objects.create(name="State of Harbor", is_default=True, internal_appeal_standard_days=10)
    clocks.regimes_ensure(in_harbor)
    assert ReviewRegime.objects.get(is_default=True) == state


def test_the_federal_regimes_decide_on_their_own_clocks(in_harbor):
    commercial, advantage, medicaid = clocks.regimes_ensure(in_harbor)
    filed = in_harbor.local_datetime(dt.date(2026, 5, 4), dt.time(9, 0))
    assert commercial.internal_appeal_levels == 2 and advantage.internal_appeal_levels == 1
    external = {
        r.name: clocks.appeal_decision_due_at(filed, r, AppealLevel.EXTERNAL, False).date()
        for r in (commercial, medicaid)
    }
    assert external[commercial.name] == dt.date(2026, 6, 18)  # 45 days
    assert external[medicaid.name] == dt.date(2026, 8, 2)  # a State fair hearing: 90 days
    for regime in (commercial, advantage, medicaid):
        expedited = clocks.appeal_decision_due_at(filed, regime, AppealLevel.INTERNAL_1, True)
        assert expedited == filed + dt.timedelta(hours=72)
