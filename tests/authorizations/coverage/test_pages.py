"""Coverage pages: the client page's insurance panel (latest verification, "Re-verify" when stale,
two queries however many coverages), adding and changing coverage, recording a verification and
importing a 271 — refusals are 422s that change nothing, and another tenant's ids are 404s."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from authorizations.coverage.services.x12_import import verification_import_271
from authorizations.models import BenefitVerification, Coverage, Payer, PayerPlan, PlanType
from iop.audit.models import AccessEvent
from iop.clients.hooks import client_panels
from iop.tenancy.permissions import ROLE_ACTIONS
from tests.factories import ClientFactory
from tests.pages import make_clients

from ..conftest import local_days_ago, make_coverage
from .conftest import MEMBER_ID

pytestmark = pytest.mark.django_db


def url(name: str, org, **kwargs) -> str:
    return reverse(f"authorizations:{name}", kwargs={"org_slug": org.slug, **kwargs})


def client_page(org, client) -> str:
    return reverse("clients:client_detail", kwargs={"org_slug": org.slug, "client_id": client.pk})


def verify(coverage, *, days_ago: int = 0, **fields) -> BenefitVerification:
    return BenefitVerification.objects.create(
        coverage=coverage,
        verified_at=local_days_ago(coverage.organization, days_ago),
        method=fields.pop("method", "portal"),
        **fields,
    )


# --- The client page's panel ---------------------------------------------------------------------------


def test_the_client_page_shows_the_insurance_and_its_latest_verification(
    as_clinician, in_harbor, harbor_coverage, harbor_intake
):
    verify(harbor_coverage, days_ago=3, reference_number="OLD-1")
    verify(
        harbor_coverage,
        days_ago=1,
        method="phone",
        reference_number="CALL-2",
        verified_by=harbor_intake,
        network_status="in",
        mental_health_iop="yes",
        substance_use_iop="no",
        authorization_required="yes",
        deductible=Decimal("1500"),
        deductible_met=Decimal("600"),
        copay=Decimal("30"),
        coinsurance_percent=Decimal("20"),
        visit_limit=30,
    )
    page = as_clinician.get(client_page(in_harbor, harbor_coverage.client)).content.decode()

    assert '<section class="section" id="coverage"' in page and "Insurance</h2>" in page
    assert "Blue Harbor PPO" in page and "Gold PPO" in page and MEMBER_ID in page and "GRP-88412" in page
    assert "CALL-2" in page and "OLD-1" not in page  # the latest verification only
    assert "Phone call" in page and "In network" in page
    assert "$1,500.00, $600.00 met" in page and "$30.00 copay; 20% coinsurance" in page and "30 visits" in page
    assert "Re-verify" not in page
    # A clinician sees the insurance but does not change it.
    assert "Add a coverage" not in page and "Import a 271 file" not in page


def test_a_stale_verification_is_flagged_re_verify(as_intake, in_harbor, harbor_coverage):
    verify(harbor_coverage, days_ago=45)
    page = as_intake.get(client_page(in_harbor, harbor_coverage.client)).content.decode()
    assert '<span class="tag tag--warning">Re-verify</span>' in page
    assert "Verified 45 days ago (more than 30)." in page
    assert "Add a coverage" in page and "Import a 271 file" in page and "Record a verification" in page


def test_a_coverage_without_verification_says_so(as_intake, in_harbor, harbor_coverage):
    page = as_intake.get(client_page(in_harbor, harbor_coverage.client)).content.decode()
    assert "Not verified" in page and "No benefit verification yet." in page


def test_the_panel_costs_two_queries_for_one_coverage_or_three(in_harbor, payer, harbor_client):
    other = ClientFactory(organization=in_harbor)
    one = make_coverage(harbor_client, payer, plan=payer.plans.get())
    verify(one, days_ago=2)
    for priority, start in (
        ("primary", dt.date(2020, 1, 1)),
        ("secondary", dt.date(2020, 1, 1)),
        ("primary", dt.date(2019, 1, 1)),
    ):
        coverage = make_coverage(
            other, payer, start=start, end=None if start.year == 2020 else dt.date(2019, 12, 31), priority=priority
        )
        verify(coverage, days_ago=40)
        verify(coverage, days_ago=2)
    context = {"organization": in_harbor, "can": ROLE_ACTIONS["intake"]}
    # The panel as the client page loads and renders it (registered in authorizations/wiring.py).
    panel = next(p for p in client_panels() if p.key == "authorizations_coverage")

    def render(client) -> str:
        loaded = panel.context_loader(client=client, episode=None, form_state=None, **context)
        return render_to_string(panel.template, {**context, "client": client, "panel": panel, **loaded})

    with CaptureQueriesContext(connection) as single:
        small = render(harbor_client)
    with CaptureQueriesContext(connection) as triple:
        large = render(other)

    assert small.count("Latest benefit verification") == 1 and large.count("Latest benefit verification") == 3
    assert "Ended 31 Dec 2019" in large and "Re-verify" not in large
    assert len(single.captured_queries) == len(triple.captured_queries) == 2


def test_the_client_page_costs_the_same_with_one_or_three_coverages(as_intake, in_harbor, harbor_program, payer):
    one, three = make_clients(in_harbor, harbor_program, 2)
    verify(make_coverage(one, payer), days_ago=1)
    for priority in ("primary", "secondary"):
        verify(make_coverage(three, payer, priority=priority), days_ago=1)
    verify(make_coverage(three, payer, start=dt.date(2018, 1, 1), end=dt.date(2019, 12, 31)), days_ago=1)
    as_intake.get(client_page(in_harbor, one))  # the session's first request loads more

    with CaptureQueriesContext(connection) as single:
        assert as_intake.get(client_page(in_harbor, one)).status_code == 200
    with CaptureQueriesContext(connection) as triple:
        page = as_intake.get(client_page(in_harbor, three))
    assert page.content.decode().count("Latest benefit verification") == 3
    assert len(single.captured_queries) == len(triple.captured_queries)


# --- Coverage pages ------------------------------------------------------------------------------------


def _coverage_data(payer, /, **overrides) -> dict:
    data = {
        "payer": str(payer.pk),
        "plan": str(payer.plans.get().pk),
        "member_id": "M777",
        "group_number": "G-1",
        "subscriber_name": "",
        "subscriber_relationship": "self",
        "subscriber_date_of_birth": "",
        "priority": "primary",
        "effective_from": "2026-01-01",
        "effective_to": "",
    }
    data.update(overrides)
    return data


def test_an_intake_specialist_adds_a_coverage(as_intake, in_harbor, payer, harbor_client):
    assert as_intake.get(url("coverage_add", in_harbor, client_id=harbor_client.pk)).status_code == 200
    response = as_intake.post(url("coverage_add", in_harbor, client_id=harbor_client.pk), _coverage_data(payer))
    assert response.status_code == 302
    assert response["Location"].endswith(f"/clients/{harbor_client.pk}/#coverage")
    coverage = Coverage.objects.get()
    assert (coverage.client, coverage.member_id, coverage.plan.name) == (harbor_client, "M777", "Gold PPO")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"effective_to": "2025-12-31"}, "The coverage cannot end before it starts."),
        ({"member_id": ""}, "This field is required."),
        ({"payer": "not-an-id"}, "Choose one of your payers."),
        ({"effective_from": "1 Jan"}, "Enter a valid date."),
    ],
)
def test_bad_coverage_input_is_refused_with_422_and_nothing_saved(
    as_intake, in_harbor, payer, harbor_client, overrides, message
):
    response = as_intake.post(
        url("coverage_add", in_harbor, client_id=harbor_client.pk), _coverage_data(payer, **overrides)
    )
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Coverage.objects.exists()


def test_a_plan_of_another_payer_is_refused_on_the_page(as_intake, in_harbor, payer, harbor_client):
    other = Payer.objects.create(name="Other Mutual")
    other_plan = PayerPlan.objects.create(payer=other, name="Silver", plan_type=PlanType.HMO)
    response = as_intake.post(
        url("coverage_add", in_harbor, client_id=harbor_client.pk), _coverage_data(payer, plan=str(other_plan.pk))
    )
    assert response.status_code == 422
    assert "Choose a plan of Blue Harbor PPO, or no plan." in response.content.decode()
    assert not Coverage.objects.exists()


def test_a_coverage_is_edited_and_a_refused_edit_changes_nothing(as_intake, in_harbor, payer, harbor_coverage):
    edit = url("coverage_edit", in_harbor, coverage_id=harbor_coverage.pk)
    page = as_intake.get(edit).content.decode()
    assert 'value="M123456"' in page
    data = _coverage_data(payer, member_id=MEMBER_ID, group_number="NEW-GROUP", effective_from="2020-01-01")
    assert as_intake.post(edit, data).status_code == 302
    harbor_coverage.refresh_from_db()
    assert harbor_coverage.group_number == "NEW-GROUP"

    response = as_intake.post(edit, {**data, "group_number": "OTHER", "effective_to": "2019-01-01"})
    assert response.status_code == 422
    harbor_coverage.refresh_from_db()
    assert (harbor_coverage.group_number, harbor_coverage.effective_to) == ("NEW-GROUP", None)


def test_the_coverage_page_lists_every_verification_with_the_raw_271_and_is_audited(
    as_clinician, in_harbor, harbor_coverage
):
    verify(harbor_coverage, days_ago=40, reference_number="FIRST")
    verify(harbor_coverage, days_ago=35, method="electronic", raw_271="ISA*00*RAW-FILE~")
    response = as_clinician.get(url("coverage_detail", in_harbor, coverage_id=harbor_coverage.pk))
    page = response.content.decode()
    assert response.status_code == 200
    assert "FIRST" in page and "ISA*00*RAW-FILE~" in page and "Re-verify" in page
    event = AccessEvent.objects.get(object_type="authorizations.Coverage")
    assert (event.action, event.client_id, event.object_id) == (
        "view",
        harbor_coverage.client_id,
        str(harbor_coverage.pk),
    )


# --- Verification pages ----------------------------------------------------------------------------------


def _verification_data(organization, **overrides) -> dict:
    data = {
        "verified_on": organization.local_today().isoformat(),
        "verified_time": "",
        "method": "portal",
        "reference_number": "PORTAL-9",
        "network_status": "in",
        "mental_health_iop": "yes",
        "substance_use_iop": "unknown",
        "authorization_required": "yes",
        "deductible": "1000",
        "deductible_met": "200",
        "out_of_pocket_max": "",
        "out_of_pocket_met": "",
        "copay": "25",
        "coinsurance_percent": "",
        "visit_limit": "",
        "day_limit": "20",
        "plan_year_start": "2026-01-01",
        "notes": "Spoke with Dana.",
    }
    data.update(overrides)
    return data


def test_a_verification_is_recorded_on_its_page(as_intake, in_harbor, harbor_coverage, harbor_intake):
    page = url("verification_add", in_harbor, coverage_id=harbor_coverage.pk)
    assert as_intake.get(page).status_code == 200
    data = _verification_data(
        in_harbor, verified_on=(in_harbor.local_today() - dt.timedelta(days=2)).isoformat(), verified_time="10:30"
    )
    assert as_intake.post(page, data).status_code == 302
    verification = BenefitVerification.objects.get()
    local = verification.verified_at.astimezone(in_harbor.tzinfo)
    assert (local.date(), local.time()) == (in_harbor.local_today() - dt.timedelta(days=2), dt.time(10, 30))
    assert (verification.verified_by, verification.reference_number, verification.day_limit) == (
        harbor_intake,
        "PORTAL-9",
        20,
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"deductible_met": "2000"}, "The amount met cannot be more than the deductible."),
        ({"verified_on": "2100-01-01"}, "The verification cannot be in the future."),
        ({"coinsurance_percent": "150"}, "Ensure this value is less than or equal to 100."),
        ({"method": "fax"}, "Select a valid choice."),
    ],
)
def test_bad_verification_input_is_refused_with_422_and_nothing_saved(
    as_intake, in_harbor, harbor_coverage, overrides, message
):
    response = as_intake.post(
        url("verification_add", in_harbor, coverage_id=harbor_coverage.pk), _verification_data(in_harbor, **overrides)
    )
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not BenefitVerification.objects.exists()


def _upload(text: str, name: str = "eligibility.x12") -> dict:
    return {"file": SimpleUploadedFile(name, text.encode(), content_type="text/plain")}


def test_a_271_file_is_imported_from_the_page(as_intake, in_harbor, harbor_coverage, benefits_271):
    page = url("verification_import", in_harbor, coverage_id=harbor_coverage.pk)
    assert 'enctype="multipart/form-data"' in as_intake.get(page).content.decode()
    response = as_intake.post(page, _upload(benefits_271), follow=True)
    assert response.status_code == 200
    body = response.content.decode()
    assert "The 271 was imported: mental health IOP covered, substance use IOP covered" in body
    verification = BenefitVerification.objects.get()
    assert (verification.method, verification.raw_271) == ("electronic", benefits_271)
    assert "Electronic (X12 271)" in body and "BH-20260302-58841" in body


class _Tables(HTMLParser):
    """The page's tables by data-testid: each a list of tbodies, each a list of rows of cell texts
    (a <br> inside a cell as " | ")."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list] = {}
        self._table = self._cell = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("data-testid"):
            self._table = self.tables.setdefault(attrs["data-testid"], [])
        elif self._table is not None and tag == "tbody":
            self._table.append([])
        elif self._table is not None and tag == "tr" and self._table:
            self._table[-1].append([])
        elif self._table is not None and tag in ("th", "td") and self._table:
            self._cell = []
        elif self._cell is not None and tag == "br":
            self._cell.append(" | ")

    def handle_endtag(self, tag):
        if tag == "table":
            self._table = None
        elif tag in ("th", "td") and self._cell is not None:
            self._table[-1][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _tables(page: str) -> dict[str, list]:
    parser = _Tables()
    parser.feed(page)
    return parser.tables


def test_the_verification_page_shows_in_and_out_of_network_side_by_side(
    as_clinician, in_harbor, child_coverage, harbor_intake, dependent_271
):
    verification_import_271(coverage=child_coverage, raw=dependent_271, actor=harbor_intake)
    page = as_clinician.get(url("coverage_detail", in_harbor, coverage_id=child_coverage.pk)).content.decode()
    assert "GOLD PPO FAMILY (family coverage)" in page
    assert "Jordan Rivera, born 12 Apr 1985; the client is the subscriber's child" in page
    assert "<caption>Cost sharing, in and out of network</caption>" in page
    assert (
        '<th scope="col">Service types</th><th scope="col">Benefit</th><th scope="col">In network</th>'
        '<th scope="col">Out of network</th></tr>'
    ) in page  # no "Network not stated" column: every cost-sharing row of the file has EB12

    plan_wide, mental_health, substance_use = _tables(page)["cost-sharing"]
    assert plan_wide == [
        [
            "Health benefit plan coverage (30)",
            "Deductible",
            "$1,500.00 (individual, calendar year) | $1,100.00 (individual, remaining) | "
            "$3,000.00 (family, calendar year)",
            "$3,000.00 (individual, calendar year) | $3,000.00 (individual, remaining)",
        ],
        [
            "Out-of-pocket maximum",
            "$5,000.00 (individual, calendar year) | $4,650.00 (individual, remaining)",
            "$10,000.00 (individual, calendar year)",
        ],
    ]
    assert mental_health == [
        [
            "Mental health (MH), Psychiatric — outpatient (A8), Mental health facility — outpatient (CH)",
            "Copay",
            "$25.00 (individual, visit)",
            "$60.00 (individual, visit)",
        ],
        ["Coinsurance", "10% (individual, visit)", "30% (individual, visit)"],
    ]
    assert substance_use == [
        [
            "Substance abuse (AI), Substance abuse facility — outpatient (CJ)",
            "Copay",
            "$25.00 (individual, visit)",
            "—",
        ],
        ["Coinsurance", "—", "30% (individual, visit)"],
    ]

    (others,) = _tables(page)["coverage-and-limits"]
    rows = {(row[0], row[1]): row[2:] for row in others}
    assert rows[("Mental health (MH), Mental health facility — outpatient (CH)", "Limitations (individual)")] == [
        "In network",
        "—",
        "Yes",
        "40 visits, calendar year (1 Jan 2026 to 31 Dec 2026)",
        "—",
    ]
    assert rows[("Mental health facility — outpatient (CH)", "Active coverage (individual)")] == [
        "In network",
        "GOLD PPO FAMILY",
        "Yes",
        "—",
        "INTENSIVE OUTPATIENT PROGRAM REQUIRES PRIOR AUTHORIZATION",
    ]
    assert rows[("Substance abuse (AI), Substance abuse facility — outpatient (CJ)", "Active coverage (individual)")][
        :3
    ] == ["In or out of network", "GOLD PPO FAMILY", "Yes"]
    assert (
        rows[("Substance abuse (AI), Substance abuse facility — outpatient (CJ)", "Limitations (individual)")][3]
        == "38 days, remaining"
    )
    assert rows[("Private duty nursing — home (CB)", "Not covered (individual)")][0] == "Network not stated"


def test_a_dependents_file_is_refused_on_the_subscribers_coverage_page(
    as_intake, in_harbor, harbor_coverage, dependent_271
):
    response = as_intake.post(
        url("verification_import", in_harbor, coverage_id=harbor_coverage.pk), _upload(dependent_271)
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert "This file&#x27;s benefits are about SAM RIVERA (dependent, born 1 Jan 2010)" in body
    assert "The file must be about Jordan Rivera: the subscriber of this coverage" in body
    assert not BenefitVerification.objects.exists()


@pytest.mark.parametrize(
    ("fixture", "name", "message"),
    [
        (
            "malformed_271",
            "eligibility.x12",
            "This file cannot be read as an X12 271: The ISA segment is not the fixed length",
        ),
        (
            "rejected_271",
            "eligibility.edi",
            "The payer rejected the eligibility request: 75 Subscriber/insured not found",
        ),
        ("benefits_271", "eligibility.pdf", "Choose a .txt, .edi, .x12 or .271 file."),
    ],
)
def test_a_refused_271_file_is_a_422_and_nothing_is_saved(
    request, as_intake, in_harbor, harbor_coverage, fixture, name, message
):
    text = request.getfixturevalue(fixture)
    response = as_intake.post(
        url("verification_import", in_harbor, coverage_id=harbor_coverage.pk), _upload(text, name)
    )
    assert response.status_code == 422
    assert message in response.content.decode()
    assert BenefitVerification.objects.count() == 0


def test_a_binary_or_too_large_file_is_refused(as_intake, in_harbor, harbor_coverage):
    page = url("verification_import", in_harbor, coverage_id=harbor_coverage.pk)
    binary = {"file": SimpleUploadedFile("scan.txt", b"%PDF-1.7\xff\xfe\x00", content_type="text/plain")}
    assert "not plain text" in as_intake.post(page, binary).content.decode()
    huge = _upload("ISA" + "x" * (600 * 1024))
    response = as_intake.post(page, huge)
    assert response.status_code == 422 and "larger than 512 KB" in response.content.decode()
    assert not BenefitVerification.objects.exists()


# --- Who may, and whose ----------------------------------------------------------------------------------


def test_a_clinician_cannot_change_coverage(as_clinician, in_harbor, payer, harbor_coverage):
    for name in ("coverage_edit", "verification_add", "verification_import"):
        assert as_clinician.get(url(name, in_harbor, coverage_id=harbor_coverage.pk)).status_code == 403
    response = as_clinician.post(
        url("coverage_add", in_harbor, client_id=harbor_coverage.client_id), _coverage_data(payer)
    )
    assert response.status_code == 403
    assert Coverage.objects.count() == 1


def test_another_tenants_coverage_and_client_are_404(
    as_intake, in_harbor, payer, summit_coverage, summit_client, benefits_271
):
    for name in ("coverage_detail", "coverage_edit", "verification_add", "verification_import"):
        target = url(name, in_harbor, coverage_id=summit_coverage.pk)
        assert as_intake.get(target).status_code == 404
        assert as_intake.post(target, _upload(benefits_271)).status_code == 404
    assert (
        as_intake.post(url("coverage_add", in_harbor, client_id=summit_client.pk), _coverage_data(payer)).status_code
        == 404
    )
    assert not Coverage.objects.exists()
