"""The bench generator (bench/generate.py) copies an organization's data into consistent rows that
the app's own selectors read: more clients for `--scale`, finished care behind them for `--years`,
the configuration shared."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid

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


def _md5_uuid(key: object, tag: str) -> uuid.UUID:
    """md5(key::text || tag)::uuid, as the generator keys a copy."""
    return uuid.UUID(hashlib.md5(f"{key}{tag}".encode(), usedforsecurity=False).hexdigest())


def test_an_added_organization_gets_the_demo_and_its_growth_in_one_batch(harbor, summit):
    """Its copy of the demo (tag o1) and a scale copy of that copy (s2), written by one statement
    per table: configuration once, volume twice, keyed md5(md5(key || o1) || s2)."""
    from bench.generate import Copy, _copy, _plan, _stage

    with tenant_context(harbor.id):
        program = ProgramFactory(organization=harbor)
        episodes = [EpisodeFactory(organization=harbor, program=program) for _ in range(2)]
    org_plan = _plan(include_configuration=True)
    volume = {t.label: t for t in _plan(include_configuration=False)}
    _stage(org_plan, org_id=harbor.id, prefix="bench_src_")

    rows = _copy(
        [volume[t.label] for t in org_plan if t.label in volume],
        org_id=summit.id,
        prefix="bench_src_",
        copies=[Copy(tag=None), Copy(tag="s2", suffix=" 2")],
        base="o1",
        configuration=[t for t in org_plan if t.label not in volume],
    )
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the composite tenant keys hold

    with tenant_context(summit.id):
        assert rows > 0
        copied_program = Program.objects.get()  # configuration: once
        assert copied_program.id == _md5_uuid(program.id, "o1")
        assert Client.objects.count() == 4
        ids = {e.id: _md5_uuid(e.id, "o1") for e in episodes}
        assert set(Episode.objects.values_list("id", flat=True)) == {
            *ids.values(),
            *(_md5_uuid(copied, "s2") for copied in ids.values()),
        }
        assert set(Episode.objects.values_list("program_id", flat=True)) == {copied_program.id}
    with tenant_context(harbor.id):
        assert Episode.objects.count() == 2  # the source is untouched
