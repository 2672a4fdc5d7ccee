"""Migration 0005 gives each authorization approved before lines existed one line: its code, unit
type, units and window, linked to the request line of that code (whose units asked for make a
partial approval visible); A2 when the determination was partial. A second run changes nothing."""

from __future__ import annotations

import datetime as dt
import importlib
from decimal import Decimal

import pytest
from django.apps import apps
from django.utils import timezone

from authorizations.models import (
    Authorization,
    AuthorizationLine,
    AuthorizationRequest,
    Determination,
    ReviewRegime,
    ServiceLine,
)
from authorizations.units.selectors import line_difference
from iop.common.dates import date_short

pytestmark = pytest.mark.django_db

backfill = importlib.import_module("authorizations.migrations.0005_authorization_lines_from_authorizations").backfill

DAY = dt.timedelta(days=1)


def _approved_before_lines(episode, coverage, *, start, action, units, end, asked_units, asked_end, code="S9480"):
    """An authorization as the approval wrote it before lines: no line, the code on the row."""
    request = AuthorizationRequest.objects.create(
        episode=episode, coverage=coverage, start_date=start, end_date=asked_end, status="determined"
    )
    ServiceLine.objects.create(
        request=request,
        track="program",
        code_system="hcpcs",
        code=code,
        unit_type="per_diem",
        units=1,
        frequency_per_week=Decimal("5"),
        start_date=start,
        end_date=asked_end,
        estimated_sessions=asked_units,
    )
    determination = Determination.objects.create(
        request=request, action=action, authorization_number=f"OLD-{action}", decided_at=timezone.now()
    )
    return Authorization.objects.create(
        episode=episode,
        coverage=coverage,
        determination=determination,
        number=f"OLD-{action}",
        code=code,
        unit_type="per_diem",
        units_authorized=units,
        start_date=start,
        end_date=end,
    )


def test_each_authorization_without_lines_gets_its_line_with_what_was_asked(in_harbor, covered_episode, past_week):
    episode, coverage = covered_episode()
    whole = _approved_before_lines(
        episode,
        coverage,
        start=past_week,
        action="A1",
        units=10,
        end=past_week + 13 * DAY,
        asked_units=10,
        asked_end=past_week + 13 * DAY,
    )
    partial = _approved_before_lines(
        episode,
        coverage,
        start=past_week + 14 * DAY,
        action="A2",
        units=5,
        end=past_week + 20 * DAY,
        asked_units=10,
        asked_end=past_week + 27 * DAY,
    )

    backfill(apps, None)
    backfill(apps, None)  # a second run changes nothing

    assert AuthorizationLine.objects.count() == 2
    (line,) = whole.lines.all()
    assert (line.code, line.unit_type, line.units_authorized, line.status) == ("S9480", "per_diem", 10, "A1")
    assert (line.start_date, line.end_date, line.determination_id) == (
        whole.start_date,
        whole.end_date,
        whole.determination_id,
    )
    assert line.service_line == whole.determination.request.lines.get()
    assert (line.units_requested, line.requested_end_date, line.is_partial) == (10, whole.end_date, False)

    (cut,) = partial.lines.all()
    assert (cut.status, cut.units_authorized, cut.units_requested) == ("A2", 5, 10)
    assert cut.requested_end_date == past_week + 27 * DAY and cut.is_partial
    end, asked_end = past_week + 20 * DAY, past_week + 27 * DAY
    assert (
        line_difference(cut) == f"5 of 10 days approved; through {date_short(end)} instead of {date_short(asked_end)}"
    )
    # Every organization has its default regime.
    assert ReviewRegime.objects.filter(organization=in_harbor, is_default=True).count() == 1
