"""X12 835 remittance import on a constructed 835: each service line (SVC, its DTM*472 date, CAS
reasons, the claim's REF*G1 and member id) becomes a billing line matched by member id and date;
another member's claim is reported; the same file again writes nothing; a file that is not an 835
is refused with nothing written."""

from __future__ import annotations

import pytest

from discharge.billing import services
from discharge.billing.selectors import reconciliations_load
from discharge.billing.x12_835 import remittance_rows
from discharge.errors import DischargeErrorCode
from discharge.models import BillingImport, BillingLine
from iop.common.exceptions import ApplicationError

pytestmark = pytest.mark.django_db

ISA = "ISA*00*          *00*          *ZZ*ACMEHEALTH     *ZZ*HARBORIOP      *261201*1200*^*00501*000000001*0*P*:~"


def remittance(days) -> str:
    d0, d1, d2 = (f"{d:%Y%m%d}" for d in days)
    segments = [
        "GS*HP*ACMEHEALTH*HARBORIOP*20261201*1200*1*X*005010X221A1",
        "ST*835*0001",
        "BPR*I*600*C*ACH",
        "TRN*1*12345*1",
        "N1*PR*ACME HEALTH",
        "LX*1",
        "CLP*C-100*1*900*600**12*PCN1",
        "NM1*QC*1*DOE*JANE****MI*M123456",
        "REF*G1*AUTH-77",
        "SVC*HC:S9480*300*300**1",
        f"DTM*472*{d0}",
        "SVC*HC:S9480*300*300**1",
        f"DTM*472*{d1}",
        "SVC*HC:S9480*300*0**1",
        f"DTM*472*{d2}",
        "CAS*CO*197*300",
        "CLP*C-200*4*300*0**12*PCN2",
        "NM1*QC*1*ROE*RAY****MI*X999999",
        "SVC*HC:S9480*300*0**1",
        f"DTM*472*{d0}",
        "CAS*CO*50*300",
        "SE*21*0001",
        "GE*1*1",
        "IEA*1*000000001",
    ]
    return ISA + "\n" + "~\n".join(segments) + "~\n"


def test_the_reader_gives_one_row_per_service_line(past_week):
    days = [past_week, past_week, past_week]
    rows = remittance_rows(remittance(days))

    assert len(rows) == 4
    _, denied = rows[2]
    assert (denied["code"], denied["carc"], denied["authorization_number"], denied["paid_amount"]) == (
        "S9480",
        "197",
        "AUTH-77",
        "0",
    )
    assert rows[3][1]["status"] == "denied" and rows[3][1]["member_id"] == "X999999"


def test_an_835_imports_matches_reports_and_is_idempotent(in_harbor, harbor_va, episode, attended):
    content = remittance(attended).encode()

    result = services.billing_file_import(organization=in_harbor, content=content, file_name="era.835", actor=harbor_va)

    assert result.created == 3
    assert [why for _, _, why in result.unmatched] == ["no client has a coverage with that member id"]
    lines = list(BillingLine.objects.order_by("service_date"))
    assert [line.status for line in lines] == ["paid", "paid", "denied"]
    assert lines[2].adjustment_reasons == ["197"] and {line.claim_number for line in lines} == {"C-100"}
    assert BillingImport.objects.get().source == "x12_835"
    found = reconciliations_load([episode.pk], organization=in_harbor)[episode.pk]
    assert found.denials_by_reason() == {"197": 1}

    again = services.billing_file_import(organization=in_harbor, content=content, file_name="era.835", actor=harbor_va)
    assert again.already_imported and BillingLine.objects.count() == 3


@pytest.mark.parametrize(
    "text",
    [
        "ISA*00*short~",
        ISA + "\nGS*HC*A*B*20261201*1200*1*X*005010X222A1~ST*837*0001~SE*2*0001~",
    ],
)
def test_a_file_that_is_not_an_835_is_refused_with_nothing_written(in_harbor, harbor_va, episode, text):
    with pytest.raises(ApplicationError) as refused:
        services.billing_file_import(organization=in_harbor, content=text.encode(), file_name="x", actor=harbor_va)

    assert refused.value.code == DischargeErrorCode.BILLING_FILE_INVALID
    assert BillingImport.objects.count() == 0 and BillingLine.objects.count() == 0


def test_a_service_line_without_a_readable_date_refuses_the_file(in_harbor, harbor_va, episode, attended):
    content = remittance(attended).replace(f"DTM*472*{attended[1]:%Y%m%d}", "DTM*472*2026XX01").encode()

    with pytest.raises(ApplicationError) as refused:
        services.billing_file_import(organization=in_harbor, content=content, file_name="x", actor=harbor_va)

    assert refused.value.code == DischargeErrorCode.BILLING_ROWS_INVALID and "segment 13" in refused.value.message
    assert BillingImport.objects.count() == 0 and BillingLine.objects.count() == 0
