"""The review page's calls panel: schedule, move and cancel inline; the next call with its dial-in
link, reviewer and reference; earlier times kept; refusals shown on the form's own page; the
invite downloadable with ids only in its URL and no name in the file."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from authorizations.models import CallStatus, ReviewCall
from iop.audit.models import AccessEvent
from iop.common.dates import datetime_short

from .conftest import local

pytestmark = pytest.mark.django_db


def _url(name: str, review, **kwargs) -> str:
    return reverse(f"authorizations:{name}", kwargs={"org_slug": "harbor", "review_id": review.pk, **kwargs})


def _fields(prefix: str, day: dt.date, hhmm: str, **extra) -> dict:
    data = {
        "date": day.isoformat(),
        "time": hhmm,
        "duration_minutes": "30",
        "dial_in": "+1 800 555 0100,,482913#",
        "reviewer_name": "Dana Whitfield, RN",
        "reviewer_reference": "CR-1001",
        "participants": "",
    } | extra
    return {f"{prefix}-{name}": value for name, value in data.items()}


def test_schedule_move_and_cancel_from_the_review_page(as_va, review):
    day = review.review_date
    page = as_va.get(_url("review", review))
    assert page.status_code == 200
    assert b'data-testid="no-call"' in page.content and b"Schedule the call" in page.content

    response = as_va.post(_url("review_call_schedule", review), _fields("call", day, "10:00"))
    assert response.status_code == 302 and response["Location"].endswith("#calls")
    call = ReviewCall.objects.get(review=review)
    assert call.starts_at == local(review.organization, day, "10:00")

    page = as_va.get(_url("review", review)).content.decode()
    assert 'href="tel:+18005550100,,482913#"' in page
    assert "Dana Whitfield, RN" in page and "CR-1001" in page

    response = as_va.post(_url("review_call_reschedule", review, call_id=call.pk), _fields("move", day, "14:30"))
    assert response.status_code == 302
    page = as_va.get(_url("review", review)).content.decode()
    first = local(review.organization, day, "10:00")
    assert f"Moved from {datetime_short(first)}" in page

    response = as_va.post(_url("review_call_cancel", review, call_id=call.pk), {"cancel-reason": "Written review."})
    assert response.status_code == 302
    call.refresh_from_db()
    assert call.status == CallStatus.CANCELLED
    page = as_va.get(_url("review", review)).content.decode()
    assert 'data-testid="call-history"' in page and "Written review." in page


def test_a_refused_call_comes_back_with_its_reason(as_va, review):
    yesterday = review.organization.local_today() - dt.timedelta(days=1)
    response = as_va.post(_url("review_call_schedule", review), _fields("call", yesterday, "10:00"))
    assert response.status_code == 422
    assert "The call&#x27;s time has passed" in response.content.decode()
    assert not ReviewCall.objects.filter(review=review).exists()
    bad = as_va.post(_url("review_call_schedule", review), _fields("call", review.review_date, "10:00", dial_in=""))
    assert bad.status_code == 422


def test_a_get_of_an_endpoint_goes_to_the_page(as_va, review):
    response = as_va.get(_url("review_call_schedule", review))
    assert response.status_code == 303 and response["Location"] == _url("review", review)


def test_the_invite_downloads_without_names(as_clinician, review):
    call = ReviewCall.objects.create(
        review=review, starts_at=timezone.now() + dt.timedelta(days=2), dial_in="https://meet.example.com/r"
    )
    url = _url("review_call_invite", review, call_id=call.pk)
    client = review.episode.client
    assert client.last_name not in url and client.first_name not in url
    response = as_clinician.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    body = response.content.decode()
    assert "METHOD:REQUEST" in body and f"UID:{call.pk}@review-calls.iop-ops" in body
    assert client.last_name not in body
    assert AccessEvent.objects.filter(action="download", object_id=str(call.pk)).exists()


def test_another_organizations_review_is_not_found(as_va, review, summit_va, client):
    from tests.conftest import login

    login(client, summit_va)
    response = client.post(
        reverse("authorizations:review_call_schedule", kwargs={"org_slug": "summit", "review_id": review.pk}),
        _fields("call", review.review_date, "10:00"),
    )
    assert response.status_code == 404


def test_a_call_of_another_review_is_not_found(as_va, review, make_active_episode, payer):
    from ...conftest import make_coverage
    from .conftest import make_review

    episode = make_active_episode()
    make_coverage(episode.client, payer)
    other = make_review(episode, review_date=review.review_date)
    starts_at = timezone.now() + dt.timedelta(days=1)
    call = ReviewCall.objects.create(review=other, starts_at=starts_at, dial_in="5550100999")
    assert as_va.get(_url("review_call_invite", review, call_id=call.pk)).status_code == 404
    cancel = as_va.post(_url("review_call_cancel", review, call_id=call.pk), {"cancel-reason": "x"})
    assert cancel.status_code == 404
    call.refresh_from_db()
    assert call.status == CallStatus.SCHEDULED
