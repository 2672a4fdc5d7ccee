"""CSV import (matched by member id and date, or an explicit episode id; idempotent; unmatched rows
reported; bad files refused with nothing written), entry by hand, and the close-out: refused while
discrepancies remain (naming them), reconciled when none, written off with a reason (audited)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from discharge.billing import services
from discharge.billing.selectors import billing_closed, episode_reconciliation_state
from discharge.errors import DischargeErrorCode
from discharge.models import BillingImport, BillingLine, EpisodeReconciliation
from iop.common.exceptions import ApplicationError
from iop.tenancy.models import Membership

from .conftest import bill

pytestmark = pytest.mark.django_db

HEADER = "member_id,service_date,code,units,billed_amount,paid_amount,status,carc,authorization_number,claim_number\n"


def csv_of(rows: list[str]) -> bytes:
    return (HEADER + "\n".join(rows) + "\n").encode()


def rows_for(days, *, paid="300.00", status="paid"):
    return [f"M123456,{d:%Y-%m-%d},S9480,1,300.00,{paid},{status},,AUTH-77,C-{d:%m%d}" for d in days]


def membership(user, organization):
    return Membership.objects.get(user=user, organization=organization)


def test_import_matches_by_member_and_date_reports_the_rest_and_keeps_the_file(
    in_harbor, harbor_va, episode, attended, past_week
):
    content = csv_of(
        rows_for(attended)
        + [
            f"X999999,{attended[0]:%Y-%m-%d},S9480,1,300.00,,,,,",  # an unknown member
            f"M123456,{past_week - dt.timedelta(days=30):%Y-%m-%d},S9480,1,300.00,,,,,",  # before the episode
        ]
    )

    result = services.billing_csv_import(organization=in_harbor, content=content, file_name="nov.csv", actor=harbor_va)

    assert (result.created, result.updated) == (3, 0)
    assert [(n, why) for n, _, why in result.unmatched] == [
        (5, "no client has a coverage with that member id"),
        (6, "no episode of that member holds the date"),
    ]
    assert BillingLine.objects.filter(episode=episode).count() == 3
    imported = BillingImport.objects.get()
    assert imported.raw == content.decode() and imported.line_count == 3
    # Each line is tied to the authorization line that covers it.
    assert all(line.authorization_line_id for line in BillingLine.objects.all())
    assert episode_reconciliation_state(episode) == ("open", 0)


def test_a_second_import_never_duplicates(in_harbor, harbor_va, episode, attended):
    content = csv_of(rows_for(attended, paid="", status="billed"))
    services.billing_csv_import(organization=in_harbor, content=content, file_name="a.csv", actor=harbor_va)

    again = services.billing_csv_import(organization=in_harbor, content=content, file_name="a.csv", actor=harbor_va)
    assert again.already_imported and again.created == 0
    assert BillingImport.objects.count() == 1

    # The remittance comes in a later file: the same lines are updated, not added again.
    remit = services.billing_csv_import(
        organization=in_harbor, content=csv_of(rows_for(attended)), file_name="remit.csv", actor=harbor_va
    )
    assert (remit.created, remit.updated) == (0, 3)
    assert BillingLine.objects.count() == 3
    assert set(BillingLine.objects.values_list("status", flat=True)) == {"paid"}


def test_an_explicit_episode_id_matches(in_harbor, harbor_va, episode, attended):
    content = (
        "episode_id,service_date,code,units,billed_amount,carc\n"
        f"{episode.pk},{attended[0]:%Y-%m-%d},S9480,1,300.00,CO-197\n"
    ).encode()

    result = services.billing_csv_import(organization=in_harbor, content=content, file_name="e.csv", actor=harbor_va)

    line = BillingLine.objects.get()
    assert result.created == 1 and line.episode == episode
    assert (line.status, line.adjustment_reasons) == ("denied", ["197"])


@pytest.mark.parametrize(
    ("content", "code", "says"),
    [
        (b"", DischargeErrorCode.BILLING_FILE_INVALID, "empty"),
        (b"\xff\xfe\x00b\x00a", DischargeErrorCode.BILLING_FILE_INVALID, "UTF-8"),
        (b"member_id,date,code\nM1,2026-01-01,S9480\n", DischargeErrorCode.BILLING_FILE_INVALID, "service_date"),
        (HEADER.encode(), DischargeErrorCode.BILLING_FILE_INVALID, "no rows"),
        (
            csv_of(["M123456,2026-13-45,S9480,1,300.00,,,,,", "M123456,2026-01-02,S9480,two,300.00,,,,,"]),
            DischargeErrorCode.BILLING_ROWS_INVALID,
            "line 2: “2026-13-45” is not a date",
        ),
        (b"a" * (services.MAX_FILE_BYTES + 1), DischargeErrorCode.BILLING_FILE_INVALID, "larger than 2 MB"),
    ],
)
def test_a_bad_file_is_refused_with_nothing_written(in_harbor, harbor_va, episode, content, code, says):
    with pytest.raises(ApplicationError) as refused:
        services.billing_csv_import(organization=in_harbor, content=content, file_name="bad.csv", actor=harbor_va)

    assert refused.value.code == code and says in refused.value.message
    assert BillingImport.objects.count() == 0 and BillingLine.objects.count() == 0


def test_a_line_entered_by_hand(in_harbor, harbor_va, episode, authorization, past_week):
    line = services.billing_line_create(
        episode=episode,
        data={"service_date": past_week.isoformat(), "code": "s9480", "units": "1", "billed_amount": "300"},
        actor=harbor_va,
    )
    assert (line.code, line.status, line.authorization_line.authorization.number) == ("S9480", "billed", "AUTH-77")

    with pytest.raises(ApplicationError) as refused:
        services.billing_line_create(
            episode=episode,
            data={"service_date": past_week.isoformat(), "code": "S9480", "units": "0", "billed_amount": "300"},
            actor=harbor_va,
        )
    assert refused.value.code == DischargeErrorCode.BILLING_LINE_INVALID


def test_close_is_refused_while_discrepancies_remain_naming_them(
    in_harbor, harbor_va, episode, billed_in_full, past_week
):
    bill(episode, past_week + dt.timedelta(days=1), code="H0015")

    with pytest.raises(ApplicationError) as refused:
        services.reconciliation_close(episode=episode, actor=harbor_va, membership=membership(harbor_va, in_harbor))

    assert refused.value.code == DischargeErrorCode.DISCREPANCIES_REMAIN
    assert "1 discrepancy remains" in refused.value.message and "H0015" in refused.value.message
    assert not billing_closed(episode)
    assert episode_reconciliation_state(episode) == ("open", 1)


def test_close_as_reconciled_when_nothing_is_left(in_harbor, harbor_va, episode, billed_in_full):
    record = services.reconciliation_close(
        episode=episode, actor=harbor_va, membership=membership(harbor_va, in_harbor)
    )

    assert record.status == "reconciled" and record.closed_by == harbor_va
    assert billing_closed(episode)
    assert episode_reconciliation_state(episode) == ("reconciled", 0)
    # Closed billing no longer changes.
    with pytest.raises(ApplicationError) as refused:
        services.billing_line_create(
            episode=episode,
            data={
                "service_date": billed_in_full[0].service_date.isoformat(),
                "code": "S9480",
                "units": "1",
                "billed_amount": "1",
            },
            actor=harbor_va,
        )
    assert refused.value.code == DischargeErrorCode.RECONCILIATION_CLOSED


def test_write_off_takes_a_reason_and_the_billing_role_and_is_audited(
    in_harbor, harbor_va, harbor_clinician, episode, attended, past_week
):
    bill(episode, past_week + dt.timedelta(days=20))  # outside the window: a discrepancy

    with pytest.raises(ApplicationError) as refused:
        services.reconciliation_write_off(
            episode=episode, actor=harbor_va, membership=membership(harbor_va, in_harbor), reason=" ", amount="10"
        )
    assert refused.value.code == DischargeErrorCode.WRITE_OFF_REASON_REQUIRED
    with pytest.raises(ApplicationError) as refused:
        services.reconciliation_write_off(
            episode=episode,
            actor=harbor_clinician,
            membership=membership(harbor_clinician, in_harbor),
            reason="Timely filing passed",
            amount="300",
        )
    assert refused.value.code == DischargeErrorCode.BILLING_NOT_ALLOWED

    record = services.reconciliation_write_off(
        episode=episode,
        actor=harbor_va,
        membership=membership(harbor_va, in_harbor),
        reason="Retro authorization refused; timely filing passed",
        amount="300",
    )

    assert (record.status, record.write_off_amount) == ("written_off", Decimal("300.00"))
    event = (
        EpisodeReconciliation.pgh_event_model.objects.filter(pgh_obj_id=record.pk, status="written_off")
        .select_related("pgh_context")
        .get()
    )
    assert event.write_off_reason.startswith("Retro authorization refused")
    metadata = event.pgh_context.metadata
    assert metadata["billing_closed_by"] == str(harbor_va.pk)
    assert "outside_window" in metadata["billing_discrepancies_left"]
    assert episode_reconciliation_state(episode)[0] == "written_off"
