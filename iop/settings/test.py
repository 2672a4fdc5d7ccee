"""Test settings: real Postgres (as the RLS app role) and real Redis; only speed knobs differ."""

import os

from iop.common.crypto import DEV_ONLY_SECRET_KEY

from .base import *  # noqa: F401,F403
from .base import CACHES, CELERY_BROKER_TRANSPORT_OPTIONS, DATABASE_CONNECTION_OPTIONS, DATABASES, env

SECRET_KEY = "test-secret-key-not-for-production"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]

# Tests connect as the owner (it may create the test database and run migrations), then
# tests/conftest.py switches every connection to the app role with `assume_role`, so the
# suite runs under RLS exactly like the web and the workers.
DATABASES["default"] = env.db("IOP_TEST_DATABASE_URL", default="postgres://iop_owner@127.0.0.1:5432/iop")
DATABASES["default"]["ENGINE"] = "iop.tenancy.db"
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
DATABASES["default"]["CONN_MAX_AGE"] = 0
# As the web and the workers connect (no JIT).
DATABASES["default"].setdefault("OPTIONS", {}).update(DATABASE_CONNECTION_OPTIONS)
DATABASES["default"]["TEST"] = {"NAME": env("IOP_TEST_DB_NAME", default="test_iop")}

# A separate Redis database and prefix, flushed between tests that use the cache.
# Keys are prefixed with the test database name, so two suites running at once on one machine
# (each with its own IOP_TEST_DB_NAME) never share rate-limit counters or consume each other's tasks.
# Under pytest-xdist each worker process has its own test database (pytest-django suffixes the name
# with the worker id, `test_iop_gw0`), so its keys carry the same suffix.
_RUN = DATABASES["default"]["TEST"]["NAME"]
if _xdist_worker := os.environ.get("PYTEST_XDIST_WORKER"):
    _RUN = f"{_RUN}_{_xdist_worker}"
CACHES["default"]["LOCATION"] = env("IOP_TEST_CACHE_URL", default="redis://127.0.0.1:6379/15")
CACHES["default"]["KEY_PREFIX"] = _RUN
CELERY_BROKER_URL = env("IOP_TEST_BROKER_URL", default="redis://127.0.0.1:6379/14")
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,
    "global_keyprefix": f"{_RUN}:",
}
# A worker killed outright (kill -9) never gives its task back: Redis hands the task out again once
# it has been unacknowledged for the visibility timeout (an hour in production), found by a sweep
# every 10 × 10 s. The fault tests start their replacement workers with a few seconds and a sweep
# every second (IOP_TEST_VISIBILITY_TIMEOUT), so that the hour passes at once; every other worker
# keeps the production values.
if _redeliver_after := env.int("IOP_TEST_VISIBILITY_TIMEOUT", default=0):
    CELERY_BROKER_TRANSPORT_OPTIONS |= {
        "visibility_timeout": _redeliver_after,
        "unacked_restore_interval": 1,
        "unacked_restore_throttle": 1,
    }

# The step at which a worker started by a crash test kills itself (iop/common/crash.py). Test
# settings only: no other settings module reads it, so no environment can crash production.
IOP_TEST_CRASH_AT = env("IOP_TEST_CRASH_AT", default="")
# The job step at which a worker started by a fault test holds until it is killed, and the file it
# announces that in (iop/common/crash.py `pause_point`).
IOP_TEST_PAUSE_AT = env("IOP_TEST_PAUSE_AT", default="")
IOP_TEST_PAUSE_MARKER = env("IOP_TEST_PAUSE_MARKER", default="")

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
IOP_REQUIRE_MFA = True
IOP_SECRET_KEYS = [DEV_ONLY_SECRET_KEY]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
