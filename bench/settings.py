"""Settings of the benchmark server (`bench/run.py`): production's, plus the floor view and a
query-count header. Never used outside the harness.

Production settings need their secrets from the environment; the harness runs on 127.0.0.1 over
plain HTTP, so it sets harmless ones and turns the HTTPS redirect off (the secure cookie names stay:
the load client sends cookies itself). Everything a page's cost depends on — middleware, session
engine, MFA enforcement, template loaders, persistent connections — is production's.
"""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("DJANGO_SECURE_HSTS_SECONDS", "0")
# A key for the stored TOTP seeds of the bench users (production refuses to start without one).
os.environ.setdefault("IOP_SECRET_KEYS", "YmVuY2gtb25seS1mZXJuZXQta2V5LW5vdC1wcm9kISE=")
# Ten load clients of one user would meet the per-user API throttle (429s, not pages) in seconds.
os.environ.setdefault("IOP_API_THROTTLE", "1000000/min")

from iop.settings.prod import *  # noqa: E402,F401,F403
from iop.settings.prod import BASE_DIR, INSTALLED_APPS, MIDDLEWARE  # noqa: E402

ROOT_URLCONF = "bench.urls"
INSTALLED_APPS = [*INSTALLED_APPS, "bench"]  # the floor view's template
# Outermost, so it counts every query of the request, the middleware's own included.
MIDDLEWARE = ["bench.middleware.QueryCountMiddleware", *MIDDLEWARE]
# The static files the harness collects (bench/run.py) live apart from the app's.
STATIC_ROOT = BASE_DIR / "var" / "bench-static"
# Messages go nowhere: reminder delivery is measured, not sent (SMS goes to the outbox already).
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
