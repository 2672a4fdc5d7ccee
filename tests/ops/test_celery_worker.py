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
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core import mail

from iop.accounts.services import invitation_create, invitation_from_token
from iop.tenancy.context import tenant_context
from tests.workers import WORKER_QUEUES


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
