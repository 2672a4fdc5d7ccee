"""docker-compose.yml and the Dockerfile can't be run here (no Docker engine), so their contract
is checked as data: the services, roles, queues and health checks the deployment relies on."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from iop import celery_app

ROOT = Path(__file__).resolve().parents[2]
APP_SERVICES = ("web", "worker", "beat")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_the_stack_has_its_six_services(compose):
    assert set(compose["services"]) == {"db", "redis", "migrate", "web", "worker", "beat"}
    assert compose["services"]["db"]["image"] == "postgres:15"
    assert compose["services"]["redis"]["image"] == "redis:7.2"
    assert "--requirepass" in " ".join(compose["services"]["redis"]["command"])


def test_web_worker_and_beat_share_one_anchor_and_wait_for_healthy_services(compose):
    text = (ROOT / "docker-compose.yml").read_text()
    for name in APP_SERVICES:
        assert re.search(rf"^  {name}:\n    <<: \*app$", text, re.M), f"{name} does not use the shared anchor"
        service = compose["services"][name]
        assert service["depends_on"] == {
            "db": {"condition": "service_healthy"},
            "redis": {"condition": "service_healthy"},
            "migrate": {"condition": "service_completed_successfully"},
        }
    assert compose["services"]["migrate"]["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert "pg_isready" in " ".join(compose["services"]["db"]["healthcheck"]["test"])
    assert "redis-cli ping" in " ".join(compose["services"]["redis"]["healthcheck"]["test"])


def test_only_migrate_connects_as_the_owner(compose):
    services = compose["services"]
    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert services["migrate"]["environment"]["DATABASE_URL"].startswith("postgres://iop_owner:")
    for name in APP_SERVICES:
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://iop_app:")
        assert env["DJANGO_SETTINGS_MODULE"] == "iop.settings.prod"
        assert env["IOP_REQUIRE_MFA"].endswith("true}")
    # Production settings refuse to start without the keys of stored MFA secrets; the migration
    # that encrypts them needs them too.
    for name in (*APP_SERVICES, "migrate"):
        assert services[name]["environment"]["IOP_SECRET_KEYS"] == "${IOP_SECRET_KEYS:?set IOP_SECRET_KEYS in .env}"


def test_worker_consumes_every_queue_and_there_is_exactly_one_beat(compose):
    worker = compose["services"]["worker"]["command"]
    queues = worker[worker.index("-Q") + 1].split(",")
    assert sorted(queues) == sorted(q.name for q in celery_app.conf.task_queues)
    assert sorted(queues) == sorted(settings.CELERY_TASK_QUEUES_NAMES)
    assert "--concurrency=2" in worker
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
