"""The reviews API: list and read (the clinical fields for clinical roles only), the clinical
fields updated, a review scheduled and moved, the outcome recorded; each refusal with its code and
nothing changed; another tenant's review is a 404."""

from __future__ import annotations

import datetime as dt

import pytest

from authorizations.models import ConcurrentReview
from authorizations.reviews.services.calendar import review_schedule
from iop.tenancy.context import tenant_context
from tests.factories import ClientFactory, EpisodeFactory, ProgramFactory

from ..conftest import BASE, make_coverage
from ..units.conftest import make_authorization

pytestmark = pytest.mark.django_db


@pytest.fixture
def review(in_harbor, covered, rule):
    episode, coverage = covered()
    today = in_harbor.local_today()
    authorization = make_authorization(
        episode, coverage, start=today - dt.timedelta(days=3), end=today + dt.timedelta(days=10)
    )
    review = review_schedule(authorization=authorization)
    review.risk_note = "Denies SI/HI."
    review.save()
    return review


def test_the_list_and_a_review_show_clinical_fields_to_clinical_roles_only(api, review, harbor_va, harbor_clinician):
    va = api(harbor_va).get(f"{BASE}/reviews/?open=true").json()
    (row,) = va["results"]
    assert row["id"] == str(review.pk) and "risk_note" not in row and row["packet"]["label"] == "Not prepared"
    mine = api(harbor_clinician).get(f"{BASE}/reviews/{review.pk}/").json()
    assert mine["risk_note"] == "Denies SI/HI." and mine["review_date"] == review.review_date.isoformat()


def test_clinical_fields_are_updated_and_bad_scores_refused(api, review, harbor_clinician, harbor_va):
    client = api(harbor_clinician)
    url = f"{BASE}/reviews/{review.pk}/"
    answer = client.patch(
        url,
        {
            "progress_since_last_review": "Back at work.",
            "standardized_scores": [{"instrument": "PHQ-9", "score": 11, "date": "2026-01-05"}],
        },
        format="json",
    )
    assert answer.status_code == 200 and answer.json()["standardized_scores"][0]["score"] == 11
    refused = client.patch(
        url,
        {"risk_note": "x", "standardized_scores": [{"instrument": "", "score": 3, "date": "2026-01-05"}]},
        format="json",
    )
    assert refused.status_code == 400 and refused.json()["code"] == "invalid_scores"
    review.refresh_from_db()
    assert review.risk_note == "Denies SI/HI."
    assert api(harbor_va).patch(url, {"risk_note": "x"}, format="json").status_code == 403


def test_schedule_and_move(api, in_harbor, review, harbor_va):
    client = api(harbor_va)
    again = client.post(f"{BASE}/reviews/schedule/", {"authorization": str(review.authorization_id)}, format="json")
    assert again.status_code == 200 and again.json()["id"] == str(review.pk)
    today = in_harbor.local_today()
    refused = client.post(
        f"{BASE}/reviews/{review.pk}/move/", {"review_date": (today - dt.timedelta(days=1)).isoformat()}, format="json"
    )
    assert refused.status_code == 400 and refused.json()["code"] == "review_date_in_past"
    moved = client.post(
        f"{BASE}/reviews/{review.pk}/move/", {"review_date": (today + dt.timedelta(days=2)).isoformat()}, format="json"
    )
    assert moved.status_code == 200 and moved.json()["review_date"] == (today + dt.timedelta(days=2)).isoformat()


def test_the_outcome_is_recorded_and_refusals_name_their_rule(api, in_harbor, review, harbor_va):
    client = api(harbor_va)
    url = f"{BASE}/reviews/{review.pk}/outcome/"
    for body, code in (
        ({"outcome": "approved"}, "outcome_lines_required"),
        ({"outcome": "step_down"}, "step_down_level_required"),
        ({"outcome": "pended", "reason": "Notes"}, "required"),
    ):
        answer = client.post(url, body, format="json")
        assert (answer.status_code, answer.json()["code"]) == (400, code)
    assert ConcurrentReview.objects.get(pk=review.pk).request_id is None
    due = (in_harbor.local_today() + dt.timedelta(days=2)).isoformat()
    answer = client.post(url, {"outcome": "pended", "reason": "Progress notes", "information_due": due}, format="json")
    assert answer.status_code == 200 and answer.json()["status"] == "pended"


def test_another_tenants_review_is_a_404(api, harbor_clinician, summit, in_harbor):
    with tenant_context(summit.id):
        from authorizations.models import Payer

        program = ProgramFactory(organization=summit)
        client = ClientFactory(organization=summit)
        episode = EpisodeFactory(organization=summit, client=client, program=program)
        coverage = make_coverage(client, Payer.objects.create(name="Summit payer"))
        today = summit.local_today()
        authorization = make_authorization(episode, coverage, start=today, end=today + dt.timedelta(days=13))
        foreign = review_schedule(authorization=authorization)
    client = api(harbor_clinician)
    assert client.get(f"{BASE}/reviews/{foreign.pk}/").status_code == 404
    assert client.post(f"{BASE}/reviews/{foreign.pk}/outcome/", {"outcome": "denied"}, format="json").status_code == 404
