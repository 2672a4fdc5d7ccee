"""The audit trail page: org admins only, filtered by client, user and dates (ids, never names)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from iop.audit.models import AccessEvent
from iop.tenancy.context import tenant_context
from tests.conftest import login
from tests.factories import ClientFactory
from tests.pages import make_clients, org_url

pytestmark = pytest.mark.django_db


def record(organization, *, actor, client=None, when=None, action="view", object_ids=()):
    with tenant_context(organization.id):
        return AccessEvent.objects.create(
            organization=organization,
            actor=actor,
            membership_role="va",
            action=action,
            object_type="clients.Client",
            object_id=str(client.pk) if client else "",
            client_id=client.pk if client else None,
            object_ids=[str(i) for i in object_ids],
            occurred_at=when or timezone.now(),
        )


@pytest.fixture
def two_clients(harbor):
    with tenant_context(harbor.id):
        return (
            ClientFactory(organization=harbor, first_name="Ada", last_name="Quill"),
            ClientFactory(organization=harbor, first_name="Bo", last_name="Reyes"),
        )


def rows(body: str) -> int:
    return body.split("<tbody>")[1].count("<tr>") if "<tbody>" in body else 0


def test_filter_by_client_includes_list_pages_that_showed_them(as_admin, harbor, harbor_va, two_clients):
    ada, bo = two_clients
    record(harbor, actor=harbor_va, client=ada)
    record(harbor, actor=harbor_va, client=bo)
    record(harbor, actor=harbor_va, action="list", object_ids=[ada.pk, bo.pk])

    body = as_admin.get(org_url("audit_trail", harbor), {"client": str(ada.pk)}).content.decode()

    assert rows(body) == 2
    assert "Ada Quill" in body.split("<tbody>")[1]
    assert "Bo Reyes" not in body.split("<tbody>")[1]


def test_filter_by_user(as_admin, harbor, harbor_va, harbor_clinician, two_clients):
    ada, _ = two_clients
    record(harbor, actor=harbor_va, client=ada)
    record(harbor, actor=harbor_clinician, client=ada)
    record(harbor, actor=harbor_clinician, client=ada)

    body = as_admin.get(org_url("audit_trail", harbor), {"user": str(harbor_clinician.pk)}).content.decode()

    assert rows(body) == 2
    assert harbor_va.full_name not in body.split("<tbody>")[1]


def test_filter_by_date_range_in_the_organizations_time_zone(as_admin, harbor, harbor_va, two_clients):
    ada, _ = two_clients
    tz = harbor.tzinfo
    record(harbor, actor=harbor_va, client=ada, when=dt.datetime(2026, 3, 1, 23, 30, tzinfo=tz))
    record(harbor, actor=harbor_va, client=ada, when=dt.datetime(2026, 3, 2, 0, 30, tzinfo=tz))
    record(harbor, actor=harbor_va, client=ada, when=dt.datetime(2026, 3, 4, 12, 0, tzinfo=tz))

    body = as_admin.get(
        org_url("audit_trail", harbor), {"date_from": "2026-03-02", "date_to": "2026-03-03"}
    ).content.decode()

    assert rows(body) == 1
    assert "2 Mar 2026, 00:30:00" in body


def test_reversed_date_range_is_a_clear_error(as_admin, harbor):
    response = as_admin.get(org_url("audit_trail", harbor), {"date_from": "2026-03-05", "date_to": "2026-03-01"})

    assert response.status_code == 422
    assert "The end date must be on or after the start date." in response.content.decode()


def test_filters_in_the_url_are_ids_and_dates_only(as_admin, harbor, harbor_va, two_clients):
    ada, _ = two_clients
    for _ in range(60):
        record(harbor, actor=harbor_va, client=ada)

    body = as_admin.get(org_url("audit_trail", harbor), {"client": str(ada.pk)}).content.decode()

    next_link = body.split('class="pagination"')[1].split('href="')[1].split('"')[0]
    assert next_link == f"?client={ada.pk}&amp;page=2"


def test_a_client_of_another_organization_is_not_a_valid_filter(as_admin, harbor, summit_client):
    response = as_admin.get(org_url("audit_trail", harbor), {"client": str(summit_client.pk)})

    assert response.status_code == 422
    assert "Choose one of your organization&#x27;s clients." in response.content.decode()


def test_reading_the_trail_is_audited_too(as_admin, harbor, harbor_va, two_clients):
    ada, _ = two_clients
    record(harbor, actor=harbor_va, client=ada)

    as_admin.get(org_url("audit_trail", harbor))

    with tenant_context(harbor.id):
        event = AccessEvent.objects.filter(object_type="audit.AccessEvent").get()
    assert event.object_ids == [str(ada.pk)]


def test_non_admins_get_403(client, harbor, harbor_va, harbor_clinician):
    for user in (harbor_va, harbor_clinician):
        login(client, user)
        assert client.get(org_url("audit_trail", harbor)).status_code == 403


def test_audit_trail_costs_the_same_number_of_queries_whatever_its_length(as_admin, harbor, harbor_va, harbor_program):
    clients = make_clients(harbor, harbor_program, 30)
    url = org_url("audit_trail", harbor)
    for client in clients[:5]:
        record(harbor, actor=harbor_va, client=client)
    as_admin.get(url)

    with CaptureQueriesContext(connection) as few:
        as_admin.get(url)
    for client in clients:
        record(harbor, actor=harbor_va, client=client)
        record(harbor, actor=harbor_va, action="list", object_ids=[c.pk for c in clients])
    with CaptureQueriesContext(connection) as many:
        as_admin.get(url)

    assert len(few.captured_queries) == len(many.captured_queries)
