"""The review calls API: list, schedule, reschedule, cancel under the review; refusals with their
codes; another tenant's review or call is a 404; reads are audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from authorizations.models import Payer, ReviewCall
from iop.audit.models import AccessEvent
from iop.tenancy.context import tenant_context

from ...conftest import BASE, make_coverage
from .conftest import days_ahead, make_review

pytestmark = pytest.mark.django_db

PHONE = "+1 800 555 0100,,482913#"


def _calls(review) -> str:
    return f"{BASE}/reviews/{review.pk}/calls/"


@pytest.fixture
def va_api(api, harbor_va):
    return api(harbor_va)


def _create(va_api, review, **fields):
    body = {
        "starts_at": days_ahead(review.organization, 2).isoformat(),
        "dial_in": PHONE,
        "reviewer_name": "Dana Whitfield, RN",
        "reviewer_reference": "CR-1001",
    } | fields
    return va_api.post(_calls(review), body, format="json")


def test_schedule_move_cancel_and_list(va_api, review):
    created = _create(va_api, review)
    assert created.status_code == 201, created.json()
    call = created.json()
    assert (call["status"], call["dial_in_href"], call["changes"]) == ("scheduled", "tel:+18005550100,,482913#", [])

    new_time = days_ahead(review.organization, 3, "14:00")
    moved = va_api.post(f"{_calls(review)}{call['id']}/reschedule/", {"starts_at": new_time.isoformat()}, format="json")
    assert moved.status_code == 200, moved.json()
    assert [c["moved_to"] for c in moved.json()["changes"]] == [
        new_time.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    ]

    cancelled = va_api.post(f"{_calls(review)}{call['id']}/cancel/", {"reason": "Written review."}, format="json")
    assert cancelled.status_code == 200
    assert (cancelled.json()["status"], cancelled.json()["cancel_reason"]) == ("cancelled", "Written review.")

    listed = va_api.get(_calls(review))
    assert listed.status_code == 200
    assert [row["id"] for row in listed.json()["results"]] == [call["id"]]
    assert AccessEvent.objects.filter(object_type="authorizations.ReviewCall").exists()


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"starts_at": (timezone.now() - dt.timedelta(hours=1)).isoformat()}, "call_in_past"),
        ({"duration_minutes": 500}, "call_duration"),
        ({"dial_in": ""}, "call_dial_in_required"),
        ({"dial_in": "ask the front desk"}, "call_dial_in_invalid"),
    ],
)
def test_refusals_carry_their_codes(va_api, review, fields, code):
    response = _create(va_api, review, **fields)
    assert response.status_code == 400
    assert response.json()["code"] == code


def test_a_second_call_and_a_cancelled_calls_move_are_refused(va_api, review):
    call = _create(va_api, review).json()
    again = _create(va_api, review, starts_at=days_ahead(review.organization, 4).isoformat())
    assert (again.status_code, again.json()["code"]) == (400, "call_already_scheduled")
    va_api.post(f"{_calls(review)}{call['id']}/cancel/", {"reason": "Moved to writing."}, format="json")
    moved = va_api.post(
        f"{_calls(review)}{call['id']}/reschedule/",
        {"starts_at": days_ahead(review.organization, 4).isoformat()},
        format="json",
    )
    assert (moved.status_code, moved.json()["code"]) == (400, "call_not_scheduled")
    blank = va_api.post(f"{_calls(review)}{call['id']}/cancel/", {"reason": ""}, format="json")
    assert blank.json()["code"] == "call_cancel_reason_required"


def test_a_time_without_offset_is_refused(va_api, review):
    response = _create(va_api, review, starts_at="2030-01-07T10:00:00")
    assert response.status_code == 400 and "starts_at" in response.json()["extra"]["fields"]


def test_another_tenants_review_or_call_is_not_found(va_api, review, summit, summit_client, make_active_episode):
    with tenant_context(summit.id):
        payer = Payer.objects.create(name="Summit payer")
        make_coverage(summit_client, payer)
        foreign = make_review(summit_client.episodes.get(), review_date=summit.local_today() + dt.timedelta(days=3))
        foreign_call = ReviewCall.objects.create(
            review=foreign, starts_at=timezone.now() + dt.timedelta(days=2), dial_in=PHONE
        )
    assert va_api.get(_calls(foreign)).status_code == 404
    assert va_api.get(f"{_calls(foreign)}{foreign_call.pk}/").status_code == 404
    assert _create(va_api, foreign).status_code == 404
    # Nor under one of harbor's own reviews.
    assert va_api.get(f"{_calls(review)}{foreign_call.pk}/").status_code == 404
    cancel = va_api.post(f"{_calls(review)}{foreign_call.pk}/cancel/", {"reason": "x"}, format="json")
    assert cancel.status_code == 404


def test_the_schema_lists_the_calls_under_the_review(db):
    from drf_spectacular.generators import SchemaGenerator

    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    prefix = "/api/v1/o/{org_slug}/reviews/{review_id}/calls/"
    expected = {"": {"get", "post"}, "{id}/": {"get"}, "{id}/reschedule/": {"post"}, "{id}/cancel/": {"post"}}
    for path, methods in expected.items():
        assert set(paths[prefix + path]) == methods, path
