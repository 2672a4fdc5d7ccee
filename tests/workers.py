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
WORKER_QUEUES = ["default", "notifications", "pdf"]  # what `make run` and docker-compose consume


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
