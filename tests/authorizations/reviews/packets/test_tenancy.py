"""Another organization's review packet is a 404, like an unknown one: on the pages and the API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from authorizations.reviews.packets.services import review_packet_prepare

from ....conftest import login, make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def prepared(in_harbor, make_review, today):
    review = make_review(today + dt.timedelta(days=1)).review
    review_packet_prepare(review=review)
    return review


def test_a_clinician_of_another_organization_cannot_see_the_packet(client, summit, prepared):
    other = make_member(summit, "clinician", "clinician@summit.test")
    login(client, other)

    def url(name: str) -> str:
        return reverse(f"authorizations:{name}", kwargs={"org_slug": "summit", "review_id": prepared.pk})

    assert client.get(url("review_packet_pdf")).status_code == 404
    assert client.post(url("review_packet_prepare")).status_code == 404
    assert client.get(url("review_packet_prepare")).status_code == 404


def test_the_api_of_another_organization_does_not_find_the_packet(summit, prepared):
    from rest_framework.test import APIClient

    from iop.accounts.services import api_token_create
    from iop.tenancy.context import tenant_context

    other = make_member(summit, "clinician", "clinician@summit.test")
    with tenant_context(summit.id):
        raw = api_token_create(organization=summit, user=other, name="tests").raw
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")

    base = f"/api/v1/o/summit/review-packets/{prepared.pk}/"
    assert client.get(base).status_code == 404
    assert client.get(f"{base}pdf/").status_code == 404
