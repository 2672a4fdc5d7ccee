"""Redis restarted while the app serves and queues: saves go on and lose no task, sign-in says
"try again in a moment" (503, no stack trace), and once Redis is back every committed task is
queued, each once.

A real restart of a redis-server of the test's own (tests/servers.py; the shared Redis on 6379 is
never touched), which the app uses as broker and cache for the test. Redis is started with no
persistence, as a restarted or replaced Redis may come back empty: what was committed must not
depend on what Redis kept.
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

import pytest
from django.test import Client
from kombu import pools as kombu_pools

from iop import celery_app
from iop.accounts.models import Invitation
from iop.common.models import OutboxTask
from iop.common.tasks import outbox_relay_org
from iop.tenancy.context import no_tenant_context, tenant_context
from tests.pages import org_url
from tests.servers import private_redis
from tests.workers import queued_tasks

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


def _drop_broker_connections() -> None:
    # The pooled connections and producers still point at the previous URL. (`celery_app.close()`
    # would also stop it being the current app, and shared tasks would no longer be found.)
    # The app's pool is kombu's process-wide pool for its URL: closing it alone would leave that
    # closed pool registered, and every later publish in this process (once the URL is back) would
    # fail with "Acquire on closed pool". `pools.reset()` closes and forgets them all.
    kombu_pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@contextmanager
def app_uses(redis_url: str, settings):
    """Broker and cache of this process on `redis_url` within the block (this run's key prefix)."""
    conf = celery_app.conf
    previous = conf.broker_url
    settings.CACHES = {**settings.CACHES, "default": {**settings.CACHES["default"], "LOCATION": f"{redis_url}/1"}}
    settings.CELERY_BROKER_URL = conf.broker_url = f"{redis_url}/0"
    _drop_broker_connections()
    try:
        yield
    finally:
        conf.broker_url = previous
        _drop_broker_connections()


def _outbox(organization) -> list[tuple[str, list]]:
    with tenant_context(organization.id):
        return sorted(OutboxTask.objects.values_list("name", "args"))


def test_saves_survive_a_redis_restart_and_their_tasks_are_queued_once(
    harbor, harbor_admin, settings, tmp_path, django_capture_on_commit_callbacks, time_machine
):
    admin = Client(raise_request_exception=False)
    admin.force_login(harbor_admin)
    invite = org_url("invitation_create", harbor)

    with private_redis(tmp_path / "redis.log") as redis_server, app_uses(redis_server.url, settings):
        # Redis up: the task is queued at commit, nothing is left in the outbox.
        with django_capture_on_commit_callbacks(execute=True):
            assert admin.post(invite, {"email": "before@harbor.test", "role": "va"}).status_code == 302
        assert len(queued_tasks("notifications", redis_url=f"{redis_server.url}/0")) == 1
        assert _outbox(harbor) == []

        redis_server.stop()
        # Redis down: the invitation is saved and its email task kept with it; the admin sees the
        # usual confirmation, not an error.
        with django_capture_on_commit_callbacks(execute=True):
            saved = admin.post(invite, {"email": "during@harbor.test", "role": "va"})
        assert saved.status_code == 302
        with tenant_context(harbor.id):
            during = Invitation.objects.get(email="during@harbor.test")
        assert _outbox(harbor) == [("accounts.invitation_send", [harbor.id, str(during.pk)])]
        # Sign-in counts attempts in the cache: "try again in a moment", never a stack trace.
        login = Client(raise_request_exception=False).post(
            "/accounts/login/", {"login": "va@harbor.test", "password": "whatever-it-is"}
        )
        assert login.status_code == 503
        assert login["Retry-After"] == "5"
        page = login.content.decode()
        assert "Try again in a moment" in page and "cannot reach one of its services" in page
        assert "Traceback" not in page and "ConnectionError" not in page

        redis_server.start()  # back, and empty (no persistence)
        # The relay (beat, every minute) leaves rows younger than a minute to their own hand-over.
        with no_tenant_context():
            assert outbox_relay_org(harbor.id) == 0
        time_machine.move_to(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=2), tick=True)
        with no_tenant_context():
            assert outbox_relay_org(harbor.id) == 1
            assert outbox_relay_org(harbor.id) == 0  # once
        queued = queued_tasks("notifications", redis_url=f"{redis_server.url}/0")
        assert queued == [("accounts.invitation_send", [harbor.id, str(during.pk)])]
        assert _outbox(harbor) == []
        # And sign-in works again.
        again = Client(raise_request_exception=False).post(
            "/accounts/login/", {"login": "va@harbor.test", "password": "whatever-it-is"}
        )
        assert again.status_code == 200
