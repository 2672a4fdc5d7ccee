"""Production. Every value that matters must come from the environment; nothing insecure defaults."""

import copy
from typing import cast

from iop.common.crypto import secret_keys_parse

from .base import *  # noqa: F401,F403
from .base import TEMPLATES, env

SECRET_KEY = env("DJANGO_SECRET_KEY")  # required: no default
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")  # required
DEBUG = False
IOP_REQUIRE_MFA = env.bool("IOP_REQUIRE_MFA", default=True)
# Required, and checked now: a missing or malformed key stops the start, not the first MFA login.
IOP_SECRET_KEYS = secret_keys_parse(env.list("IOP_SECRET_KEYS"), production=True)

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
# Load balancers probe over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Secure-sessionid"
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_NAME = "__Secure-csrftoken"
CSRF_COOKIE_HTTPONLY = True

# Behind the TLS-terminating reverse proxy (docker-compose, README "Deployment") REMOTE_ADDR is the
# proxy: login rate limits and audit rows use the client address it forwards instead.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("IOP_TRUSTED_PROXY_COUNT", default=1)

# Templates parsed once per process, not on every render. Django's default when no loaders are set;
# written out so that adding a loader later cannot silently drop the cache (issue #15).
TEMPLATES = copy.deepcopy(TEMPLATES)
TEMPLATES[0]["APP_DIRS"] = False
cast(dict, TEMPLATES[0]["OPTIONS"])["loaders"] = [
    (
        "django.template.loaders.cached.Loader",
        ["django.template.loaders.filesystem.Loader", "django.template.loaders.app_directories.Loader"],
    )
]
