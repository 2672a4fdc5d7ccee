"""Units fixtures: authorizations made directly with the ORM (request, determination, then the
authorization), a bearer-token API client, and a group that met in past weeks and meets ahead."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from authorizations.models import (
    Authorization,
    AuthorizationLine,
    AuthorizationRequest,
    Determination,
    DeterminationAction,
    RequestStatus,
)
from authorizations.units.services import authorization_summary_sync

from ..conftest import make_coverage

_numbers = itertools.count(1)


def make_authorization(
    episode,
    coverage,
    *,
    start: dt.date,
    end: dt.date,
    units: int = 10,
    code: str = "S9480",
    unit_type: str = "per_diem",
    next_review: dt.date | None = None,
    status: str = "active",
    number: str | None = None,
    lines: list[dict] | None = None,
) -> Authorization:
    """An approved request's authorization (the determination first, as the request path does),
    with one line of `code` (or `lines`: dicts of AuthorizationLine fields; the authorization's
    summary columns then kept from them as the approval keeps them)."""
    number = number or f"A-{next(_numbers)}"
    request = AuthorizationRequest.objects.create(
        episode=episode, coverage=coverage, start_date=start, end_date=end, status=RequestStatus.DETERMINED
    )
    determination = Determination.objects.create(
        request=request,
        action=DeterminationAction.CERTIFIED,
        authorization_number=number,
        approved_code=code,
        approved_units=units,
        unit_type=unit_type,
        start_date=start,
        end_date=end,
        next_review_date=next_review,
        decided_at=timezone.now(),
    )
    lines = lines or [dict(code=code, unit_type=unit_type, units_authorized=units, start_date=start, end_date=end)]
    first = lines[0]
    authorization = Authorization.objects.create(
        episode=episode,
        coverage=coverage,
        determination=determination,
        number=number,
        code=first["code"],
        unit_type=first["unit_type"],
        units_authorized=first["units_authorized"],
        start_date=min(line["start_date"] for line in lines),
        end_date=max(line["end_date"] for line in lines),
        next_review_date=next_review,
        status=status,
    )
    for line in lines:
        AuthorizationLine.objects.create(authorization=authorization, determination=determination, **line)
    return authorization_summary_sync(authorization=authorization)


def make_request(episode, coverage, *, status: str, **fields) -> AuthorizationRequest:
    today = episode.organization.local_today()
    return AuthorizationRequest.objects.create(
        episode=episode,
        coverage=coverage,
        status=status,
        start_date=fields.pop("start_date", today),
        end_date=fields.pop("end_date", today + dt.timedelta(days=13)),
        **fields,
    )


@pytest.fixture
def covered_episode(make_active_episode, payer):
    """covered_episode(**plan) -> (episode, coverage): an active client with the payer's coverage."""

    def _make(**kwargs):
        episode = make_active_episode(**kwargs)
        return episode, make_coverage(episode.client, payer)

    return _make


@pytest.fixture
def mwf(make_past_group):
    """Monday, Wednesday and Friday 9:00–12:00, meeting since three weeks ago and ahead."""
    return make_past_group("Process MWF", [(0, "09:00", 180), (2, "09:00", 180), (4, "09:00", 180)], capacity=30)
