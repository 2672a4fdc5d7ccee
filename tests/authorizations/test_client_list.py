"""The client list's authorizations columns (insurance, authorization end, next review) and its
"Verification due" filter (authorizations/client_list.py through iop.clients.hooks): the values
shown, who sees them by default, the "Columns" chooser kept per member, exactly the due clients
kept by the filter, a constant number of queries, and nothing of another organization."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from authorizations.models import BenefitVerification, Payer, VerificationMethod
from iop.clients.errors import ClientsErrorCode
from iop.clients.models import ClientListPreference, EpisodeStatus
from iop.clients.services import client_list_columns_save
from iop.common.dates import date_full
from iop.common.exceptions import ApplicationError
from iop.tenancy.context import tenant_context
from iop.tenancy.models import Membership
from tests.conftest import login
from tests.factories import ClientFactory, EpisodeFactory
from tests.pages import org_url

from .conftest import local_days_ago, make_coverage
from .units.conftest import make_authorization

pytestmark = pytest.mark.django_db

COLUMNS = ("authorizations_insurance", "authorizations_end", "authorizations_review")
# Measured at 19 for 3 clients and for 30: sign-in, tenant and session (8), the member's columns (1),
# the count, the clients and their episodes (3), the access event (1), the filter's programs (1),
# coverages with their latest verification (2), active authorizations (1, shared by two columns),
# the organization switcher and unread count (2). The filter is a subquery of the clients' query.
# None of it grows with the clients.
LIST_WITH_COLUMNS_BUDGET = 20


def _far_plan_year(today: dt.date) -> dt.date:
    """A plan-year start whose anniversary is months away from today: no plan year began lately."""
    far = today + dt.timedelta(days=150)
    return dt.date(2020, far.month, far.day)  # 2020: a leap year holds 29 February


def verify(coverage, *, days_ago: int, plan_year_start: dt.date | None = None) -> BenefitVerification:
    organization = coverage.organization
    return BenefitVerification.objects.create(
        coverage=coverage,
        verified_at=local_days_ago(organization, days_ago),
        method=VerificationMethod.PHONE,
        plan_year_start=plan_year_start or _far_plan_year(organization.local_today()),
    )


def client_in(organization, program, *, last_name: str, status: str = EpisodeStatus.ACTIVE):
    client = ClientFactory(organization=organization, last_name=last_name, first_name="Pat")
    episode = EpisodeFactory(organization=organization, client=client, program=program, status=status)
    return client, episode


def row_cells(body: str, client) -> dict[str, str]:
    """The registered columns' cells of the client's row, as text (tags stripped, spaces collapsed)."""
    row = next(r for r in re.findall(r"<tr>.*?</tr>", body, flags=re.S) if client.sort_name in r)
    cells = re.findall(r'<td data-column="([a-z_]+)">(.*?)</td>', row, flags=re.S)
    return {key: " ".join(re.sub(r"<[^>]+>", " ", html).split()) for key, html in cells}


def listed(body: str) -> set[str]:
    return set(re.findall(r'<th scope="row"><a href="[^"]+">([^<]+)</a>', body))


@pytest.fixture
def world(in_harbor, harbor_program, payer):
    """Harbor's clients, one per case of the filter and the columns."""
    today = in_harbor.local_today()
    made = {}

    fresh, episode = client_in(in_harbor, harbor_program, last_name="Fresh")
    coverage = make_coverage(fresh, payer, member_id="M-FRESH")
    verify(coverage, days_ago=3)
    make_authorization(
        episode,
        coverage,
        start=today - dt.timedelta(days=10),
        end=today + dt.timedelta(days=30),
        next_review=today + dt.timedelta(days=12),
        number="PA-FRESH",
    )
    made["fresh"] = fresh

    old, episode = client_in(in_harbor, harbor_program, last_name="Old")
    coverage = make_coverage(old, payer, member_id="M-OLD")
    verify(coverage, days_ago=40)
    # Two active authorizations (a continuation approved ahead): the end is the later one's, the
    # review the nearer one still ahead.
    make_authorization(
        episode,
        coverage,
        start=today - dt.timedelta(days=20),
        end=today + dt.timedelta(days=5),
        next_review=today + dt.timedelta(days=2),
        number="PA-OLD-1",
    )
    make_authorization(
        episode,
        coverage,
        start=today + dt.timedelta(days=6),
        end=today + dt.timedelta(days=40),
        next_review=today + dt.timedelta(days=25),
        number="PA-OLD-2",
    )
    made["old"] = old

    never, _ = client_in(in_harbor, harbor_program, last_name="Never", status=EpisodeStatus.INTAKE)
    make_coverage(never, payer, member_id="M-NEVER")
    made["never"] = never

    plan_year, _ = client_in(in_harbor, harbor_program, last_name="Planyear", status=EpisodeStatus.REFERRED)
    began = today - dt.timedelta(days=5)
    verify(
        make_coverage(plan_year, payer, member_id="M-PY"),
        days_ago=10,
        plan_year_start=dt.date(2020, began.month, began.day),
    )
    made["plan_year"] = plan_year

    discharged, _ = client_in(in_harbor, harbor_program, last_name="Gone", status=EpisodeStatus.DISCHARGED)
    verify(make_coverage(discharged, payer, member_id="M-GONE"), days_ago=90)
    made["discharged"] = discharged

    switched, _ = client_in(in_harbor, harbor_program, last_name="Switched")
    ended = make_coverage(switched, payer, member_id="M-ENDED", end=today - dt.timedelta(days=1))
    verify(ended, days_ago=120)
    current = make_coverage(switched, payer, member_id="M-NEW", start=today - dt.timedelta(days=1))
    verify(current, days_ago=1)
    made["switched"] = switched

    uninsured, _ = client_in(in_harbor, harbor_program, last_name="Uninsured")
    made["uninsured"] = uninsured
    return made


def test_intake_and_vas_see_insurance_authorization_end_and_next_review_with_their_values(
    client, harbor, harbor_va, harbor_intake, world
):
    today = harbor.local_today()

    for member in (harbor_va, harbor_intake):
        body = login(client, member).get(org_url("client_list", harbor)).content.decode()
        for title in ("Insurance", "Authorization ends", "Next review"):
            assert f">{title}</th>" in body

    fresh = row_cells(body, world["fresh"])
    assert fresh["authorizations_insurance"] == "Blue Harbor PPO Member M-FRESH"
    assert fresh["authorizations_end"] == f"{date_full(today + dt.timedelta(days=30))} 30 days left"
    assert fresh["authorizations_review"] == f"{date_full(today + dt.timedelta(days=12))}"
    old = row_cells(body, world["old"])
    assert old["authorizations_insurance"] == "Blue Harbor PPO Member M-OLD Re-verify"
    assert old["authorizations_end"] == f"{date_full(today + dt.timedelta(days=40))} 40 days left"
    assert old["authorizations_review"] == f"{date_full(today + dt.timedelta(days=2))}"
    never = row_cells(body, world["never"])
    assert never == {
        "authorizations_insurance": "Blue Harbor PPO Member M-NEVER Not verified",
        "authorizations_end": "None active",
        "authorizations_review": "—",
    }
    assert row_cells(body, world["switched"])["authorizations_insurance"] == "Blue Harbor PPO Member M-NEW"
    # Out of care: nobody needs to verify again (as the filter reads it).
    assert row_cells(body, world["discharged"])["authorizations_insurance"] == "Blue Harbor PPO Member M-GONE"
    assert row_cells(body, world["uninsured"])["authorizations_insurance"] == "No coverage in effect"


def test_an_authorization_ending_within_14_days_is_flagged(as_va, harbor, in_harbor, harbor_program, payer):
    today = harbor.local_today()
    ending, episode = client_in(in_harbor, harbor_program, last_name="Ending")
    coverage = make_coverage(ending, payer)
    make_authorization(episode, coverage, start=today - dt.timedelta(days=20), end=today + dt.timedelta(days=1))

    body = as_va.get(org_url("client_list", harbor)).content.decode()

    assert '<span class="tag tag--warning">1 day left</span>' in body


def test_clinicians_see_the_columns_once_they_choose_them_and_the_choice_is_theirs_alone(
    client, harbor, harbor_clinician, harbor_va, world
):
    login(client, harbor_clinician)
    assert "Authorization ends</th>" not in client.get(org_url("client_list", harbor)).content.decode()
    assert 'value="authorizations_insurance"' in client.get(org_url("client_list", harbor)).content.decode()

    response = client.post(org_url("client_columns", harbor), {"columns": ["authorizations_insurance"]}, follow=True)

    body = response.content.decode()
    assert response.redirect_chain == [(org_url("client_list", harbor), 302)]
    assert "The columns were saved." in body
    assert "Insurance</th>" in body and "Authorization ends</th>" not in body
    assert row_cells(body, world["old"]) == {"authorizations_insurance": "Blue Harbor PPO Member M-OLD Re-verify"}
    # Kept: the next visit shows the same; the VA still sees their role's columns.
    assert "Insurance</th>" in client.get(org_url("client_list", harbor)).content.decode()
    va_body = login(client, harbor_va).get(org_url("client_list", harbor)).content.decode()
    assert all(f'data-column="{key}"' in va_body for key in COLUMNS)


def test_a_va_who_hides_every_column_sees_none(as_va, harbor, world):
    as_va.post(org_url("client_columns", harbor), {})

    body = as_va.get(org_url("client_list", harbor)).content.decode()

    assert "data-column=" not in body
    assert "Verification due" in body, "the filter stays"


def test_an_unknown_column_is_refused_and_nothing_is_kept(as_va, harbor, harbor_va, world):
    response = as_va.post(
        org_url("client_columns", harbor), {"columns": ["authorizations_insurance", "ssn"]}, follow=True
    )

    assert "The columns were not saved" in response.content.decode()
    with tenant_context(harbor.id):
        assert not ClientListPreference.objects.exists()
    assert all(f'data-column="{key}"' in response.content.decode() for key in COLUMNS)


def test_choosing_columns_over_htmx_keeps_the_search_in_the_body_and_returns_the_results(as_va, harbor, world):
    url = org_url("client_columns", harbor)

    response = as_va.post(url, {"q": "Planyear", "columns": ["authorizations_end"]}, HTTP_HX_REQUEST="true")

    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert not response.request.get("QUERY_STRING")
    assert listed(body) == {world["plan_year"].sort_name}
    assert "The columns were saved. 1 client found." in body
    assert 'data-column="authorizations_end"' in body and 'data-column="authorizations_insurance"' not in body


def test_the_chooser_posts_the_choice_with_the_search_form_never_in_an_address(as_va, harbor, world):
    body = as_va.get(org_url("client_list", harbor)).content.decode()

    chooser = body.split('class="disclosure columns-chooser"')[1].split("</details>")[0]
    assert 'method="post"' in chooser and 'hx-include="#client-filter"' in chooser
    assert "?" not in re.search(r'action="([^"]+)"', chooser).group(1)


def test_verification_due_keeps_exactly_the_clients_in_care_whose_insurance_needs_verifying(
    as_va, harbor, world, summit, summit_program
):
    with tenant_context(summit.id):
        summit_payer = Payer.objects.create(name="Prairie Health", payer_id="PH01")
        elsewhere, _ = client_in(summit, summit_program, last_name="Elsewhere")
        verify(make_coverage(elsewhere, summit_payer), days_ago=60)

    body = as_va.post(org_url("client_list", harbor), {"verification_due": "on"}).content.decode()

    assert listed(body) == {world[key].sort_name for key in ("old", "never", "plan_year")}
    assert "3 clients" in body
    # Combined with the other filters and the search.
    by_status = as_va.post(org_url("client_list", harbor), {"verification_due": "on", "status": "active"})
    assert listed(by_status.content.decode()) == {world["old"].sort_name}
    searched = as_va.post(org_url("client_list", harbor), {"verification_due": "on", "q": "Never"})
    assert listed(searched.content.decode()) == {world["never"].sort_name}
    # Not ticked: everyone.
    assert len(listed(as_va.post(org_url("client_list", harbor), {}).content.decode())) == 7


def _list_queries(client, url, data=None) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(url, data) if data is not None else client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def test_the_list_with_its_columns_and_the_filter_costs_the_same_at_3_and_30_clients(
    as_va, harbor, in_harbor, harbor_program, payer
):
    today = harbor.local_today()
    url = org_url("client_list", harbor)

    def add(count: int) -> None:
        for _ in range(count):
            client, episode = client_in(in_harbor, harbor_program, last_name="Row")
            coverage = make_coverage(client, payer)
            verify(coverage, days_ago=45)
            make_authorization(
                episode,
                coverage,
                start=today,
                end=today + dt.timedelta(days=20),
                next_review=today + dt.timedelta(days=9),
            )

    add(3)
    as_va.get(url)  # the session's first request creates its bookkeeping rows
    few, few_body = _list_queries(as_va, url)
    few_due, _ = _list_queries(as_va, url, {"verification_due": "on"})
    add(27)
    many, many_body = _list_queries(as_va, url)
    many_due, many_due_body = _list_queries(as_va, url, {"verification_due": "on"})

    print(f"client list with columns: {few} / {many} queries; with the filter: {few_due} / {many_due}")
    assert few == many <= LIST_WITH_COLUMNS_BUDGET
    assert few_due == many_due <= LIST_WITH_COLUMNS_BUDGET
    assert few_body.count("Re-verify") == 3 and many_body.count("Re-verify") == 25  # a page of 25
    assert "30 clients" in many_due_body


def test_another_organizations_member_cannot_choose_columns_here(client, harbor, summit_va):
    login(client, summit_va)

    response = client.post(org_url("client_columns", harbor), {"columns": ["authorizations_insurance"]})

    assert response.status_code == 404
    with tenant_context(harbor.id):
        assert not ClientListPreference.objects.exists()


def test_a_get_of_the_chooser_goes_to_the_list(as_va, harbor):
    response = as_va.get(org_url("client_columns", harbor))

    assert response.status_code == 302 and response["Location"] == org_url("client_list", harbor)


def test_the_service_keeps_columns_in_the_lists_order_and_refuses_one_nobody_registered(harbor, harbor_va):
    with tenant_context(harbor.id):
        membership = Membership.objects.get(user=harbor_va)
        with pytest.raises(ApplicationError) as refused:
            client_list_columns_save(membership=membership, columns=["authorizations_insurance", "ssn"])
        assert refused.value.code == ClientsErrorCode.UNKNOWN_LIST_COLUMN
        assert not ClientListPreference.objects.exists()

        kept = client_list_columns_save(
            membership=membership, columns=["authorizations_review", "authorizations_insurance"]
        )
        again = client_list_columns_save(membership=membership, columns=["authorizations_end"])

        assert kept.columns == ["authorizations_insurance", "authorizations_review"]
        assert ClientListPreference.objects.get().columns == again.columns == ["authorizations_end"]
