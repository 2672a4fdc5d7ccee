"""Test wiring: real Postgres as the RLS app role, real Redis, tenant fixtures.

The test database is created and migrated as the owner role (only the owner may create it and
run DDL), then every connection switches to the app role with Django's `assume_role`, so the
whole suite runs under Row-Level Security exactly like the web and the workers: a missing policy
or grant fails tests. The switch is undone before teardown, or DROP DATABASE would fail.

`IOP_TEST_CLOCK=2026-12-06T01:30:00Z` (any ISO instant with a zone) runs the whole session with the
clock moved to that instant and ticking, to prove the suite does not depend on the wall clock.
"""

from __future__ import annotations

import datetime as dt
import os

import pytest
import time_machine
from django.conf import settings
from django.db import close_old_connections, connections
from rest_framework.test import APIClient

from iop.accounts.services import api_token_create
from iop.tenancy.context import tenant_context, user_context

from .factories import (
    ClientFactory,
    EpisodeFactory,
    MembershipFactory,
    OrganizationFactory,
    ProgramFactory,
    UserFactory,
)

_CLOCK = pytest.StashKey[time_machine.travel]()


def _moved_clock_instant() -> dt.datetime | None:
    value = os.environ.get("IOP_TEST_CLOCK", "").strip()
    if not value:
        return None
    try:
        instant = dt.datetime.fromisoformat(value)
    except ValueError:
        instant = None
    if instant is None or instant.tzinfo is None:
        raise pytest.UsageError(f"IOP_TEST_CLOCK={value!r}: give an ISO instant with a zone (2026-12-06T01:30:00Z).")
    return instant


def pytest_configure(config):
    """Move the clock before anything reads it (settings, the test database, the first test), with
    the clock ticking so timeouts and ordering by time behave as usual. Only this process moves:
    PostgreSQL's now(), Redis and any subprocess keep the real time, so code must take "now" from
    Python (`timezone.now()`), never from the database."""
    if (instant := _moved_clock_instant()) is not None:
        clock = time_machine.travel(instant, tick=True)
        clock.start()
        config.stash[_CLOCK] = clock


def pytest_unconfigure(config):
    if (clock := config.stash.get(_CLOCK, None)) is not None:
        clock.stop()


def pytest_report_header(config):
    if (instant := _moved_clock_instant()) is not None:
        return f"clock moved to {instant.isoformat()} (ticking), from IOP_TEST_CLOCK"
    return None


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    conn = connections["default"]
    conn.settings_dict.setdefault("OPTIONS", {})["assume_role"] = settings.IOP_DB_APP_ROLE
    for c in connections.all(initialized_only=True):
        c.close()
    yield
    conn.settings_dict["OPTIONS"].pop("assume_role", None)
    for c in connections.all(initialized_only=True):
        c.close()


@pytest.fixture(autouse=True)
def _flush_as_owner(request):
    """For `django_db(transaction=True)` tests (live server, real worker) under the app role.

    A transactional test ends with a TRUNCATE of every table, which only the owner may run (the app
    role has no TRUNCATE, and no UPDATE/DELETE at all on append-only tables). Switch the connection
    back to the owner just for that flush; Django closes it right after, so the next test connects
    as the app role again. Requesting `transactional_db` here makes its flush run after this reset.
    """
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction"):
        yield
        return
    request.getfixturevalue("transactional_db")
    yield
    close_old_connections()
    with connections["default"].cursor() as cursor:
        cursor.execute("RESET ROLE")


@pytest.fixture(autouse=True)
def _clean_cache():
    """Rate limits and throttles live in the shared Redis cache; start every test from zero.
    Only this run's keys (prefixed with its test database name) go: a FLUSHDB would reset the
    counters of another suite running on the same machine."""
    from django.core.cache import cache

    redis = cache._cache.get_client(None, write=True)
    keys = list(redis.scan_iter(match=f"{settings.CACHES['default']['KEY_PREFIX']}:*"))
    if keys:
        redis.delete(*keys)


@pytest.fixture(autouse=True)
def _media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def harbor(db):
    return OrganizationFactory(slug="harbor", name="Harbor Virtual IOP", timezone="America/New_York")


@pytest.fixture
def summit(db):
    return OrganizationFactory(slug="summit", name="Summit Recovery IOP", timezone="America/Chicago")


@pytest.fixture
def in_harbor(harbor):
    with tenant_context(harbor.id):
        yield harbor


def make_member(organization, role: str, email: str | None = None, mfa: bool = True):
    """A staff user with a membership in `organization` (and a confirmed TOTP device if `mfa`)."""
    with tenant_context(organization.id):
        user = UserFactory(email=email) if email else UserFactory()
        MembershipFactory(organization=organization, user=user, role=role)
    if mfa:
        from .factories import enable_totp

        enable_totp(user)
    return user


@pytest.fixture
def harbor_admin(harbor):
    return make_member(harbor, "org_admin", "admin@harbor.test")


@pytest.fixture
def harbor_va(harbor):
    return make_member(harbor, "va", "va@harbor.test")


@pytest.fixture
def harbor_intake(harbor):
    return make_member(harbor, "intake", "intake@harbor.test")


@pytest.fixture
def harbor_clinician(harbor):
    return make_member(harbor, "clinician", "clinician@harbor.test")


@pytest.fixture
def summit_va(summit):
    return make_member(summit, "va", "va@summit.test")


@pytest.fixture
def harbor_program(harbor):
    with tenant_context(harbor.id):
        return ProgramFactory(organization=harbor, name="Adult MH IOP")


@pytest.fixture
def summit_program(summit):
    with tenant_context(summit.id):
        return ProgramFactory(organization=summit, name="SUD IOP")


@pytest.fixture
def harbor_client(harbor, harbor_program):
    with tenant_context(harbor.id):
        client = ClientFactory(organization=harbor)
        EpisodeFactory(organization=harbor, client=client, program=harbor_program)
        return client


@pytest.fixture
def summit_client(summit, summit_program):
    with tenant_context(summit.id):
        client = ClientFactory(organization=summit)
        EpisodeFactory(organization=summit, client=client, program=summit_program)
        return client


@pytest.fixture
def as_user():
    """`with as_user(user):` — reads of one's own memberships need the user context."""
    return user_context


def login(client, user):
    """Sign a Django test client in as `user`, MFA already satisfied (as after a real login)."""
    client.force_login(user)
    return client


# The Django test client signed in as one of harbor's staff.
@pytest.fixture
def as_va(client, harbor_va):
    return login(client, harbor_va)


@pytest.fixture
def as_admin(client, harbor_admin):
    return login(client, harbor_admin)


@pytest.fixture
def as_intake(client, harbor_intake):
    return login(client, harbor_intake)


@pytest.fixture
def as_clinician(client, harbor_clinician):
    return login(client, harbor_clinician)


@pytest.fixture
def api(harbor):
    """api(user) -> a REST client with a bearer token of `user` in harbor."""

    def _as(user) -> APIClient:
        with tenant_context(harbor.id):
            raw = api_token_create(organization=harbor, user=user, name="tests").raw
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        return client

    return _as


@pytest.fixture
def eager_celery():
    """Run Celery tasks in-process (an invitation email, an approval message), restoring the app's setting after."""
    from iop.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield app
    app.conf.task_always_eager = previous
