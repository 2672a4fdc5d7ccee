"""docker-compose.yml and the Dockerfile can't be run here (no Docker engine), so their contract
is checked as data: the services, roles, queues and health checks the deployment relies on."""

from __future__ import annotations

import configparser
import re
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from iop import celery_app

ROOT = Path(__file__).resolve().parents[2]
WORKERS = ("worker", "worker-notifications", "worker-pdf")
APP_SERVICES = ("web", *WORKERS, "beat")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_the_stack_has_its_services(compose):
    assert set(compose["services"]) == {"db", "pgbouncer", "redis", "migrate", "lb", *APP_SERVICES}
    assert compose["services"]["db"]["image"] == "postgres:15"
    assert compose["services"]["redis"]["image"] == "redis:7.2"
    assert "--requirepass" in " ".join(compose["services"]["redis"]["command"])


def test_web_worker_and_beat_share_one_anchor_and_wait_for_healthy_services(compose):
    text = (ROOT / "docker-compose.yml").read_text()
    for name in APP_SERVICES:
        assert re.search(rf"^  {name}:\n    <<: \*app$", text, re.M), f"{name} does not use the shared anchor"
        service = compose["services"][name]
        assert service["depends_on"] == {
            "pgbouncer": {"condition": "service_healthy"},
            "redis": {"condition": "service_healthy"},
            "migrate": {"condition": "service_completed_successfully"},
        }
    assert compose["services"]["migrate"]["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert compose["services"]["pgbouncer"]["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert "pg_isready" in " ".join(compose["services"]["db"]["healthcheck"]["test"])
    assert "redis-cli ping" in " ".join(compose["services"]["redis"]["healthcheck"]["test"])


def test_only_migrate_connects_as_the_owner(compose):
    services = compose["services"]
    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]
    # Directly to PostgreSQL: DDL, once, unpooled.
    assert services["migrate"]["environment"]["DATABASE_URL"].startswith("postgres://iop_owner:")
    assert services["migrate"]["environment"]["DATABASE_URL"].endswith("@db:5432/iop")
    assert services["migrate"]["environment"]["IOP_DB_POOLED"] == "false"
    for name in APP_SERVICES:
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://iop_app:")
        # Through PgBouncer, with the settings that fit transaction pooling.
        assert env["DATABASE_URL"].endswith("@pgbouncer:6432/iop")
        assert env["IOP_DB_POOLED"] == "true"
        assert env["DJANGO_SETTINGS_MODULE"] == "iop.settings.prod"
        assert env["IOP_REQUIRE_MFA"].endswith("true}")
    # Production settings refuse to start without the keys of stored MFA secrets; the migration
    # that encrypts them needs them too.
    for name in (*APP_SERVICES, "migrate"):
        assert services[name]["environment"]["IOP_SECRET_KEYS"] == "${IOP_SECRET_KEYS:?set IOP_SECRET_KEYS in .env}"


def _consumed(command: list[str]) -> set[str]:
    assert command[:4] == ["celery", "-A", "iop", "worker"]
    return set(command[command.index("-Q") + 1].split(","))


def _routed_queues() -> dict[str, str]:
    """Every task of the project (not Celery's own) -> the queue the app sends it to."""
    celery_app.loader.import_default_modules()
    return {
        name: celery_app.amqp.router.route({}, name)["queue"].name
        for name in celery_app.tasks
        if not name.startswith("celery.")
    }


def test_every_task_is_routed_to_a_declared_queue():
    declared = {q.name for q in celery_app.conf.task_queues}
    assert declared == set(settings.CELERY_TASK_QUEUES_NAMES)
    routed = _routed_queues()
    assert len(routed) > 20, "the project's tasks were not found"
    assert set(routed.values()) == declared
    # No route names a task that does not exist (a renamed task would silently go to `default`).
    assert set(settings.CELERY_TASK_ROUTES) <= set(routed)
    assert routed["scheduling.reminder_deliver"] == "notifications"
    assert routed["attendance.report_generate"] == "pdf"


def test_each_queue_has_a_worker_of_its_own_so_reminders_never_wait_behind_pdfs(compose):
    services = compose["services"]
    consumed = {name: _consumed(services[name]["command"]) for name in WORKERS}
    # Every queue is consumed, each by exactly one worker service that consumes nothing else:
    # a notification task and a PDF task never share a worker's processes.
    assert sorted(q for queues in consumed.values() for q in queues) == sorted(settings.CELERY_TASK_QUEUES_NAMES)
    assert all(len(queues) == 1 for queues in consumed.values())
    routed = _routed_queues()
    messages = {task for task, queue in routed.items() if queue == "notifications"}
    renders = {task for task, queue in routed.items() if queue == "pdf"}
    assert "scheduling.reminder_deliver" in messages and renders
    for name, queues in consumed.items():
        runs = {task for task, queue in routed.items() if queue in queues}
        assert not (runs & messages and runs & renders), f"{name} runs messages and PDF renders"
    for name in WORKERS:
        command = services[name]["command"]
        assert command[command.index("-n") + 1].endswith("@%h")  # distinct node names on one host
        assert any(arg.startswith("--concurrency=") for arg in command)


def test_there_is_exactly_one_beat(compose):
    beat = compose["services"]["beat"]
    assert beat["command"][:4] == ["celery", "-A", "iop", "beat"]
    assert beat["deploy"]["replicas"] == 1
    assert compose["services"]["web"]["command"][:2] == ["gunicorn", "iop.wsgi:application"]


def test_web_health_check_is_valid_python(compose):
    test = compose["services"]["web"]["healthcheck"]["test"]
    assert test[:3] == ["CMD", "python", "-c"]
    compile(test[3], "healthcheck", "exec")
    assert "/healthz" in test[3]


def test_postgres_init_creates_the_roles_from_the_shared_sql(compose):
    volumes = compose["services"]["db"]["volumes"]
    assert "./deploy/postgres/roles.sql:/iop/roles.sql:ro" in volumes
    assert any(v.startswith("./deploy/postgres/init-roles.sh:/docker-entrypoint-initdb.d/") for v in volumes)
    assert "-f /iop/roles.sql" in (ROOT / "deploy/postgres/init-roles.sh").read_text()
    sql = (ROOT / "deploy/postgres/roles.sql").read_text()
    assert 'ALTER ROLE :"app_role" LOGIN NOSUPERUSER NOBYPASSRLS' in sql
    assert 'GRANT :"app_role" TO :"owner_role"' in sql


def test_dockerfile_uses_python_311_bookworm_with_the_pdf_libraries_and_fonts():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "\nFROM python:3.11-slim-bookworm\n" in dockerfile
    # The image, `make run` and `make test` install the same (scripts/bootstrap.sh's list).
    (listed,) = re.findall(r"^IOP_PDF_PACKAGES=\((.*)\)$", (ROOT / "scripts/bootstrap.sh").read_text(), re.M)
    pdf_packages = ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0")
    fonts = ("fonts-dejavu-core", "fonts-noto-core", "fonts-noto-cjk")
    assert listed.split() == [*pdf_packages, *fonts]
    for package in listed.split():
        assert package in dockerfile
    for script in ("scripts/test.sh", "scripts/run.sh"):
        ensure = re.compile(r'^iop_debian_packages_ensure .*"\$\{IOP_PDF_PACKAGES\[@\]\}"$', re.M)
        assert ensure.search((ROOT / script).read_text()), script


def test_web_runs_gunicorn_with_the_shared_config_that_bounds_its_connections(compose):
    # gunicorn.conf.py: gthread workers x threads bound the database connections (README).
    web = compose["services"]["web"]
    assert "--config=gunicorn.conf.py" in web["command"]
    assert web["environment"]["WEB_CONCURRENCY"] == "${WEB_CONCURRENCY:-3}"
    assert web["environment"]["WEB_THREADS"] == "${WEB_THREADS:-4}"
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "COPY --chown=iop:iop manage.py gunicorn.conf.py ./\n" in dockerfile
    assert '"--config", "gunicorn.conf.py"' in dockerfile.split("\nCMD ", 1)[1]


def test_the_image_copies_every_package_of_the_project():
    # The image copies the code package by package; one left out (as discharge/ once was) builds
    # an image whose every process fails at startup with an ImportError.
    dockerfile = (ROOT / "Dockerfile").read_text()
    copied = set(re.findall(r"^COPY --chown=iop:iop (\S+) \./\1\n", dockerfile, flags=re.MULTILINE))
    own_apps = {app.split(".")[0] for app in settings.INSTALLED_APPS if (ROOT / app.split(".")[0]).is_dir()}
    assert own_apps, "the project's own packages were not found"
    assert own_apps - copied == set()


def test_pgbouncer_pools_transactions_from_the_tested_file(compose):
    pgbouncer = compose["services"]["pgbouncer"]
    assert pgbouncer["build"]["context"] == "./deploy/pgbouncer"
    assert pgbouncer["healthcheck"]["test"][-1] == "exec 3<>/dev/tcp/127.0.0.1/6432"
    dockerfile = (ROOT / "deploy/pgbouncer/Dockerfile").read_text()
    assert "\nFROM debian:bookworm-slim\n" in dockerfile  # Debian 12's pgbouncer, as `make test` installs
    assert "COPY pgbouncer.ini /etc/pgbouncer/pgbouncer.ini\n" in dockerfile
    assert "iop_debian_packages_ensure chromium pgbouncer " in (ROOT / "scripts/test.sh").read_text()
    config = configparser.ConfigParser(interpolation=None)
    config.read(ROOT / "deploy/pgbouncer/pgbouncer.ini")
    assert config["pgbouncer"]["pool_mode"] == "transaction"
    # A descriptor per client and server connection; Docker's default soft limit may be 1024.
    pools = int(config["pgbouncer"]["default_pool_size"]) + int(config["pgbouncer"]["reserve_pool_size"])
    assert pgbouncer["ulimits"]["nofile"] > int(config["pgbouncer"]["max_client_conn"]) + pools + 50
    assert config["pgbouncer"]["listen_port"] == "6432"
    assert config["pgbouncer"]["auth_file"] == "/run/pgbouncer/userlist.txt"
    assert "/run/pgbouncer/userlist.txt" in (ROOT / "deploy/pgbouncer/entrypoint.sh").read_text()
    assert dict(config["databases"]) == {"iop": "host=db port=5432 dbname=iop connect_query='SET jit = off'"}


def test_web_can_scale_behind_the_lb(compose):
    services = compose["services"]
    # No host port of its own (two web containers would collide on it): `lb` is the way in.
    assert "ports" not in services["web"]
    assert services["web"]["expose"] == ["8000"]
    assert "container_name" not in services["web"]
    assert services["lb"]["ports"] == ["127.0.0.1:${IOP_HTTP_PORT:-8000}:8080"]
    assert services["lb"]["depends_on"] == {"web": {"condition": "service_healthy"}}
    assert "./deploy/nginx/lb.conf:/etc/nginx/conf.d/default.conf:ro" in services["lb"]["volumes"]
    conf = (ROOT / "deploy/nginx/lb.conf").read_text()
    # Looked up again, so containers added by `--scale web=N` get requests without a restart.
    assert "resolver 127.0.0.11 valid=10s" in conf and "set $web http://web:8000;" in conf
    assert "proxy_pass $web;" in conf
    assert "listen 8080;" in conf
