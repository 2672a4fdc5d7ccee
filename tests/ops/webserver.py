"""`make run`'s web process for the tests that serve real HTTP: gunicorn with scripts/run.sh's
settings (iop.settings.dev), against this run's test database as the app role and this run's
Redis keys, on a free port; and the real sign-in form."""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.cookies import SimpleCookie
from pathlib import Path

import psycopg2
from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.db import connection

from tests.servers import free_port

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "concurrent-clients-password"


def server_env(**extra: str) -> dict:
    db = connection.settings_dict
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "IOP_", "DATABASE_", "CACHE_", "REDIS_", "CELERY_", "WEB_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="iop.settings.dev",  # as scripts/run.sh exports it
        DATABASE_URL=f"postgres://{settings.IOP_DB_APP_ROLE}@{host}:{port}/{db['NAME']}",  # the app role
        # This run's own Redis keys (rate limits, sessions), cleared by tests/conftest.py.
        CACHE_URL=settings.CACHES["default"]["LOCATION"],
        CACHE_KEY_PREFIX=settings.CACHES["default"]["KEY_PREFIX"],
        CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
    )
    env.update(extra)
    return env


@contextmanager
def web_process(log_path: Path, *arguments: str, **env: str) -> Iterator[int]:
    """The web process (gunicorn.conf.py, `arguments` added) on a free port, until /healthz
    answers; yields the port, and stops the process when the block ends."""
    port = free_port()
    log = open(log_path, "w+")  # noqa: SIM115 - closed below
    process = subprocess.Popen(  # noqa: S603 - our own command
        [str(ROOT / ".venv/bin/gunicorn"), "--config", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}", *arguments],
        cwd=ROOT,
        env=server_env(**env),
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, f"web exited:\n{log.seek(0) or log.read()}"
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, f"web did not answer /healthz:\n{log.seek(0) or log.read()}"
            time.sleep(0.3)
        yield port
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


def cookies(response) -> dict[str, str]:
    jar = SimpleCookie()
    for header in response.headers.get_all("Set-Cookie") or ():
        jar.load(header)
    return {name: morsel.value for name, morsel in jar.items()}


def sign_in_cookies(port: int, email: str) -> dict[str, str]:
    """The real login form (CSRF, Argon2); returns the cookies it sets (session, new CSRF token)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/accounts/login/")
    response = conn.getresponse()
    response.read()
    csrf = cookies(response)["csrftoken"]
    conn.request(
        "POST",
        "/accounts/login/",
        body=f"login={email}&password={PASSWORD}",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={csrf}",
            "X-CSRFToken": csrf,
        },
    )
    response = conn.getresponse()
    response.read()
    assert response.status == 302, response.status
    return cookies(response)


def sign_in(port: int, email: str) -> str:
    """The real login form; returns the session cookie."""
    return sign_in_cookies(port, email)["sessionid"]


def with_password(users) -> None:
    """Give `users` PASSWORD, hashed as the dev settings hash (Argon2), not the tests' fast hasher."""
    hasher = Argon2PasswordHasher()
    encoded = hasher.encode(PASSWORD, hasher.salt())
    for user in users:
        user.password = encoded
        user.save(update_fields=["password"])


class Sampler(threading.Thread):
    """Counts the app role's connections to the test database, as PostgreSQL sees them."""

    def __init__(self):
        super().__init__(daemon=True)
        db = connection.settings_dict
        self.conn = psycopg2.connect(
            dbname="postgres", user=db["USER"], host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432
        )
        self.conn.autocommit = True
        self.database = db["NAME"]
        self.samples: list[int] = []
        self.stopping = threading.Event()

    def count(self) -> int:
        with self.conn.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND usename = %s",
                [self.database, settings.IOP_DB_APP_ROLE],
            )
            return cursor.fetchone()[0]

    def run(self):
        while not self.stopping.is_set():
            self.samples.append(self.count())
            time.sleep(0.05)
