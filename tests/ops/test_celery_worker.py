"""A real Celery worker, consuming from the local Redis, runs a tenant task end to end.

Everything between the service and the email is real: `delay_on_commit` after the service's
transaction commits, routing to the `notifications` queue, the Redis broker, a worker consuming
the production queues, `TenantTask` entering the organization, and the worker's own database
connection as the app role under Row-Level Security. Only the worker runs in a thread (solo pool)
instead of a separate process, so the locmem mail outbox is shared with the test.
"""

from __future__ import annotations

import re
import time

import pytest
import redis
from celery import signals
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core import mail
from django.db import connections

from iop import celery_app
from iop.accounts.services import invitation_create, invitation_from_token
from iop.tenancy.context import tenant_context

WORKER_QUEUES = ["default", "notifications", "pdf"]  # what `make run` and docker-compose consume


def _close_worker_connections(**kwargs):
    # The worker thread opens its own database connection; an open one would keep the test
    # database from being dropped at the end of the session.
    connections.close_all()


@pytest.fixture
def broker():
    """The app's real Redis broker. Test settings prefix its keys with the test database name
    (`global_keyprefix`), so concurrent test runs never consume each other's tasks."""
    conf = celery_app.conf
    assert settings.CELERY_BROKER_URL == "redis://127.0.0.1:6379/14"
    assert conf.broker_url == settings.CELERY_BROKER_URL
    prefix = conf.broker_transport_options["global_keyprefix"]
    with celery_app.connection_for_write() as conn:
        for queue in WORKER_QUEUES:  # leftovers of an interrupted earlier run
            conn.default_channel.queue_purge(queue)
    signals.task_postrun.connect(_close_worker_connections, weak=False)
    try:
        yield celery_app
    finally:
        signals.task_postrun.disconnect(_close_worker_connections)
        client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
        for key in client.scan_iter(match=f"{prefix}*"):
            client.delete(key)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_an_invitation_is_emailed_by_a_real_worker(broker, harbor, harbor_admin, mailoutbox):
    with start_worker(broker, pool="solo", perform_ping_check=False, queues=WORKER_QUEUES, shutdown_timeout=15):
        with tenant_context(harbor.id):
            invitation = invitation_create(
                organization=harbor, email="new.va@harbor.test", role="va", invited_by=harbor_admin
            )
        # The service committed and returned; the email is the worker's job, not the caller's.
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with tenant_context(harbor.id):
                invitation.refresh_from_db()
            if invitation.sent_at is not None and mail.outbox:
                break
            time.sleep(0.2)

    assert invitation.sent_at is not None, "the worker did not send the invitation within 20 s"
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["new.va@harbor.test"]
    assert "Harbor Virtual IOP" in email.subject
    # The link in the email is the invitation's: opening it finds this very invitation.
    prefix = settings.IOP_PUBLIC_URL.rstrip("/") + "/invitations/"
    links = re.findall(re.escape(prefix) + r"([^/\s]+)/", email.body)
    assert len(links) == 1, email.body
    assert invitation_from_token(token=links[0]).pk == invitation.pk
