"""Session counts and projected cost on constructed data: per-session and per-diem lines count
`ceil(frequency × days / 7)` occurrences, evaluations and instruments too over more than a week
(else once); the rate is the payer's fee in effect on the line's start; a code without a fee is
"no fee on file"."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from authorizations.models import ServiceLine, UnitType
from authorizations.requests.selectors import request_check, request_totals
from authorizations.requests.services.drafting import request_create, request_update
from authorizations.requests.services.lines import estimated_sessions_for, line_add, line_update, projected_cost_for
from authorizations.templatetags.request_tags import money

from .conftest import add_fees

pytestmark = pytest.mark.django_db

D = Decimal
JAN = dt.date(2026, 1, 5)


@pytest.mark.parametrize(
    ("unit_type", "frequency", "days", "expected"),
    [
        (UnitType.PER_SESSION, "3", 14, 6),  # three a week for two weeks
        (UnitType.PER_SESSION, "2.5", 10, 4),  # 3.57 rounds up
        (UnitType.PER_DIEM, "5", 7, 5),
        (UnitType.PER_SESSION, "0.5", 14, 1),  # every other week
        (UnitType.PER_SESSION, "1", 1, 1),  # a one-day window still holds one session
        (UnitType.PER_15_MIN, "2", 21, 6),
        # Evaluations and instruments: as often as entered when the line spans more than a week,
        # else once (the intake assessment's one day).
        (UnitType.PER_EVALUATION, "3", 28, 12),
        (UnitType.PER_INSTRUMENT, "1", 14, 2),
        (UnitType.PER_INSTRUMENT, "1", 28, 4),
        (UnitType.PER_EVALUATION, "1", 1, 1),
        (UnitType.PER_INSTRUMENT, "2", 7, 1),  # one week: once
        (UnitType.PER_INSTRUMENT, "0", 28, 1),  # no frequency: once
    ],
)
def test_estimated_sessions(unit_type, frequency, days, expected):
    end = JAN + dt.timedelta(days=days - 1)
    assert estimated_sessions_for(unit_type=unit_type, frequency_per_week=D(frequency), start=JAN, end=end) == expected


def test_projected_cost_is_sessions_times_units_times_rate():
    assert projected_cost_for(sessions=6, units=1, unit_rate=D("75.00")) == D("450.00")
    assert projected_cost_for(sessions=6, units=4, unit_rate=D("18.33")) == D("439.92")
    assert projected_cost_for(sessions=6, units=1, unit_rate=None) is None
    assert money(None) == "no fee on file"
    assert money(D("1234.5")) == "$1,234.50"


def test_a_drafted_request_projects_each_line_and_the_total(draft):
    lines = {line.code: line for line in draft.lines.all()}
    group, individual, assessment = lines["90853"], lines["90834"], lines["90791"]
    # 14 days (the rule's initial authorization), the plan's 3 days a week: 6 group sessions at $75.
    assert (group.estimated_sessions, group.units, group.unit_rate, group.projected_cost) == (
        6,
        1,
        D("75.00"),
        D("450.00"),
    )
    assert (individual.estimated_sessions, individual.projected_cost) == (2, D("220.00"))
    assert (assessment.estimated_sessions, assessment.projected_cost) == (1, D("180.00"))
    totals = request_totals(list(draft.lines.all()))
    assert (totals.sessions, totals.projected_cost, totals.lines_without_fee) == (9, D("850.00"), 0)


def test_the_fee_in_effect_on_the_line_start_applies(in_harbor, payer, episode, coverage, rule, harbor_intake):
    add_fees(payer, {"90853": "70.00"}, start=dt.date(2020, 1, 1), end=JAN - dt.timedelta(days=1))
    add_fees(payer, {"90853": "80.00"}, start=JAN)
    before = request_create(
        episode=episode, coverage=coverage, actor=harbor_intake, start_date=JAN - dt.timedelta(days=14)
    )
    after = request_create(episode=episode, coverage=coverage, actor=harbor_intake, start_date=JAN)
    assert before.lines.get(code="90853").unit_rate == D("70.00")
    assert after.lines.get(code="90853").projected_cost == D("480.00")


def test_a_code_without_a_fee_is_left_out_of_the_total_and_said_so(
    in_harbor, payer, episode, coverage, rule, harbor_intake
):
    add_fees(payer, {"90853": "75.00"})
    request = request_create(episode=episode, coverage=coverage, actor=harbor_intake, start_date=JAN)
    individual = request.lines.get(code="90834")
    assert individual.unit_rate is None and individual.projected_cost is None
    totals = request_totals(list(request.lines.all()))
    assert (totals.projected_cost, totals.lines_without_fee) == (D("450.00"), 2)
    warnings = request_check(request=request).warnings
    assert "No Blue Harbor PPO fee on file for 90834: its cost is not projected." in warnings


def test_changing_a_line_recomputes_its_sessions_and_cost(draft):
    line = draft.lines.get(code="90853")
    line_update(line=line, data={"units": 2, "frequency_per_week": D("4")})
    line.refresh_from_db()
    assert (line.estimated_sessions, line.projected_cost) == (8, D("1200.00"))
    added = line_add(request=draft, code="96127", units=3, frequency_per_week=D("1"))
    assert (added.unit_type, added.estimated_sessions, added.projected_cost) == (UnitType.PER_INSTRUMENT, 1, None)
    assert added.start_date == added.end_date == draft.start_date
    assert ServiceLine.objects.filter(request=draft).count() == 4


def test_an_instrument_repeated_weekly_projects_every_occurrence(draft):
    # 96127 (per instrument), 2 units once a week for 4 weeks: 4 occurrences, 8 units.
    four_weeks = draft.start_date + dt.timedelta(days=27)
    draft = request_update(request=draft, data={"end_date": four_weeks})
    added = line_add(
        request=draft,
        code="96127",
        units=2,
        frequency_per_week=D("1"),
        start_date=draft.start_date,
        end_date=four_weeks,
    )
    assert (added.unit_type, added.estimated_sessions) == (UnitType.PER_INSTRUMENT, 4)
    assert request_totals([added]).units == 8
    # The intake assessment (90791, its one day) stays at one.
    assert draft.lines.get(code="90791").estimated_sessions == 1
