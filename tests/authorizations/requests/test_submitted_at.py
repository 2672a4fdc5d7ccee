"""The submission time: a request faxed on Friday and logged on Monday keeps Friday's time, and
the decision clock counts from it under the payer's rule in effect that day — in the services,
the pages (the organization's local time) and the API; never in the future nor before the
request existed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from authorizations.models import AuthorizationRequest, RequestStatus
from authorizations.requests.services.packets import packet_create, packet_mark_ready, packet_submit
from authorizations.requests.services.workflow import request_mark_ready, request_submit
from iop.accounts.services import api_token_create
from iop.common.exceptions import ApplicationError
from iop.tenancy.context import tenant_context

from ...conftest import login
from ...pages import post_refused
from ..conftest import make_rule
from .conftest import complete

pytestmark = pytest.mark.django_db


def _created_days_ago(request, days: int):
    created = timezone.now() - dt.timedelta(days=days)
    AuthorizationRequest.objects.filter(pk=request.pk).update(created_at=created)
    request.refresh_from_db()
    return request


@pytest.fixture
def ready(draft):
    return request_mark_ready(request=_created_days_ago(complete(draft), 10))


def test_a_late_logged_submission_keeps_its_time_and_the_clock_counts_from_it(ready, harbor_intake):
    friday = timezone.now() - dt.timedelta(days=3)
    submitted = request_submit(request=ready, channel="fax", actor=harbor_intake, submitted_at=friday)
    submitted.refresh_from_db()
    assert submitted.status == RequestStatus.SUBMITTED
    assert submitted.submitted_at == friday
    assert submitted.decision_due_at == friday + dt.timedelta(hours=168)


def test_the_clock_follows_the_rule_in_effect_on_the_submission_date(ready, rule, payer, harbor_intake, in_harbor):
    # The request's service starts today; the payer's clock changed today. Submitted three days
    # ago, it runs on the clock of three days ago.
    today = in_harbor.local_today()
    rule.effective_to = today - dt.timedelta(days=1)
    rule.standard_decision_hours = 48
    rule.save()
    make_rule(payer, start=today, standard_decision_hours=360, initial_authorization_days=14)
    assert ready.start_date == today
    submitted_at = in_harbor.local_datetime(today - dt.timedelta(days=3), dt.time(10))
    submitted = request_submit(request=ready, channel="fax", actor=harbor_intake, submitted_at=submitted_at)
    assert submitted.decision_due_at == submitted_at + dt.timedelta(hours=48)


def test_a_submission_time_in_the_future_or_before_the_request_is_refused(ready, harbor_intake):
    cases = {
        timezone.now() + dt.timedelta(hours=1): "The submission time cannot be in the future.",
        ready.created_at - dt.timedelta(days=1): "The submission time cannot be before the request was created",
    }
    for submitted_at, message in cases.items():
        with pytest.raises(ApplicationError) as info:
            request_submit(request=ready, channel="fax", actor=harbor_intake, submitted_at=submitted_at)
        assert list(info.value.extra) == ["submitted_at"]
        assert info.value.extra["submitted_at"][0].startswith(message)
    ready.refresh_from_db()
    assert (ready.status, ready.submitted_at) == (RequestStatus.READY, None)


def test_a_packet_is_submitted_at_the_time_given(couple_world, harbor_intake):
    packet = packet_create(
        couple=couple_world["couple"], coverages=couple_world["coverages"], joint_goals="Talk.", actor=harbor_intake
    )
    for request in packet.requests.all():
        _created_days_ago(complete(request), 5)
    packet_mark_ready(packet=packet)
    friday = timezone.now() - dt.timedelta(days=3)
    submitted = packet_submit(packet=packet, channel="fax", actor=harbor_intake, submitted_at=friday)
    assert {(r.submitted_at, r.decision_due_at) for r in submitted} == {(friday, friday + dt.timedelta(hours=168))}
    with pytest.raises(ApplicationError):
        packet_submit(
            packet=packet, channel="fax", actor=harbor_intake, submitted_at=timezone.now() + dt.timedelta(days=1)
        )


def test_the_submit_page_reads_the_time_in_the_organizations_zone(client, harbor_intake, ready, in_harbor):
    as_intake = login(client, harbor_intake)
    local = timezone.localtime(timezone.now() - dt.timedelta(days=3), in_harbor.tzinfo).replace(second=0, microsecond=0)
    page = as_intake.get(
        reverse("authorizations:request_detail", kwargs={"org_slug": "harbor", "request_id": ready.pk})
    )
    assert 'type="datetime-local"' in page.content.decode()
    response = as_intake.post(
        reverse("authorizations:request_submit", kwargs={"org_slug": "harbor", "request_id": ready.pk}),
        {"submit-channel": "fax", "submit-submitted_at": local.strftime("%Y-%m-%dT%H:%M")},
    )
    assert response.status_code == 302
    ready.refresh_from_db()
    assert ready.submitted_at == local


def test_the_submit_page_shows_a_refused_time_next_to_its_field(client, harbor_intake, ready, in_harbor):
    as_intake = login(client, harbor_intake)
    tomorrow = timezone.localtime(timezone.now() + dt.timedelta(days=1), in_harbor.tzinfo)
    response = post_refused(
        as_intake,
        reverse("authorizations:request_submit", kwargs={"org_slug": "harbor", "request_id": ready.pk}),
        {"submit-channel": "fax", "submit-submitted_at": tomorrow.strftime("%Y-%m-%dT%H:%M")},
        page=reverse("authorizations:request_detail", kwargs={"org_slug": "harbor", "request_id": ready.pk}),
    )
    assert "The submission time cannot be in the future." in response.content.decode()


def test_the_api_takes_the_submission_time(harbor, harbor_intake, ready):
    with tenant_context(harbor.id):
        raw = api_token_create(organization=harbor, user=harbor_intake, name="tests").raw
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    friday = (timezone.now() - dt.timedelta(days=3)).replace(microsecond=0)
    url = f"/api/v1/o/harbor/authorization-requests/{ready.pk}/submit/"
    future = api.post(url, {"channel": "fax", "submitted_at": "2999-01-01T10:00:00Z"}, format="json")
    assert future.status_code == 400 and "submitted_at" in future.json()["extra"]["fields"]
    response = api.post(url, {"channel": "fax", "submitted_at": friday.isoformat()}, format="json")
    assert response.status_code == 200, response.json()
    ready.refresh_from_db()
    assert ready.submitted_at == friday
    assert ready.decision_due_at == friday + dt.timedelta(hours=168)
