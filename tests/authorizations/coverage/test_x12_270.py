"""The X12 270 eligibility request of a coverage — the service types configured (payer, else the
organization), the dependent loop, the envelope checked independently — and the 271 that answers
it matched by its TRN trace number: linked when it answers this coverage's 270, refused when it
answers another's."""

from __future__ import annotations

import datetime as dt

import pytest

from authorizations.coverage.services.x12_270 import x12_270_download
from authorizations.coverage.services.x12_import import verification_import_271
from authorizations.models import BenefitVerification, InteropMessage
from iop.common.exceptions import ApplicationError

from ...factories import ClientFactory
from ..conftest import make_coverage
from ..x12_helpers import NPI, independent_check, make_interop_settings
from .conftest import SUBSCRIBER, make_person

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 2, 14, 0, tzinfo=dt.UTC)
SAMPLE_TRACE = "HARBOR-270-0001"  # the TRN*2 the sample 271 echoes


@pytest.fixture
def settings_row(in_harbor):
    return make_interop_settings()


def test_a_270_asks_the_organizations_service_types_about_the_subscriber(harbor_coverage, settings_row, harbor_intake):
    message = x12_270_download(coverage=harbor_coverage, actor=harbor_intake, now=NOW)

    [body] = independent_check(message.content, transaction_set="270")
    assert (message.format, message.direction, message.coverage) == ("x12_270_request", "outbound", harbor_coverage)
    assert message.interchange_control_number == "000000001"
    assert [row[3] for row in body if row[0] == "HL"] == ["20", "21", "22"]
    assert ["NM1", "PR", "2", "Blue Harbor PPO", "", "", "", "", "PI", "BHP01"] in body
    assert ["NM1", "1P", "2", "Harbor Virtual IOP", "", "", "", "", "XX", NPI] in body
    assert ["NM1", "IL", "1", "Rivera", "Jordan", "", "", "", "MI", "M123456"] in body
    assert ["TRN", "1", message.trace_number, f"9{NPI[:9]}"] in body
    assert ["DMG", "D8", "19850412"] in body
    assert ["DTP", "291", "D8", "20260302"] in body
    assert [row[1] for row in body if row[0] == "EQ"] == ["30", "MH", "AI", "CB"]


def test_a_payers_own_service_types_win_and_a_dependent_gets_the_2000D_loop(
    child_coverage, settings_row, harbor_intake, payer
):
    payer.eligibility_service_types = ["MH", "A8"]
    payer.save()
    message = x12_270_download(coverage=child_coverage, actor=harbor_intake, now=NOW)

    [body] = independent_check(message.content, transaction_set="270")
    assert [row[3] for row in body if row[0] == "HL"] == ["20", "21", "22", "23"]
    hl_dependent = next(i for i, row in enumerate(body) if row[0] == "HL" and row[3] == "23")
    assert body[hl_dependent + 1] == ["TRN", "1", message.trace_number, f"9{NPI[:9]}"]
    assert ["NM1", "03", "1", "Rivera", "Sam"] in body
    assert ["NM1", "IL", "1", "Rivera", "Jordan", "", "", "", "MI", "M123456"] in body
    assert [row[1] for row in body if row[0] == "EQ"] == ["MH", "A8"]


def test_without_settings_nothing_is_written(harbor_coverage, harbor_intake):
    with pytest.raises(ApplicationError, match="interoperability settings"):
        x12_270_download(coverage=harbor_coverage, actor=harbor_intake, now=NOW)
    assert not InteropMessage.objects.exists()


def test_the_271_answering_our_270_is_linked_to_it(harbor_coverage, settings_row, harbor_intake, benefits_271):
    sent = x12_270_download(coverage=harbor_coverage, actor=harbor_intake, now=NOW)

    verification = verification_import_271(
        coverage=harbor_coverage, raw=benefits_271.replace(SAMPLE_TRACE, sent.trace_number), actor=harbor_intake
    )

    assert verification.eligibility_request == sent
    assert f"Answers the 270 sent as interchange 000000001 (trace {sent.trace_number})." in verification.notes


def test_a_271_without_one_of_our_traces_is_imported_unlinked(
    harbor_coverage, settings_row, harbor_intake, benefits_271
):
    x12_270_download(coverage=harbor_coverage, actor=harbor_intake, now=NOW)
    verification = verification_import_271(coverage=harbor_coverage, raw=benefits_271, actor=harbor_intake)
    assert verification.eligibility_request is None


def test_a_271_answering_the_270_of_another_coverage_is_refused(
    harbor_coverage, settings_row, harbor_intake, benefits_271, in_harbor, payer
):
    other_client = make_person(ClientFactory(organization=in_harbor), {**SUBSCRIBER, "first_name": "Alex"})
    other = make_coverage(other_client, payer, member_id="M999")
    sent = x12_270_download(coverage=other, actor=harbor_intake, now=NOW)

    with pytest.raises(ApplicationError) as refused:
        verification_import_271(
            coverage=harbor_coverage, raw=benefits_271.replace(SAMPLE_TRACE, sent.trace_number), actor=harbor_intake
        )

    assert refused.value.code == "x12_trace_mismatch"
    assert refused.value.extra == {
        "raw_271": [
            f"This 271 answers the 270 sent for another coverage (interchange 000000001, trace {sent.trace_number}), "
            "not this one: nothing was saved. Import it on that coverage."
        ]
    }
    assert not BenefitVerification.objects.exists()
