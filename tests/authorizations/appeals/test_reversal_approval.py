"""A denial reversed at the peer-to-peer (or on appeal) leaves its request ready for the payer's
approval: recorded through the same determination path, creating the authorization; while the
case is open, or once approved, nothing more is taken."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from authorizations.appeals import services
from authorizations.errors import AuthorizationsErrorCode as Code
from authorizations.models import Authorization
from authorizations.requests.services.determinations import determination_record
from iop.common.exceptions import ApplicationError
from tests.conftest import login

pytestmark = pytest.mark.django_db


def _approve(request, actor):
    return determination_record(
        request=request,
        action="A1",
        authorization_number="AUTH-REV-1",
        approved_code="90853",
        approved_units=6,
        start_date=request.start_date,
        end_date=request.end_date,
        actor=actor,
    )


def _refused(call, *args, **kwargs) -> str:
    with pytest.raises(ApplicationError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == Code.INVALID_STATUS
    return caught.value.message


def test_an_overturned_denial_takes_the_payers_approval_once(case, harbor_intake, client):
    request = case.determination.request
    # While the case is open the request takes nothing more.
    assert "already has its determination" in _refused(_approve, request, harbor_intake)
    p2p = services.p2p_schedule(case=case, scheduled_at=timezone.now() + dt.timedelta(minutes=1), actor=harbor_intake)
    services.p2p_outcome_record(p2p=p2p, status="held", outcome="overturned", actor=harbor_intake)

    login(client, harbor_intake)
    page = client.get(
        reverse("authorizations:request_detail", kwargs={"org_slug": "harbor", "request_id": request.pk})
    ).content.decode()
    assert "Record the payer's answer" in page  # the form is offered again

    # Another denial is not what a reversal waits for.
    with pytest.raises(ApplicationError) as caught:
        determination_record(request=request, action="A3", reason="again", actor=harbor_intake)
    assert "record the payer's approval" in caught.value.message
    approval = _approve(request, harbor_intake)
    authorization = Authorization.objects.get(determination=approval)
    assert (authorization.number, authorization.units_authorized) == ("AUTH-REV-1", 6)
    assert "already has its determination" in _refused(_approve, request, harbor_intake)
