"""The demo's denials: an open case whose peer-to-peer window closes in two days, and a case whose
first appeal awaits the payer's decision; the federal regimes are there."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from authorizations.models import AppealOutcome, CaseStatus, DenialCase, ReviewRegime

pytestmark = pytest.mark.django_db


def test_the_demo_has_an_open_denial_and_an_appeal_awaiting_decision(demo):  # noqa: F811
    assert ReviewRegime.objects.filter(organization=demo.harbor).count() == 3
    cases = DenialCase.objects.filter(organization=demo.harbor, status=CaseStatus.OPEN)
    window = [c for c in cases if c.p2p_due_at and not c.peer_to_peers.exists()]
    assert window, "no open denial with its peer-to-peer window running"
    left = window[0].p2p_due_at - timezone.now()
    assert dt.timedelta(days=1, hours=23) < left <= dt.timedelta(days=2)
    pending = [a for c in cases for a in c.appeals.filter(filed_at__isnull=False, outcome=AppealOutcome.PENDING)]
    assert pending and pending[0].decision_due_at > timezone.now()
    assert pending[0].case.peer_to_peers.filter(outcome="upheld").exists()
