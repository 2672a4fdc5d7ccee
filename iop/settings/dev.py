"""Local development: `make run`. Never used in production."""

from iop.common.crypto import DEV_ONLY_SECRET_KEY

from .base import *  # noqa: F401,F403
from .base import DATABASES, env

# No persistent connections: `manage.py runserver` starts a thread per request, and each thread
# would keep its own connection open (84 idle ones after a few minutes of clicking). `make run`
# serves with gunicorn's fixed threads instead (gunicorn.conf.py), where the bound holds anyway.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0)

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="dev-only-insecure-secret-key-do-not-use-in-production")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
# The demo may run without MFA; `make run` prints a warning when it does.
IOP_REQUIRE_MFA = env.bool("IOP_REQUIRE_MFA", default=False)
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True
IOP_SECRET_KEYS = env.list("IOP_SECRET_KEYS", default=[DEV_ONLY_SECRET_KEY])
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
