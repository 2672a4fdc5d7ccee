"""Celery for tests: the app's real Redis broker (this run's keys only), and real worker processes.

`worker_process` starts `celery -A iop worker` as a separate process, as `make run` and
docker-compose do (prefork pool), under the test settings, against this run's test database as the
app role (so under Row-Level Security) and this run's broker keys. Run as `python -m tests.workers
<celery arguments>`, this module starts the worker with its clock where the test's clock was
(`IOP_WORKER_CLOCK`, ticking): tests move their own clock with time-machine, and the worker must
live in the same evening. A test may kill the worker, or make it kill itself at a crash point
(iop/common/crash.py, `IOP_TEST_CRASH_AT`).
"""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection, connections

from iop import celery_app

ROOT = Path(__file__).resolve().parents[1]
WORKER_QUEUES = ["default", "notifications", "pdf"]  # what `make run` consumes (docker-compose: a worker per queue)


def _close_worker_connections(**kwargs):
    # An in-thread worker opens its own database connection; an open one would keep the test
    # database from being dropped at the end of the session.
    connections.close_all()


@pytest.fixture
def broker():
    """The app's real Redis broker. Test settings prefix its keys with the test database name
    (`global_keyprefix`), so concurrent test runs never consume each other's tasks."""
    from celery import signals

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


def _worker_env(extra: dict[str, str]) -> dict[str, str]:
    db = connection.settings_dict
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    password = os.environ.get("IOP_DB_APP_PASSWORD", "")
    credentials = f"{settings.IOP_DB_APP_ROLE}:{password}" if password else settings.IOP_DB_APP_ROLE
    # PYTEST_XDIST_WORKER stays behind: the database name given below already carries its suffix.
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "PYTEST_XDIST_WORKER")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="iop.settings.test",
        # The test database itself (not the name pytest would derive one from), as the app role.
        IOP_TEST_DATABASE_URL=f"postgres://{credentials}@{host}:{port}/{db['NAME']}",
        IOP_TEST_DB_NAME=db["NAME"],  # the same broker key prefix as this run
        IOP_WORKER_CLOCK=repr(time.time()),  # time-machine's clock when a test moved it
        # The providers this test configured (a journal provider, say).
        IOP_EMAIL_PROVIDER=settings.IOP_EMAIL_PROVIDER,
        IOP_SMS_PROVIDER=settings.IOP_SMS_PROVIDER,
        IOP_TEST_CRASH_AT="",
        IOP_TEST_PAUSE_AT="",
    )
    env.update(extra)
    return env


@contextmanager
def worker_process(log: Path, *, queues: list[str], env: dict[str, str] | None = None) -> Iterator[subprocess.Popen]:
    """A worker process consuming `queues` (one pool process), killed with its pool when the block
    ends: end the block once its tasks are done (a warm shutdown would take seconds)."""
    with log.open("a") as out:
        process = subprocess.Popen(  # noqa: S603 - our own command
            [
                sys.executable,
                "-m",
                "tests.workers",
                "-A",
                "iop",
                "worker",
                "--pool=prefork",
                "--concurrency=1",
                f"--queues={','.join(queues)}",
                "--without-mingle",
                "--without-gossip",
                "--loglevel=INFO",
            ],
            cwd=ROOT,
            env=_worker_env(env or {}),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    try:
        yield process
    finally:
        with suppress(ProcessLookupError):  # already gone
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def wait_for(condition: Callable[[], bool], *, what: str, log: Path, timeout: float = 90) -> None:
    """Poll `condition` until it holds; fail with the worker's log if it does not in time."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not happen within {timeout:.0f} s. Worker log:\n{log.read_text()[-6000:]}")
        time.sleep(0.25)


def queued_tasks(queue: str, *, redis_url: str | None = None) -> list[tuple[str, list]]:
    """The tasks waiting in `queue` on this run's broker keys (of the app's Redis, or `redis_url`'s):
    (task name, arguments), sorted."""
    import json

    prefix = celery_app.conf.broker_transport_options["global_keyprefix"]
    client = redis.Redis.from_url(redis_url or settings.CELERY_BROKER_URL)
    found = []
    for raw in client.lrange(f"{prefix}{queue}", 0, -1):
        message = json.loads(raw)
        body = json.loads(base64.b64decode(message["body"]))
        found.append((message["headers"]["task"], body[0]))
    return sorted(found)


# A replacement worker's visibility timeout (test settings): the task of a worker killed outright
# is handed out again once unacknowledged this long, instead of the production hour.
REDELIVER_AFTER_SECONDS = 5


def job_killed_mid_way_and_redone(
    task, organization_id: int, *, step: str, snapshot: Callable[[], object], tmp_path: Path
) -> tuple[object, object, object]:
    """Run a periodic job three ways and return what `snapshot()` reads after each:

    1. uninterrupted, in this process, in a transaction rolled back afterwards (the reference);
    2. in a real worker process held at the pause point `step` (iop/common/crash.py) and then
       killed with `kill -9` together with its whole process group (main process and pool), as
       when a machine or a container is lost: no rollback handler, no reject, no acknowledgement;
    3. finished by a new worker started afterwards, to which Redis hands the unacknowledged task
       again (after the visibility timeout, a few seconds here).

    The job is queued once, as beat queues it (ids only), on a queue of its own."""
    from django.db import transaction

    from iop.tenancy.context import no_tenant_context

    with transaction.atomic(), no_tenant_context():
        # Called, not applied: `apply` would fire task_postrun, whose handler (`broker`) closes
        # the connection in the middle of this transaction.
        task(organization_id)
        reference = snapshot()
        transaction.set_rollback(True)

    queue = f"fault-{step}"
    marker = tmp_path / f"paused-{step}"
    held_log, redo_log = tmp_path / f"worker-{step}-killed.log", tmp_path / f"worker-{step}-restarted.log"
    task.apply_async(args=[organization_id], queue=queue)
    held_env = {"IOP_TEST_PAUSE_AT": step, "IOP_TEST_PAUSE_MARKER": str(marker)}
    with worker_process(held_log, queues=[queue], env=held_env) as worker:
        wait_for(marker.exists, what=f"the job to reach {step}", log=held_log)
        os.killpg(worker.pid, signal.SIGKILL)  # kill -9, main process and pool alike
        worker.wait()
    killed = snapshot()

    env = {"IOP_TEST_VISIBILITY_TIMEOUT": str(REDELIVER_AFTER_SECONDS)}
    with worker_process(redo_log, queues=[queue], env=env):
        wait_for(
            lambda: f"{task.name}[" in redo_log.read_text() and " succeeded in " in redo_log.read_text(),
            what=f"the restarted worker to finish {task.name}",
            log=redo_log,
        )
    return reference, killed, snapshot()


def main() -> None:
    """`python -m tests.workers <celery arguments>`: celery, with the test's clock."""
    if start := os.environ.get("IOP_WORKER_CLOCK"):
        import time_machine

        # Inherited by the pool processes, which are forked from this one.
        time_machine.travel(float(start), tick=True).start()
    from celery.__main__ import main as celery_main

    sys.argv = ["celery", *sys.argv[1:]]
    celery_main()


if __name__ == "__main__":
    main()
