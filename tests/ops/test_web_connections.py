"""The web process of `make run`, under 50 concurrent clients for 30 s, stays within its
documented number of database connections and answers no 5xx; and when PostgreSQL refuses
connections, the same process answers 503 "try again in a moment".

The process is the real one: scripts/run.sh's gunicorn command with iop.settings.dev, against the
test database as the app role, on a free port. Connections are counted by PostgreSQL itself
(pg_stat_activity), sampled throughout the run.
"""

from __future__ import annotations

import http.client
import re
import runpy
import threading
import time
from collections import Counter

import pytest

from iop.tenancy.context import tenant_context

from ..conftest import make_member
from ..factories import ClientFactory
from .webserver import ROOT, Sampler, sign_in, web_process, with_password

CLIENTS = 50
SECONDS = 30
# README "Database connections": what one `make run` web process may hold.
DOCUMENTED_DEV_BOUND = 8


def test_the_test_starts_web_exactly_as_make_run_does():
    run_sh = (ROOT / "scripts/run.sh").read_text()
    assert "export DJANGO_SETTINGS_MODULE=iop.settings.dev\n" in run_sh
    assert 'start web "$IOP_VENV/bin/gunicorn" --config gunicorn.conf.py --bind "127.0.0.1:$PORT" --reload\n' in run_sh


def test_the_documented_bound_is_the_configured_one(monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    monkeypatch.delenv("WEB_THREADS", raising=False)
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    # Fixed threads (not runserver's thread per request), each with at most one connection.
    assert conf["worker_class"] == "gthread"
    assert conf["workers"] * conf["threads"] == DOCUMENTED_DEV_BOUND
    assert f"at most **{DOCUMENTED_DEV_BOUND}**" in (ROOT / "README.md").read_text()


@pytest.fixture
def web(tmp_path):
    """`make run`'s web process on a free port; yields its port."""
    with web_process(tmp_path / "web.log", "--reload") as port:
        yield port


@pytest.fixture
def staff(harbor):
    """Three staff to sign in, without MFA (make run's demo does not enforce it)."""
    with tenant_context(harbor.id):
        ClientFactory.create_batch(5, organization=harbor)
    users = [make_member(harbor, "va", f"va{n}@harbor.test", mfa=False) for n in range(3)]
    with_password(users)
    return users


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_50_concurrent_clients_for_30_s_get_no_5xx_within_the_connection_bound(web, staff, record_property):
    port = web
    sessions = [sign_in(port, user.email) for user in staff]
    paths = ["/accounts/login/", "/healthz", "/o/harbor/clients/"]
    statuses: Counter = Counter()
    errors: list[str] = []
    lock = threading.Lock()
    sampler = Sampler()
    start = threading.Barrier(CLIENTS + 1)

    def client(n: int):
        cookie = f"sessionid={sessions[n % len(sessions)]}"
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        start.wait()
        deadline = time.monotonic() + SECONDS
        i = n
        while time.monotonic() < deadline:
            path = paths[i % len(paths)]
            i += 1
            try:
                conn.request("GET", path, headers={"Cookie": cookie} if path.startswith("/o/") else {})
                response = conn.getresponse()
                response.read()
                status = response.status
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                with lock:
                    errors.append(f"{path}: {exc!r}")
                continue
            with lock:
                statuses[(path, status)] += 1

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    sampler.start()
    start.wait()
    for thread in threads:
        thread.join(SECONDS + 60)
    sampler.stopping.set()
    sampler.join()

    requests = sum(statuses.values())
    server_errors = sum(count for (_, status), count in statuses.items() if status >= 500)
    peak = max(sampler.samples)
    figures = f"{requests} requests, {server_errors} 5xx, peak {peak} connections (bound {DOCUMENTED_DEV_BOUND})"
    print(figures, dict(statuses))  # noqa: T201 - the figures the issue asks for (-s shows them)
    record_property("figures", figures)

    assert not errors, errors[:5]
    assert server_errors == 0, dict(statuses)
    # Every page answered as it should: the signed-in one too (not a redirect to the login).
    assert {(path, status) for path, status in statuses} == {(path, 200) for path in paths}, dict(statuses)
    assert requests >= CLIENTS * 3, figures  # a real load, not a handful of requests
    assert 0 < peak <= DOCUMENTED_DEV_BOUND, figures

    # And when PostgreSQL refuses this database's connections (as with no free slots), the same
    # process answers "try again in a moment".
    sampler.conn.cursor().execute(f'ALTER DATABASE "{sampler.database}" CONNECTION LIMIT 0')
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", "/o/harbor/clients/", headers={"Cookie": f"sessionid={sessions[0]}"})
        page = conn.getresponse()
        body = page.read().decode()
        conn.request("GET", "/healthz")
        health = conn.getresponse()
        health_body = health.read().decode()
    finally:
        sampler.conn.cursor().execute(f'ALTER DATABASE "{sampler.database}" CONNECTION LIMIT -1')
        sampler.conn.close()
    assert page.status == 503 and page.getheader("Retry-After") == "5"
    assert "Try again in a moment" in body and not re.search("Traceback|OperationalError", body)
    assert health.status == 503 and '"database": "unavailable"' in health_body
