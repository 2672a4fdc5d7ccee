"""Helpers for the browser-UI tests (Django test client, server-rendered pages)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from iop.audit.models import AccessEvent
from iop.tenancy.context import tenant_context
from tests.conftest import login
from tests.factories import ClientFactory, EpisodeFactory


def org_url(name: str, org, **kwargs) -> str:
    return reverse(f"clients:{name}", kwargs={"org_slug": org.slug, **kwargs})


def make_clients(organization, program, count: int, **episode_fields) -> list:
    """`count` clients of `organization`, each with an active episode in `program`."""
    with tenant_context(organization.id):
        clients = []
        for _ in range(count):
            client = ClientFactory(organization=organization)
            EpisodeFactory(organization=organization, client=client, program=program, **episode_fields)
            clients.append(client)
        return clients


def access_events(organization, **filters) -> list[AccessEvent]:
    with tenant_context(organization.id):
        return list(AccessEvent.objects.filter(**filters).order_by("occurred_at"))


@pytest.fixture
def as_va(client, harbor_va):
    return login(client, harbor_va)


@pytest.fixture
def as_admin(client, harbor_admin):
    return login(client, harbor_admin)


@pytest.fixture
def as_clinician(client, harbor_clinician):
    return login(client, harbor_clinician)


@pytest.fixture
def eager_celery():
    """Run Celery tasks in-process (the invitation email), restoring the app's setting after."""
    from iop.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield app
    app.conf.task_always_eager = previous


def org_today(organization) -> dt.date:
    """Today where the organization is (the services judge "future" dates in its time zone)."""
    return organization.local_today()
