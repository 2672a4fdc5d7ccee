"""Review packet fixtures: a client attending Mon/Wed/Fri for three weeks under an authorization
approved from a complete request (diagnosis, justification), with a payer rule, and a review of
that authorization scheduled through the reviews service."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from authorizations.models import Diagnosis
from authorizations.reviews.services.calendar import review_schedule

from ....attendance.conftest import book, record, sessions_of
from ...conftest import make_rule
from ...units.conftest import covered_episode, make_authorization, mwf

__all__ = ["covered_episode", "mwf"]

FILLED = {
    "progress_since_last_review": "PHQ-9 down from 19 to 12; back at work two days a week.",
    "risk_note": "Denies SI/HI; no self-harm since admission.",
    "medications_note": "Sertraline 100 mg daily (Dr. Lee).",
    "discharge_plan": "Step down to weekly outpatient therapy around Jan 9; aftercare with Dr. Lee.",
    "standardized_scores": [{"instrument": "PHQ-9", "score": 12, "date": "2026-12-01"}],
    "criteria_cited": "LOCUS level 3",
}


def complete_request(authorization) -> None:
    """The request the authorization was approved from, complete: the renewal copies it."""
    request = authorization.determination.request
    request.why_not_lower_level = "Weekly outpatient therapy did not stop the decline."
    request.why_not_higher_level = "No imminent risk; safe at home with support."
    request.clinical_summary = "Depressive symptoms improving; attends reliably."
    request.save()
    Diagnosis.objects.create(
        request=request, code="F33.1", description="Major depressive disorder, recurrent, moderate", sequence=1
    )


@pytest.fixture
def rule(payer):
    return make_rule(payer, hours="9", days=3)


@pytest.fixture
def make_review(in_harbor, covered_episode, mwf, past_week, this_week, rule, harbor_clinician):
    """make_review(review_date, filled=True) -> a review with its world: the client attended
    eight of the nine sessions of the past three weeks (one excused absence for illness)."""

    def _make(review_date: dt.date, *, filled: bool = True, number: str = "HX-2291"):
        episode, coverage = covered_episode()
        coverage.member_id = "BHP-778812"
        coverage.save()
        plan = episode.treatment_plan
        plan.goals = "Return to work full time; PHQ-9 under 10."
        plan.save()
        sessions = sessions_of(mwf, past_week, days=21)
        for i, (session, entry) in enumerate(zip(sessions, book(episode, sessions), strict=True)):
            if i == 4:
                record(session, entry, "absent_excused", absence_reason="illness", note="Flu")
            else:
                record(session, entry, "present")
        # Group psychotherapy: the renewal's group line carries the weekly hours the payer requires.
        authorization = make_authorization(
            episode,
            coverage,
            start=past_week,
            end=this_week + dt.timedelta(days=13),
            units=20,
            code="90853",
            unit_type="per_session",
            number=number,
        )
        complete_request(authorization)
        review = review_schedule(authorization=authorization, review_date=review_date)
        review.clinician = harbor_clinician
        if filled:
            for name, value in FILLED.items():
                setattr(review, name, value)
        review.save()
        return SimpleNamespace(review=review, episode=episode, coverage=coverage, authorization=authorization)

    return _make
