"""Private PostgreSQL and Redis servers for the fault tests, which restart them.

The machine's own PostgreSQL (5432) and Redis (6379) are shared with every other test run, so a
test that restarts a server starts its own: a PostgreSQL cluster in a temporary directory
(initdb, pg_ctl) with the app's roles and a copy of this run's test database, or a redis-server,
each on a free port. Both are stopped (and their files removed) when the block ends, failed test
or not.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]
PG_BIN = Path("/usr/lib/postgresql/15/bin")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _poll(condition: Callable[[], bool], *, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not happen within {timeout:.0f} s")
        time.sleep(0.1)


def _run(*command: str | Path, user: str | None = None, timeout: float = 120) -> str:
    argv = [str(c) for c in command]
    if user:
        argv = ["runuser", "-u", user, "--", *argv]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)  # noqa: S603
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


@dataclass
class PrivatePostgres:
    data: Path
    port: int

    def ctl(self, action: str, *extra: str) -> None:
        # -m fast: open sessions are ended at once (their transactions rolled back), as in a
        # restart during a deployment or a failover. The server's output goes to a log file:
        # otherwise it would keep our pipe open and pg_ctl's output would never end.
        log = self.data.parent / "server.log"
        command = (PG_BIN / "pg_ctl", "-D", self.data, "-w", "-t", "60", "-m", "fast", "-l", log, action, *extra)
        _run(*command, user="postgres")

    def restart(self) -> None:
        self.ctl("restart")

    def psql(self, sql: str, *, database: str = "postgres") -> str:
        return _run(
            "psql",
            "-X",
            "-q",
            "-At",
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            "postgres",
            "-d",
            database,
            "-c",
            sql,
        )


@contextmanager
def private_postgres(copy_of: str | None = None) -> Iterator[PrivatePostgres]:
    """A PostgreSQL 15 cluster of our own on a free port, with the app's roles
    (deploy/postgres/roles.sql) and, with `copy_of`, a copy of that database of the shared server
    (pg_dump/pg_restore: committed rows only, so the test must commit what it needs)."""
    base = Path(tempfile.mkdtemp(prefix="iop-pg-"))
    shutil.chown(base, "postgres")
    server = PrivatePostgres(data=base / "data", port=free_port())
    started = False
    try:
        _run(
            PG_BIN / "initdb",
            "-D",
            server.data,
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
            user="postgres",
        )
        options = f"-p {server.port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
        server.ctl("start", "-o", options)
        started = True
        _run(
            "psql", "-X", "-q", "-h", "127.0.0.1", "-p", str(server.port), "-U", "postgres", "-d", "postgres",
            "-v", f"owner_role={connection.settings_dict['USER'] or 'iop_owner'}",
            "-v", f"app_role={settings.IOP_DB_APP_ROLE}", "-v", f"db_name={copy_of or ''}",
            "-v", "owner_password=", "-v", "app_password=",
            "-f", ROOT / "deploy/postgres/roles.sql",
        )  # fmt: skip
        if copy_of:
            dump = base / "copy.dump"
            shared = (
                "-h",
                connection.settings_dict["HOST"] or "127.0.0.1",
                "-p",
                str(connection.settings_dict["PORT"] or 5432),
            )
            _run("pg_dump", "-Fc", *shared, "-U", "postgres", "-d", copy_of, "-f", dump)
            _run(
                "pg_restore",
                "--exit-on-error",
                "-h",
                "127.0.0.1",
                "-p",
                str(server.port),
                "-U",
                "postgres",
                "-d",
                copy_of,
                dump,
            )
        yield server
    finally:
        if started:
            subprocess.run(  # noqa: S603
                [
                    "runuser",
                    "-u",
                    "postgres",
                    "--",
                    str(PG_BIN / "pg_ctl"),
                    "-D",
                    str(server.data),
                    "-m",
                    "immediate",
                    "-w",
                    "stop",
                ],  # noqa: S607
                capture_output=True,
                timeout=60,
            )
        shutil.rmtree(base, ignore_errors=True)


@dataclass
class PrivateRedis:
    port: int
    process: subprocess.Popen | None = None
    log: Path | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    def start(self) -> None:
        import redis

        assert self.log is not None
        with self.log.open("a") as out:
            self.process = subprocess.Popen(  # noqa: S603
                ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],  # noqa: S607
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

        def answers() -> bool:
            try:
                return bool(redis.Redis(port=self.port, socket_timeout=1).ping())
            except redis.exceptions.ConnectionError:
                return False

        _poll(answers, what=f"redis-server on port {self.port} to answer")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)
        self.process = None


@contextmanager
def private_redis(log: Path) -> Iterator[PrivateRedis]:
    """A redis-server of our own on a free port (in memory only), killed when the block ends."""
    server = PrivateRedis(port=free_port(), log=log)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@dataclass
class PrivatePgBouncer:
    port: int
    database: str


@contextmanager
def private_pgbouncer(*, database: str, pool_size: int) -> Iterator[PrivatePgBouncer]:
    """A pgbouncer of our own on a free port in front of `database` of the shared PostgreSQL,
    configured from the deployment's own file (deploy/pgbouncer/pgbouncer.ini: transaction
    pooling, its connect_query) with only what must differ here changed: addresses, trust for the
    app and owner roles (as the local server trusts them) and `pool_size` server connections.
    Stopped when the block ends."""
    import configparser
    import os
    import re

    import psycopg2

    binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
    if not Path(binary).exists():
        raise RuntimeError("pgbouncer is not installed: `make test` installs it (apt-get install pgbouncer).")
    base = Path(tempfile.mkdtemp(prefix="iop-pgbouncer-"))
    log = base / "pgbouncer.log"
    config = configparser.ConfigParser(interpolation=None)
    config.read(ROOT / "deploy/pgbouncer/pgbouncer.ini")
    (deployed,) = config["databases"].values()
    host, port = connection.settings_dict["HOST"] or "127.0.0.1", str(connection.settings_dict["PORT"] or 5432)
    target = re.sub(r"\bhost=\S+", f"host={host}", deployed)
    target = re.sub(r"\bport=\S+", f"port={port}", target)
    target = re.sub(r"\bdbname=\S+", f"dbname={database}", target)
    config["databases"] = {database: target}
    server = PrivatePgBouncer(port=free_port(), database=database)
    config["pgbouncer"].update(
        listen_addr="127.0.0.1",
        listen_port=str(server.port),
        auth_type="trust",
        auth_file=str(base / "userlist.txt"),
        default_pool_size=str(pool_size),
        reserve_pool_size="0",
        logfile=str(log),
    )
    roles = (settings.IOP_DB_APP_ROLE, connection.settings_dict["USER"] or "iop_owner")
    (base / "userlist.txt").write_text("".join(f'"{role}" ""\n' for role in roles))
    with (base / "pgbouncer.ini").open("w") as out:
        config.write(out)
    log.touch()
    # pgbouncer refuses to run as root: as root (CI), it drops to postgres itself.
    as_user = ["-u", "postgres"] if os.geteuid() == 0 else []
    for path in (base, base / "userlist.txt", base / "pgbouncer.ini", log):
        if as_user:
            shutil.chown(path, "postgres")
    with (base / "stderr").open("w") as stderr:
        process = subprocess.Popen(  # noqa: S603
            [binary, *as_user, str(base / "pgbouncer.ini")],
            stdout=stderr,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )

    def answers() -> bool:
        if process.poll() is not None:
            output = (base / "stderr").read_text() + log.read_text()
            raise RuntimeError(f"pgbouncer exited ({process.returncode}):\n{output}")
        try:
            psycopg2.connect(host="127.0.0.1", port=server.port, dbname=database, user=roles[0]).close()
        except psycopg2.OperationalError:
            return False
        return True

    try:
        _poll(answers, what=f"pgbouncer on port {server.port} to answer")
        yield server
    finally:
        process.terminate()
        process.wait(timeout=30)
        shutil.rmtree(base, ignore_errors=True)
