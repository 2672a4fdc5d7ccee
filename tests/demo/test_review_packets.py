"""The demo's review packets: tomorrow's review comes with a ready packet, today's names what is
missing."""

from __future__ import annotations

import datetime as dt

import pytest

from authorizations.models import ReviewPacket

pytestmark = pytest.mark.django_db


def test_the_demo_reviews_have_their_packets(demo):  # noqa: F811
    today = demo.harbor.local_today()
    packets = {
        p.review.review_date - today: p
        for p in ReviewPacket.objects.filter(review__clinician__email="clinician@harbor.test").select_related("review")
    }
    tomorrow, now = packets[dt.timedelta(days=1)], packets[dt.timedelta(days=0)]
    assert tomorrow.missing == [] and tomorrow.is_ready
    assert {"risk", "medications", "discharge_plan"} <= set(now.missing)
    assert "review packet" in demo.output
