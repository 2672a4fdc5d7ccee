"""The benchmark: each main page and API list side by side with the floor, at one or more data sizes.

    .venv/bin/python bench/run.py --scale 1 --scale 10      # demo size and 10× (see bench/README.md)

For each `--scale k` it prepares a database `iop_bench_<k>` (the migrated, seeded demo kept as
a template database `iop_bench_template`, copied, then grown by bench/generate.py; `--reuse` keeps
an existing one), serves it with gunicorn as production does (gunicorn.conf.py, 2 workers, the
production settings plus the floor view: bench/settings.py) on its own port, signs in the demo's
admin (a TOTP authenticator and one session per load client, written directly: the password and
code steps are not what is measured), and measures every page:

- one client, sequential requests: server time per request (median) and the query count
  (`X-Bench-Queries`, added by the bench settings);
- `--concurrency` clients (threads with their own keep-alive connection and session) for
  `--seconds`: requests per second, p50/p95/p99, and the ratio to the floor — measured before the
  pages and again after them, the mean of both, so drift on a shared machine shows.

Writes `bench/results/<time>.json`, prints the table, and with matplotlib installed
(`pip install -e '.[bench]'`) draws `bench/results/<time>.png`: ratio to the floor by page and size.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PY = sys.executable
PGHOST = os.environ.get("PGHOST", "127.0.0.1")
PGPORT = os.environ.get("PGPORT", "5432")
PGSUPERUSER = os.environ.get("PGSUPERUSER", "postgres")
OWNER = os.environ.get("IOP_DB_OWNER", "iop_owner")
APP_ROLE = os.environ.get("IOP_DB_APP_ROLE", "iop_app")
TEMPLATE_DB = "iop_bench_template"
ORG = "harbor"
USER = "admin@harbor.test"  # the demo's organization admin: every page is open to them
SESSION_COOKIE = "__Secure-sessionid"
SWEEP_JOBS = 7  # bench/sweeps.py  # production's name (bench/settings.py keeps it)


def db_url(role: str, name: str) -> str:
    return f"postgres://{role}@{PGHOST}:{PGPORT}/{name}"


def psql(sql: str, *, db: str = "postgres") -> str:
    out = subprocess.run(
        ["psql", "-X", "-q", "-At", "-h", PGHOST, "-p", PGPORT, "-U", PGSUPERUSER, "-d", db, "-c", sql],
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip()


def db_exists(name: str) -> bool:
    return psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'") == "1"


def manage(*args: str, url: str, settings: str = "iop.settings.dev") -> None:
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": settings}
    subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True)


def database_prepare(*, scale: int, reuse: bool, generate_args: list[str]) -> str:
    """`iop_bench_<scale>`: the seeded demo template, copied and grown by bench/generate.py."""
    name = f"iop_bench_{scale}"
    if reuse and db_exists(name):
        print(f"Reusing database {name} (migrating it if the code has new migrations).", flush=True)
        manage("migrate", "--noinput", "-v", "0", url=db_url(OWNER, name))
        return name
    if not db_exists(TEMPLATE_DB):
        print(f"Creating {TEMPLATE_DB}: migrate, seed the demo (a few minutes, once).", flush=True)
        subprocess.run(
            ["bash", "-c", 'source scripts/bootstrap.sh && iop_db_ensure "$0"', TEMPLATE_DB], cwd=ROOT, check=True
        )
        manage("migrate", "--noinput", "-v", "0", url=db_url(OWNER, TEMPLATE_DB))
        manage("seed_demo", url=db_url(APP_ROLE, TEMPLATE_DB))
    else:  # the code may have moved on since the template was made
        manage("migrate", "--noinput", "-v", "0", url=db_url(OWNER, TEMPLATE_DB))
    psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    psql(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE_DB}" OWNER "{OWNER}"')
    env = {**os.environ, "DATABASE_URL": db_url(APP_ROLE, name), "DJANGO_SETTINGS_MODULE": "iop.settings.dev"}
    subprocess.run([PY, "bench/generate.py", "--scale", str(scale), *generate_args], cwd=ROOT, env=env, check=True)
    return name


# --- the server ----------------------------------------------------------------------------------


def server_env(database: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": db_url(APP_ROLE, database),
        "WEB_CONCURRENCY": os.environ.get("WEB_CONCURRENCY", "2"),
        "PYTHONPATH": str(ROOT),
    }


def server_start(database: str, port: int) -> subprocess.Popen:
    env = server_env(database)
    subprocess.run([PY, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    log = open(RESULTS / f"gunicorn-{database}.log", "w")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(
        [
            str(Path(PY).parent / "gunicorn"),
            "--config",
            "gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{port}",
            "--access-logfile",
            "/dev/null",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            pass
        if proc.poll() is not None:
            break
        time.sleep(0.5)
    server_stop(proc)
    raise SystemExit(f"gunicorn did not answer on port {port}: see {log.name}")


def server_stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def sign_in_and_targets(database: str, sessions: int) -> tuple[list[str], dict[str, str]]:
    """Session keys of the demo admin (with TOTP set up, as production requires) and the URLs to
    measure, from a child process with the bench settings (this one stays Django-free)."""
    code = r"""
import json, sys
import django
django.setup()
from bench.targets import prepare
print(json.dumps(prepare(org_slug=sys.argv[1], email=sys.argv[2], sessions=int(sys.argv[3]))))
"""
    out = subprocess.run(
        [PY, "-c", code, ORG, USER, str(sessions)],
        cwd=ROOT,
        env=server_env(database),
        check=True,
        capture_output=True,
        text=True,
    )
    data = json.loads(out.stdout.strip().splitlines()[-1])
    return data["sessions"], data["urls"]


# --- the load client -----------------------------------------------------------------------------


@dataclass
class Measure:
    page: str
    url: str
    single_ms: float = 0.0  # one client: median time per request
    queries: int = 0
    rps: float = 0.0
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    p99_ms: float = 0.0
    errors: int = 0
    ratio: float = 0.0
    statuses: dict[str, int] = field(default_factory=dict)


def _get(conn: http.client.HTTPConnection, url: str, session: str) -> tuple[int, int]:
    conn.request("GET", url, headers={"Cookie": f"{SESSION_COOKIE}={session}", "Accept": "text/html,application/json"})
    response = conn.getresponse()
    response.read()
    return response.status, int(response.getheader("X-Bench-Queries") or 0)


def _percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] if values else 0.0


def measure(page: str, url: str, *, port: int, sessions: list[str], seconds: float, single: int) -> Measure:
    m = Measure(page=page, url=url)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    timings, queries = [], []
    for i in range(single + 2):
        started = time.perf_counter()
        status, count = _get(conn, url, sessions[0])
        if i >= 2:  # two warm-up requests: each worker's first render loads templates
            timings.append(time.perf_counter() - started)
            queries.append(count)
        if status != 200:
            m.statuses[str(status)] = m.statuses.get(str(status), 0) + 1
    conn.close()
    m.single_ms = statistics.median(timings) * 1000
    m.queries = int(statistics.median(queries))

    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def client(session: str) -> None:
        nonlocal errors
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine, bad = [], 0
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            try:
                status, _ = _get(c, url, session)
            except (OSError, http.client.HTTPException):
                c.close()
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                status = 0
            mine.append(time.perf_counter() - started)
            bad += status != 200
        c.close()
        with lock:
            latencies.extend(mine)
            errors += bad

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(s,)) for s in sessions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    m.rps = len(latencies) / elapsed
    m.p50_ms, m.p95_ms, m.p99_ms = (_percentile(latencies, p) * 1000 for p in (50, 95, 99))
    m.errors = errors
    return m


# --- reporting -----------------------------------------------------------------------------------


def table(size: str, measures: list[Measure], floor_rps: float) -> str:
    lines = [
        f"### {size} (floor {floor_rps:.0f} req/s)",
        "",
        "| Page | req/s | ratio to floor | p50 ms | p95 ms | p99 ms | one client ms | queries | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for m in measures:
        lines.append(
            f"| {m.page} | {m.rps:.1f} | {m.ratio:.2f} | {m.p50_ms:.0f} | {m.p95_ms:.0f} | {m.p99_ms:.0f} "
            f"| {m.single_ms:.1f} | {m.queries} | {m.errors} |"
        )
    return "\n".join(lines)


def chart(results: dict, path: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    sizes = list(results)
    pages = [m["page"] for m in results[sizes[0]]["pages"] if m["page"] != "floor"]
    width = 0.8 / len(sizes)
    fig, ax = plt.subplots(figsize=(11, 5))
    for i, size in enumerate(sizes):
        ratios = {m["page"]: m["ratio"] for m in results[size]["pages"]}
        ax.bar([p + i * width for p in range(len(pages))], [ratios.get(p, 0) for p in pages], width, label=size)
    ax.axhline(0.67, color="grey", linestyle="--", linewidth=1, label="target 0.67")
    ax.set_xticks([p + width * (len(sizes) - 1) / 2 for p in range(len(pages))], pages, rotation=35, ha="right")
    ax.set_ylabel("requests/s ÷ floor's")
    ax.set_title("Share of the floor by page (10 concurrent clients, 2 gunicorn workers)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, action="append", help="data size: demo × k (repeatable; default 1)")
    parser.add_argument("--years", type=float, default=0, help="years of history behind each size (generate.py)")
    parser.add_argument("--reuse", action="store_true", help="keep an existing iop_bench_<k> database")
    parser.add_argument(
        "--database",
        action="append",
        help="measure this existing database as it is, named as the size (repeatable; e.g. one grown by "
        "generate.py --orgs; it is not migrated)",
    )
    parser.add_argument("--seconds", type=float, default=10, help="load per page (default 10)")
    parser.add_argument("--single", type=int, default=20, help="sequential requests per page (default 20)")
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--port", type=int, default=8400)
    parser.add_argument("--only", help="comma-separated page names to measure (the floor always is)")
    parser.add_argument("--no-sweeps", action="store_true", help="pages only: skip bench/sweeps.py")
    parser.add_argument("--sweeps-timeout", type=float, default=600, help="stop the sweeps after (s; default 600)")
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)
    scales = args.scale or ([] if args.database else [1])
    generate_args = ["--years", str(args.years)] if args.years else []

    results: dict[str, dict] = {}
    sizes: list[tuple[int | None, str | None]] = [(scale, None) for scale in scales]
    sizes += [(None, name) for name in args.database or []]
    for scale, database in sizes:
        if database is None:
            database = database_prepare(scale=scale, reuse=args.reuse, generate_args=generate_args)
            size = f"demo ×{scale}" + (f", {args.years:g} years" if args.years else "")
        else:
            size = database
        proc = server_start(database, args.port)
        try:
            sessions, urls = sign_in_and_targets(database, args.concurrency)
            if args.only:
                wanted = set(args.only.split(","))
                urls = {k: v for k, v in urls.items() if k in wanted or k == "floor"}
            kwargs = {"port": args.port, "sessions": sessions, "seconds": args.seconds, "single": args.single}
            floor_before = measure("floor", urls["floor"], **kwargs)
            measures = []
            for page, url in urls.items():
                if page != "floor":
                    print(f"  {size}: {page}…", flush=True)
                    measures.append(measure(page, url, **kwargs))
            floor_after = measure("floor", urls["floor"], **kwargs)
        finally:
            server_stop(proc)
        floor_rps = (floor_before.rps + floor_after.rps) / 2
        floor = replace(floor_before, rps=floor_rps)  # the row in the table: the mean of both
        measures.insert(0, floor)
        for m in measures:
            m.ratio = m.rps / floor_rps if floor_rps else 0.0
        results[size] = {
            "database": database,
            "floor_rps_before": floor_before.rps,
            "floor_rps_after": floor_after.rps,
            "pages": [asdict(m) for m in measures],
        }
        print(table(size, measures, floor_rps), flush=True)
        print(f"(floor before {floor_before.rps:.0f}, after {floor_after.rps:.0f} req/s)\n", flush=True)
        if not args.no_sweeps:
            # After the pages, with the server stopped: the workers' figures are one process's.
            sweeps_json = RESULTS / f"sweeps-{database}.json"
            sweeps_json.unlink(missing_ok=True)
            try:
                subprocess.run(
                    [PY, "bench/sweeps.py", "--org", ORG, "--json", str(sweeps_json)],
                    cwd=ROOT,
                    env=server_env(database),
                    check=True,
                    timeout=args.sweeps_timeout,
                )
            except subprocess.TimeoutExpired:  # the jobs done so far are in the file
                print(f"  sweeps stopped after {args.sweeps_timeout:.0f} s", flush=True)
            workers = json.loads(sweeps_json.read_text()) if sweeps_json.exists() else {}
            workers["stopped_after_s"] = None if len(workers.get("sweeps", [])) == SWEEP_JOBS else args.sweeps_timeout
            results[size]["workers"] = workers
            for job in workers.get("sweeps", []):
                print(
                    f"  {job['job']}: {job['rows_per_second']:.0f} {job['unit']}/s "
                    f"({job['rows']} in {job['seconds']:.2f} s, {job['queries']} queries)"
                )
            if workers.get("pdf"):
                pdf = workers["pdf"]
                print(f"  attendance report PDF: {pdf['pages_per_second']:.1f} pages/s ({pdf['pages']} pages)")

    stamp = time.strftime("%Y%m%d-%H%M%S")
    meta = {"concurrency": args.concurrency, "seconds": args.seconds, "workers": os.environ.get("WEB_CONCURRENCY", "2")}
    out = RESULTS / f"{stamp}.json"
    out.write_text(json.dumps({"meta": meta, "sizes": results}, indent=2))
    print(f"Results: {out.relative_to(ROOT)}")
    png = RESULTS / f"{stamp}.png"
    if chart(results, png):
        print(f"Chart: {png.relative_to(ROOT)}")
    else:
        print("No chart: matplotlib is not installed (pip install -e '.[bench]').")


if __name__ == "__main__":
    main()
