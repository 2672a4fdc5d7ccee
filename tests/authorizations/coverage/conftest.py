"""Coverage fixtures: a harbor client's coverage with the member id of the sample 271 files, and
a coverage of summit's to aim at. The sample files (data/) are realistic 005010X279A1 responses:
mental-health and substance-abuse benefits with repetition-separated EB03s and a newline after
every terminator; a payer rejection (AAA 75); a damaged file; and a clearinghouse's one-line
response about the subscriber's child (benefits in the dependent loop, HL 23, in and out of
network)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from authorizations.models import Coverage, Payer
from iop.tenancy.context import tenant_context

from ...factories import ClientFactory
from ..conftest import make_coverage

DATA = Path(__file__).parent / "data"
MEMBER_ID = "M123456"  # the family's member id in the sample files
# The sample files' subscriber (HL 22) and, in family_dependent.x12, the dependent child (HL 23).
SUBSCRIBER = {"first_name": "Jordan", "last_name": "Rivera", "date_of_birth": dt.date(1985, 4, 12)}
CHILD = {"first_name": "Sam", "last_name": "Rivera", "date_of_birth": dt.date(2010, 1, 1)}


def read_271(name: str) -> str:
    return (DATA / name).read_text()


@pytest.fixture
def benefits_271() -> str:
    return read_271("mh_sud_benefits.x12")


@pytest.fixture
def rejected_271() -> str:
    return read_271("subscriber_not_found.x12")


@pytest.fixture
def malformed_271() -> str:
    return read_271("malformed.x12")


def make_person(client, person: dict):
    """Give `client` the name and date of birth of a person of the sample files."""
    for name, value in person.items():
        setattr(client, name, value)
    client.save(update_fields=list(person))
    return client


@pytest.fixture
def harbor_coverage(in_harbor, payer, harbor_client):
    """The subscriber's own coverage: harbor_client is the sample files' subscriber."""
    make_person(harbor_client, SUBSCRIBER)
    return make_coverage(harbor_client, payer, member_id=MEMBER_ID, plan=payer.plans.get(), group_number="GRP-88412")


@pytest.fixture
def child_coverage(in_harbor, payer):
    """A coverage of the subscriber's child, a client of its own on the parent's plan (same member id)."""
    child = make_person(ClientFactory(organization=in_harbor), CHILD)
    return make_coverage(
        child,
        payer,
        member_id=MEMBER_ID,
        plan=payer.plans.get(),
        group_number="GRP-88412",
        subscriber_name="Jordan Rivera",
        subscriber_relationship="child",
        subscriber_date_of_birth=SUBSCRIBER["date_of_birth"],
    )


@pytest.fixture
def dependent_271() -> str:
    return read_271("family_dependent.x12")


@pytest.fixture
def summit_coverage(summit, summit_client):
    with tenant_context(summit.id):
        payer = Payer.objects.create(name="Summit Mutual", payer_id="SM01")
        return Coverage.objects.create(
            client=summit_client, payer=payer, member_id=MEMBER_ID, effective_from=dt.date(2020, 1, 1)
        )
