"""The bench generator (bench/generate.py) copies an organization's data into consistent rows that
the app's own selectors read: more clients for `--scale`, finished care behind them for `--years`,
the configuration shared."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from iop.clients.models import Client, Episode, EpisodeStatus
from iop.tenancy.context import tenant_context
from iop.tenancy.models import Program
from tests.factories import EpisodeFactory, ProgramFactory

pytestmark = pytest.mark.django_db


def test_scale_and_history_copies_read_back_through_the_client_list(harbor, harbor_admin):
    from bench.generate import _grow, _session_span_days
    from iop.clients.selectors import client_list

    with tenant_context(harbor.id):
        program = ProgramFactory(organization=harbor)
        for _ in range(2):
            EpisodeFactory(organization=harbor, program=program)

    rows = _grow(org_id=harbor.id, scale=3, history_copies=1, label="harbor")
    span = _session_span_days(prefix="bench_grow_")
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the deferred keys, checked now: the test never commits

    with tenant_context(harbor.id):
        assert rows > 0
        assert Program.objects.count() == 1  # configuration is shared, not copied
        assert Client.objects.count() == 2 * 3 * 2  # three sizes, now and one span back
        assert Episode.objects.filter(status=EpisodeStatus.ACTIVE).count() == 6
        past = Episode.objects.filter(status=EpisodeStatus.DISCHARGED)
        assert past.count() == 6
        assert all(e.discharge_date <= harbor.local_today() - dt.timedelta(days=span) for e in past)
        assert all(e.program_id == program.id for e in Episode.objects.all())
        listed = client_list(organization=harbor)
        assert len(list(listed)) == 12
