"""The same census file imported twice at once (a double click) creates its clients once."""

from __future__ import annotations

import pytest

from authorizations.census_files.services import ImportMode, census_import
from iop.clients.models import Client

from ...scheduling.rosters.test_concurrency import _run_concurrently
from .conftest import census_csv

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_imports_of_one_file_at_once_create_each_client_once(harbor, in_harbor, row):
    content = census_csv(row(), row(), row())

    outcomes = _run_concurrently(
        harbor,
        [lambda: census_import(organization=harbor, content=content, actor=None, mode=ImportMode.ALL)] * 2,
    )

    assert [o[0] for o in outcomes] == ["ok", "ok"]
    assert Client.objects.count() == 3
    assert sorted(o[1].created_clients for o in outcomes) == [0, 3]
