"""Census fixtures: harbor's payer and program (and summit's, whose names must never match a
harbor row), and CSV text built from dicts of the columns."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from authorizations.census_files.services import CENSUS_COLUMNS
from authorizations.models import Payer
from iop.tenancy.context import tenant_context
from tests.factories import ProgramFactory

from ..units import conftest as unit_fixtures

mwf = unit_fixtures.mwf


def census_csv(*rows: dict, columns=CENSUS_COLUMNS) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return out.getvalue().encode()


@pytest.fixture
def summit_names(summit):
    """Summit's program and payer, named differently from harbor's."""
    with tenant_context(summit.id):
        ProgramFactory(organization=summit, name="Summit Day Program")
        Payer.objects.create(organization=summit, name="Prairie Health")


@pytest.fixture
def row(harbor_program, payer, today):
    """row(**changes): a good row — referred three weeks ago, admitted two weeks ago, covered by
    the payer since January — with a fresh name and member id each call."""
    counter = iter(range(1, 1000))

    def _row(**changes) -> dict:
        n = next(counter)
        values = {
            "first_name": f"Ana{n}",
            "last_name": "Lindqvist",
            "date_of_birth": "1987-03-14",
            "program": harbor_program.name,
            "referral_date": (today - dt.timedelta(days=21)).isoformat(),
            "admission_date": (today - dt.timedelta(days=14)).isoformat(),
            "payer": payer.name,
            "member_id": f"MBR{n:05d}",
            "coverage_start": f"{today.year - 1}-01-01",
        }
        values.update(changes)
        return values

    return _row
