"""Couples from the client page: two clients of the same organization, one couple at a time."""

from __future__ import annotations

import pytest

from iop.clients.models import Couple
from iop.tenancy.context import tenant_context
from tests.factories import ClientFactory
from tests.pages import org_today, org_url, post_refused

pytestmark = pytest.mark.django_db


@pytest.fixture
def partner(harbor):
    with tenant_context(harbor.id):
        return ClientFactory(organization=harbor, first_name="Noor", last_name="Haddad")


def couples(organization) -> list[Couple]:
    with tenant_context(organization.id):
        return list(Couple.objects.all())


def _form(partner_id, **extra) -> dict:
    return {"partner": str(partner_id), "identified_patient": "client", "started_on": "2026-01-05", **extra}


def test_couple_is_recorded_and_linked_from_both_clients(as_intake, harbor, harbor_client, partner):
    response = as_intake.post(org_url("couple_create", harbor, client_id=harbor_client.pk), _form(partner.pk))

    assert response.status_code == 302
    [couple] = couples(harbor)
    assert {couple.partner_a_id, couple.partner_b_id} == {harbor_client.pk, partner.pk}
    assert couple.identified_patient_id == harbor_client.pk
    page = as_intake.get(org_url("client_detail", harbor, client_id=partner.pk)).content.decode()
    assert harbor_client.display_name in page
    assert org_url("client_detail", harbor, client_id=harbor_client.pk) in page


def test_a_couple_of_one_client_is_refused(as_intake, harbor, harbor_client):
    response = as_intake.post(org_url("couple_create", harbor, client_id=harbor_client.pk), _form(harbor_client.pk))

    body = response.content.decode()
    assert response.status_code == 422
    assert "Choose the partner from this organization&#x27;s other clients." in body
    assert 'id="id_partner_error"' in body
    assert couples(harbor) == []


def test_a_couple_across_organizations_is_refused(as_intake, harbor, harbor_client, summit, summit_client):
    response = as_intake.post(org_url("couple_create", harbor, client_id=harbor_client.pk), _form(summit_client.pk))

    assert response.status_code == 422
    assert "Choose the partner from this organization&#x27;s other clients." in response.content.decode()
    assert couples(harbor) == []
    assert couples(summit) == []


def test_the_partner_picker_lists_only_this_organizations_other_clients(
    as_intake, harbor, harbor_client, partner, summit_client
):
    body = as_intake.get(org_url("couple_create", harbor, client_id=harbor_client.pk)).content.decode()

    assert partner.sort_name in body
    assert f'value="{harbor_client.pk}"' not in body
    assert summit_client.sort_name not in body


def test_a_client_already_in_a_couple_is_refused(as_intake, harbor, harbor_client, partner):
    with tenant_context(harbor.id):
        third = ClientFactory(organization=harbor)
    as_intake.post(org_url("couple_create", harbor, client_id=harbor_client.pk), _form(partner.pk))

    response = as_intake.post(org_url("couple_create", harbor, client_id=third.pk), _form(partner.pk))

    assert response.status_code == 422
    assert "One of these clients is already in a couple. End that couple first." in response.content.decode()
    assert len(couples(harbor)) == 1


def test_ending_a_couple(as_intake, harbor, harbor_client, partner):
    as_intake.post(org_url("couple_create", harbor, client_id=harbor_client.pk), _form(partner.pk))
    [couple] = couples(harbor)
    url = org_url("couple_end", harbor, client_id=harbor_client.pk, couple_id=couple.pk)

    page = org_url("client_detail", harbor, client_id=harbor_client.pk)
    too_early = post_refused(as_intake, url, {"couple_end-ended_on": "2025-12-31"}, page=page)
    assert "Before the start." in too_early.content.decode() and 'value="2025-12-31"' in too_early.content.decode()
    assert couples(harbor)[0].ended_on is None
    ended = as_intake.post(url, {"couple_end-ended_on": org_today(harbor).isoformat()})

    assert ended.status_code == 302
    [couple] = couples(harbor)
    assert couple.ended_on == org_today(harbor)


def test_va_cannot_manage_couples(as_va, harbor, harbor_client):
    assert as_va.get(org_url("couple_create", harbor, client_id=harbor_client.pk)).status_code == 403
