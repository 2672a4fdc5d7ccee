"""Production settings are safe by default and pass Django's deployment checks."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from iop.common.crypto import DEV_ONLY_SECRET_KEY

ROOT = Path(__file__).resolve().parent.parent


def _manage(*args, env_overrides):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "IOP_"))}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


PROD = {
    "DJANGO_SETTINGS_MODULE": "iop.settings.prod",
    "DJANGO_SECRET_KEY": "x" * 20 + "-a-long-random-production-secret-key-value-0123456789",
    "DJANGO_ALLOWED_HOSTS": "iop.example.org",
    "DATABASE_URL": "postgres://iop_app@127.0.0.1:5432/iop",
    # Two keys, newest first, as during a rotation.
    "IOP_SECRET_KEYS": "u7YRH2y9m1dD0iDQ0JwFqQ5m3e4Kx0b7a3jV2Qy8T1c=,C6yAmvKnYb3oXb5fP5Ut8lM0sJ2N1q7W2o9dH4kZtRA=",
}


def test_check_deploy_passes_at_warning_level():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env_overrides=PROD)
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in PROD.items() if k != "DJANGO_SECRET_KEY"}
    result = _manage("check", env_overrides=env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        (None, "IOP_SECRET_KEYS"),
        ("", "IOP_SECRET_KEYS: set at least one Fernet key"),
        ("not-a-fernet-key", "IOP_SECRET_KEYS: key 1 is not a Fernet key"),
        (f"{PROD['IOP_SECRET_KEYS']},short", "IOP_SECRET_KEYS: key 3 is not a Fernet key"),
        (DEV_ONLY_SECRET_KEY, "development-only key cannot be used in production"),
    ],
)
def test_production_refuses_to_start_without_valid_secret_keys(keys, message):
    env = {k: v for k, v in PROD.items() if k != "IOP_SECRET_KEYS"}
    if keys is not None:
        env["IOP_SECRET_KEYS"] = keys
    result = _manage("check", env_overrides=env)
    assert result.returncode != 0
    assert message in result.stderr


def test_production_enforces_mfa_and_secure_cookies_by_default():
    code = (
        "from django.conf import settings as s;"
        "print(s.IOP_REQUIRE_MFA, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.DEBUG,"
        " s.IOP_SESSION_IDLE_TIMEOUT,"
        " s.SPECTACULAR_SETTINGS['SERVE_PERMISSIONS'])"
    )
    result = _manage("shell", "-c", code, env_overrides=PROD)
    assert result.returncode == 0, result.stderr
    assert (
        result.stdout.strip().splitlines()[-1]
        == "True True True False 900 ['rest_framework.permissions.IsAuthenticated']"
    )


@pytest.mark.parametrize("pooled", ["true", "false"])
def test_the_database_settings_behind_pgbouncer_set_nothing_for_the_session(pooled):
    # As docker-compose.yml sets it for web, the workers and beat (and not for migrate).
    env = {**PROD, "DATABASE_URL": "postgres://iop_app:secret@pgbouncer:6432/iop", "IOP_DB_POOLED": pooled}
    script = (
        "import json; from django.conf import settings as s; d = s.DATABASES['default'];"
        "print(json.dumps([d['OPTIONS'], d['DISABLE_SERVER_SIDE_CURSORS'], d['CONN_MAX_AGE'], s.SESSION_ENGINE]))"
    )
    result = _manage("shell", "-c", script, env_overrides=env)
    assert result.returncode == 0, result.stderr
    # The last line: `shell` first says what it imported.
    options, no_server_side_cursors, conn_max_age, sessions = json.loads(result.stdout.strip().splitlines()[-1])
    # PgBouncer 1.18 refuses startup options (jit=off comes from its connect_query instead).
    assert options == ({} if pooled == "true" else {"options": "-c jit=off"})
    assert no_server_side_cursors is True
    assert conn_max_age == 60
    assert sessions == "iop.accounts.sessions"


def test_production_parses_each_template_once_per_process():
    code = (
        "from django.template import engines;"
        "engine = engines['django'].engine;"
        "(cached,) = engine.template_loaders;"
        "print(type(cached).__module__, [type(loader).__module__ for loader in cached.loaders]);"
        "first = engine.get_template('base.html'); print(engine.get_template('base.html') is first)"
    )
    result = _manage("shell", "-c", code, env_overrides=PROD)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-2:] == [
        "django.template.loaders.cached ['django.template.loaders.filesystem', "
        "'django.template.loaders.app_directories']",
        "True",
    ]
