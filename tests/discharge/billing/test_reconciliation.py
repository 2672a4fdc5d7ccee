"""The reconciliation computed on constructed data (pure), then read from the database: units
authorized vs attended (the unit burn-down's) vs billed vs paid, and each discrepancy with its action."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from discharge.billing.reconciliation import AuthLine, Billed, DiscrepancyKind, reconcile
from discharge.billing.selectors import episode_reconciliation_state, reconciliations_load, unreconciled_episodes
from discharge.models import EpisodeReconciliation
from iop.clients.models import EpisodeStatus

from .conftest import bill

D = dt.date(2026, 11, 2)
LINE = AuthLine(
    id="L1",
    authorization_number="AUTH-1",
    code="S9480",
    unit_type="per_diem",
    start_date=D,
    end_date=D + dt.timedelta(days=13),
    authorized=3,
    attended=3,
)


def billed(n, day, **fields):
    values = dict(
        id=f"B{n}",
        service_date=day,
        code="S9480",
        units=1,
        billed_amount=Decimal("300"),
        paid_amount=Decimal("300"),
        status="paid",
        authorization_number="AUTH-1",
    )
    values.update(fields)
    return Billed(**values)


def kinds(result):
    return sorted(d.kind for d in result.discrepancies)


def test_matching_lines_reconcile_with_nothing_left():
    result = reconcile([LINE], [billed(n, D + dt.timedelta(days=n)) for n in range(3)])

    assert result.discrepancies == []
    row = result.rows[0]
    assert (row.line.authorized, row.line.attended, row.billed, row.paid) == (3, 3, 3, 3)
    assert result.paid_amount == Decimal("900")


def test_units_billed_over_the_authorization():
    result = reconcile([LINE], [billed(n, D + dt.timedelta(days=n)) for n in range(4)])

    assert kinds(result) == [DiscrepancyKind.BILLED_OVER_ATTENDED, DiscrepancyKind.UNITS_OVER_AUTHORIZED]
    over = next(d for d in result.discrepancies if d.kind == DiscrepancyKind.UNITS_OVER_AUTHORIZED)
    assert "4 units billed, 3 authorized (1 over)" in over.message
    assert "retro authorization" in over.action
    assert result.rows[0].billed == 4


def test_a_date_of_service_outside_every_window():
    line = AuthLine(**{**LINE.__dict__, "attended": 1})
    outside = D + dt.timedelta(days=20)
    result = reconcile([line], [billed(0, D), billed(1, outside)])

    assert kinds(result) == [DiscrepancyKind.OUTSIDE_WINDOW]
    found = result.discrepancies[0]
    assert found.billing_line_id == "B1" and "outside every authorization window" in found.message
    assert "CARC 197" in found.action
    assert result.matches == {"B0": "L1", "B1": None}


def test_a_code_not_the_authorized_one():
    line = AuthLine(**{**LINE.__dict__, "attended": 1})
    result = reconcile([line], [billed(0, D), billed(1, D + dt.timedelta(days=1), code="H0015")])

    assert kinds(result) == [DiscrepancyKind.CODE_MISMATCH]
    found = result.discrepancies[0]
    assert "S9480 (AUTH-1)" in found.message and "CARC 15/197" in found.action


def test_denials_by_reason_with_what_to_do():
    line = AuthLine(**{**LINE.__dict__, "attended": 4, "authorized": 4})
    result = reconcile(
        [line],
        [
            billed(0, D, status="denied", paid_amount=Decimal("0"), adjustment_reasons=("197",)),
            billed(1, D + dt.timedelta(days=1), status="denied", paid_amount=Decimal("0"), adjustment_reasons=("50",)),
            billed(2, D + dt.timedelta(days=2), status="denied", paid_amount=Decimal("0"), adjustment_reasons=("15",)),
            billed(3, D + dt.timedelta(days=3), status="denied", paid_amount=Decimal("0"), adjustment_reasons=("96",)),
        ],
    )

    assert result.denials_by_reason() == {"197": 1, "50": 1, "15": 1, "96": 1}
    actions = {d.carc: d.action for d in result.discrepancies}
    assert actions["197"].startswith("Request a retro authorization")
    assert actions["50"].startswith("Appeal medical necessity")
    assert actions["15"].startswith("Rebill with the authorization number")
    assert "CARC" in actions["96"]
    assert result.rows[0].paid == 0


def test_awaiting_payment_missing_number_and_unbilled_attendance():
    line = AuthLine(**{**LINE.__dict__, "attended": 3})
    result = reconcile([line], [billed(0, D, status="billed", paid_amount=None, authorization_number="")])

    assert kinds(result) == [
        DiscrepancyKind.AUTH_NUMBER_MISSING,
        DiscrepancyKind.AWAITING_PAYMENT,
        DiscrepancyKind.NOT_BILLED,
    ]


# --- From the database -----------------------------------------------------------------------------

pytestmark = pytest.mark.django_db


def test_attended_units_come_from_the_burn_down(episode, authorization, billed_in_full):
    result = reconciliations_load([episode.pk], organization=episode.organization)[episode.pk]

    row = result.rows[0]
    assert (row.line.authorized, row.line.attended, row.billed, row.paid) == (10, 3, 3, 3)
    assert result.discrepancies == []
    assert episode_reconciliation_state(episode) == ("open", 0)


def test_discrepancies_on_the_episode(episode, authorization, attended, past_week):
    for day in attended:
        bill(episode, day)
    bill(episode, past_week + dt.timedelta(days=1), code="H0015")  # a code mismatch
    bill(episode, past_week + dt.timedelta(days=20))  # outside the window
    bill(episode, past_week + dt.timedelta(days=3), status="denied", paid="0", adjustment_reasons=["197"])

    result = reconciliations_load([episode.pk], organization=episode.organization)[episode.pk]
    assert kinds(result) == [
        DiscrepancyKind.BILLED_OVER_ATTENDED,
        DiscrepancyKind.CODE_MISMATCH,
        DiscrepancyKind.DENIED,
        DiscrepancyKind.OUTSIDE_WINDOW,
    ]
    assert episode_reconciliation_state(episode) == ("open", 4)


def test_unreconciled_episodes_at_a_constant_query_count(in_harbor, make_active_episode, payer, past_week):
    from ...authorizations.conftest import make_coverage
    from ...authorizations.units.conftest import make_authorization

    def ended(count):
        for _ in range(count):
            episode = make_active_episode()
            coverage = make_coverage(episode.client, payer)
            make_authorization(episode, coverage, start=past_week, end=past_week + dt.timedelta(days=13))
            bill(episode, past_week + dt.timedelta(days=30))
            episode.status = EpisodeStatus.DISCHARGED
            episode.save(update_fields=["status"])

    def measured():
        with CaptureQueriesContext(connection) as queries:
            rows = unreconciled_episodes(organization=in_harbor)
            [row.episode.client.display_name for row in rows]
        return len(rows), len(queries)

    ended(2)
    two, few = measured()
    ended(6)
    eight, many = measured()
    assert (two, eight) == (2, 8)
    assert few == many
    assert all(row.discrepancy_count >= 1 for row in unreconciled_episodes(organization=in_harbor))
    # A closed one leaves the list.
    first = unreconciled_episodes(organization=in_harbor)[0].episode
    EpisodeReconciliation.objects.create(organization=in_harbor, episode=first, status="written_off")
    assert len(unreconciled_episodes(organization=in_harbor)) == 7
