"""The demo's consents: a valid consent for each discharge's receiving provider, none covering the
blocked one's, records sent where asked; a second run changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from demo.discharge_consent import consent_seed
from discharge.consent.selectors import plan_consent_panel, records_sent
from discharge.models import Consent, Disclosure, TransitionPlan
from tests.factories import ClientFactory, EpisodeFactory

pytestmark = pytest.mark.django_db


def test_consent_seed(in_harbor, episode, provider, harbor_program, harbor_va):
    other = EpisodeFactory(organization=in_harbor, client=ClientFactory(organization=in_harbor), program=harbor_program)
    blocked = TransitionPlan.objects.create(
        episode=other, target_date=in_harbor.local_today() + dt.timedelta(days=3), receiving_provider=provider
    )
    plans = [episode.transition_plan, blocked]
    for _ in range(2):
        consent_seed(
            organization=in_harbor, plans=plans, blocked=[blocked], send_for=[episode.transition_plan], actor=harbor_va
        )
        assert Consent.objects.count() == 2
        assert Disclosure.objects.count() == 1
    assert records_sent(episode.transition_plan) and not records_sent(blocked)
    assert plan_consent_panel(plan=episode.transition_plan)["consent"] is not None
    panel = plan_consent_panel(plan=blocked)
    assert panel["consent"] is None and "Harbor Outpatient" in panel["message"]
