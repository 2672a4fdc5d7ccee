"""The aftercare directory: create/edit with its checks, and the filters (level of care, payer
accepted, taking new clients)."""

from __future__ import annotations

import pytest

from authorizations.models import Payer
from discharge.aftercare import selectors, services
from discharge.models import AftercareLevel
from iop.common.exceptions import ApplicationError

pytestmark = pytest.mark.django_db


@pytest.fixture
def directory(in_harbor):
    blue = Payer.objects.create(name="Blue Harbor PPO")
    mass = Payer.objects.create(name="MassCare")
    made = {
        "lakeside": services.aftercare_provider_create(
            organization=in_harbor, name="Lakeside", levels_of_care=["op"], payers=[blue, mass]
        ),
        "bayview": services.aftercare_provider_create(
            organization=in_harbor, name="Bayview", levels_of_care=["iop", "php"], payers=[blue]
        ),
        "northgate": services.aftercare_provider_create(
            organization=in_harbor, name="Northgate", levels_of_care=["psychiatry", "op"], accepts_new_clients=False
        ),
    }
    return in_harbor, blue, mass, made


def _names(providers) -> list[str]:
    return [p.name for p in providers]


def test_filters(directory):
    org, blue, mass, _ = directory
    assert _names(selectors.provider_list(organization=org)) == ["Bayview", "Lakeside", "Northgate"]
    assert _names(selectors.provider_list(organization=org, level=AftercareLevel.OP)) == ["Lakeside", "Northgate"]
    assert _names(selectors.provider_list(organization=org, payer_id=blue.pk)) == ["Bayview", "Lakeside"]
    assert _names(selectors.provider_list(organization=org, payer_id=mass.pk, level="op")) == ["Lakeside"]
    assert _names(selectors.provider_list(organization=org, accepting=True)) == ["Bayview", "Lakeside"]
    assert _names(selectors.provider_list(organization=org, accepting=False)) == ["Northgate"]


def test_payers_are_replaced_on_edit(directory):
    org, blue, mass, made = directory
    services.aftercare_provider_update(provider=made["bayview"], payers=[mass], phone=" 555 0101 ")
    bayview = selectors.provider_get(organization=org, provider_id=made["bayview"].pk)
    assert bayview.phone == "555 0101"
    assert [p.name for p in bayview.payers_accepted.all()] == ["MassCare"]


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"name": "lakeside"}, "provider_name_taken"),
        ({"name": "New", "npi": "12345"}, "provider_npi_invalid"),
        ({"name": "New", "levels_of_care": ["spa"]}, "provider_fields"),
        ({"name": "New", "email": "not-an-email"}, "provider_fields"),
        ({"name": " "}, "provider_fields"),
    ],
)
def test_refusals(directory, fields, code):
    org, *_ = directory
    with pytest.raises(ApplicationError) as refused:
        services.aftercare_provider_create(organization=org, **fields)
    assert refused.value.code == code
    assert selectors.provider_list(organization=org).count() == 3
