"""Settings shared by every environment.

Everything that differs between machines comes from environment variables (documented in the
README, "Configuration"). Defaults here are the *safe* ones; dev.py relaxes what a laptop needs.
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
DEBUG = False
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

DJANGO_APPS = [
    "iop.tenancy.admin_apps.IopAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
]
THIRD_PARTY_APPS = [
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "csp",
    "pgtrigger",
    "pghistory",
]
# History rows say what happened to which kind of record (iop/common/models.py).
PGHISTORY_BASE_MODEL = "iop.common.models.Event"
LOCAL_APPS = [
    "iop.tenancy",
    "iop.accounts",
    "iop.audit",
    "iop.clients",
    "iop.common",
    "iop.notifications",
]
DOMAIN_APPS = [
    "scheduling",
    "attendance",
    "authorizations",
    "discharge",
]
# Above every domain app: the demo data (`seed_demo`) may import them all.
DEMO_APPS = ["demo"]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS + DOMAIN_APPS + DEMO_APPS

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    # Every /api/ response, errors included, is Cache-Control: no-store.
    "iop.common.middleware.ApiNoStoreMiddleware",
    # Outside everything that queries the database: turns its refusals into 503s.
    "iop.common.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "iop.accounts.middleware.SessionTimeoutMiddleware",
    "iop.accounts.middleware.RequireMFAMiddleware",
    "iop.tenancy.middleware.TenantMiddleware",
    "iop.audit.middleware.RequestIdMiddleware",
    "pghistory.middleware.HistoryMiddleware",
]

ROOT_URLCONF = "iop.urls"
WSGI_APPLICATION = "iop.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "iop.tenancy.context_processors.tenant",
                "iop.notifications.context_processors.unread",
            ],
            # Every template writes dates the one way (iop/common/dates.py) without loading a library.
            "builtins": ["iop.common.templatetags.dates"],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# The web and the workers connect as the non-owner app role (no BYPASSRLS): Row-Level Security
# applies to every query they run. Migrations run as the owner role (IOP_MIGRATE_DATABASE_URL
# in `make run` / docker-compose).
DATABASES = {
    "default": env.db("DATABASE_URL", default="postgres://iop_app@127.0.0.1:5432/iop"),
}
# Our backend adds the tenant to every statement (iop/tenancy/db/base.py).
DATABASES["default"]["ENGINE"] = "iop.tenancy.db"
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Server-side cursors are wrapped in DECLARE … CURSOR, so the per-statement tenant prefix cannot be
# added to them (see iop/tenancy/context.py). They are also unsafe behind PgBouncer.
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
# One connection per request thread, kept for reuse and checked before it: gunicorn's fixed threads
# (gunicorn.conf.py) make workers x threads the bound of a web process's connections.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# No JIT compilation: the pages' statements are short OLTP reads, but a few (the Today board's one
# UNION ALL of every panel, the worklist's unit figures) carry plan costs above jit_above_cost from
# correlated subplans, and compiling their large plans took the Today board at 10x demo data from
# 0.36 s of execution to 52 s (bench/README.md, "EXPLAIN ANALYZE"). Set per connection, so it holds
# whatever the server's default is.
DATABASE_CONNECTION_OPTIONS = {"options": "-c jit=off"}
DATABASES["default"].setdefault("OPTIONS", {}).update(DATABASE_CONNECTION_OPTIONS)


def database_behind_pgbouncer(database: dict) -> dict:
    """`database` as it must connect through PgBouncer in transaction pooling, where consecutive
    transactions of one connection may run on different server connections (and a server
    connection serves many clients in turn), so nothing may be set for the session:

    - the tenant context is set per statement and transaction-local (iop/tenancy/context.py);
    - server-side cursors stay off (a DECLAREd cursor lives beyond its transaction);
    - no `assume_role`: Django runs `SET ROLE` once per connection, which would stick to one server
      connection and miss the others; connect as the app role itself;
    - no startup `options`: PgBouncer 1.18 refuses them, so jit=off is set by PgBouncer on each
      server connection instead (deploy/pgbouncer/pgbouncer.ini, `connect_query`).

    CONN_MAX_AGE keeps its meaning: a kept connection is one to PgBouncer, which holds no server
    connection between transactions, so PostgreSQL's connections are bounded by PgBouncer's pool
    size whatever the number of web containers, workers and threads."""
    options = dict(database.get("OPTIONS", {}))
    if "assume_role" in options:
        raise ValueError("assume_role (a session-level SET ROLE) cannot work behind transaction pooling.")
    for name in DATABASE_CONNECTION_OPTIONS:
        options.pop(name, None)
    return {**database, "OPTIONS": options, "DISABLE_SERVER_SIDE_CURSORS": True}


# IOP_DB_POOLED=true when DATABASE_URL points at PgBouncer in transaction pooling
# (docker-compose.yml; README "Deployment").
IOP_DB_POOLED = env.bool("IOP_DB_POOLED", default=False)
if IOP_DB_POOLED:
    DATABASES["default"] = database_behind_pgbouncer(DATABASES["default"])
# The role that RLS applies to; migrations grant it DML on every table (iop/tenancy/rls.py).
IOP_DB_APP_ROLE = env("IOP_DB_APP_ROLE", default="iop_app")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# --- Cache (shared: login rate limits and API throttles must count across processes) ---------
REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env("CACHE_URL", default="redis://127.0.0.1:6379/1"),
        "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="iop"),
    }
}

# --- Passwords ------------------------------------------------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "allauth.account.auth_backends.AuthenticationBackend",
]

# --- Sessions: 15-minute idle logoff and an absolute cap (HIPAA automatic logoff) -----------
# Read from Redis, written through to PostgreSQL: any web container serves any session, without a
# SELECT per request, and a Redis outage signs nobody out (iop/accounts/sessions.py).
SESSION_ENGINE = "iop.accounts.sessions"
IOP_SESSION_IDLE_TIMEOUT = env.int("IOP_SESSION_IDLE_TIMEOUT", default=15 * 60)
IOP_SESSION_ABSOLUTE_TIMEOUT = env.int("IOP_SESSION_ABSOLUTE_TIMEOUT", default=12 * 60 * 60)
# Django's own expiry is the backstop; SessionTimeoutMiddleware ends idle sessions first (and audits it).
SESSION_COOKIE_AGE = IOP_SESSION_IDLE_TIMEOUT + 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# --- allauth ---------------------------------------------------------------------------------
ACCOUNT_ADAPTER = "iop.accounts.adapters.InvitationOnlyAccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
# Staff addresses are verified by the invitation itself (the link was delivered to that inbox).
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
# There is no signup to point a stranger to (invitations only): a password reset for an address
# with no account sends nothing — allauth would otherwise mail that inbox an "unknown account"
# note. The page answers exactly as for a known address (ACCOUNT_PREVENT_ENUMERATION).
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "login": "30/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "reauthenticate": "10/m/user",
    "signup": "5/m/ip",
}
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"

MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_TOTP_ISSUER = "IOP Ops"
# A code typed as the 30-second step rolls over reaches the server in the next step; RFC 6238 §5.2
# allows one step of transmission delay. allauth's default (0) refused such codes now and then.
MFA_TOTP_TOLERANCE = 1
MFA_TRUST_ENABLED = False
MFA_PASSKEY_LOGIN_ENABLED = False
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = False
# When on, a signed-in staff member without MFA can do nothing but set it up.
IOP_REQUIRE_MFA = env.bool("IOP_REQUIRE_MFA", default=True)
# TOTP secrets and recovery-code seeds are encrypted at rest with these Fernet keys, newest first
# (iop/common/crypto.py; README "Rotating secret keys"). No default here: production requires them,
# dev and test settings use a development-only key.
MFA_ADAPTER = "iop.accounts.adapters.EncryptingMFAAdapter"
IOP_SECRET_KEYS = env.list("IOP_SECRET_KEYS", default=[])

# Sessions are recorded at sign-in (users and admins can list and end them). Tracking activity
# would add a read and a write to every request; the idle timeout has its own clock.
USERSESSIONS_TRACK_ACTIVITY = False

# How long an invitation link stays valid.
IOP_INVITATION_TTL_HOURS = env.int("IOP_INVITATION_TTL_HOURS", default=72)
# How long an API token works at most (and by default); its expiry is fixed when it is created.
IOP_API_TOKEN_TTL_DAYS = env.int("IOP_API_TOKEN_TTL_DAYS", default=90)

# --- Internationalisation: stored in UTC, shown in the organization's zone --------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# Day before month, 24-hour times (iop/common/dates.py): a bare `|date` and admin's dates too.
FORMAT_MODULE_PATH = ["iop.formats"]

# --- Static files ----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = Path(env("IOP_MEDIA_ROOT", default=str(BASE_DIR / "var" / "media")))

# --- Uploads (iop/common/uploads.py) ---------------------------------------------------------
# A zip container (Word and other Office files) is refused beyond these before it is stored: a
# 1 MB file can expand to 1 GiB for whoever opens it.
IOP_UPLOAD_ZIP_MAX_ENTRIES = 1000
IOP_UPLOAD_ZIP_MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024
IOP_UPLOAD_ZIP_MAX_RATIO = 100

# --- Email -----------------------------------------------------------------------------------
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="IOP Ops <no-reply@iop-ops.local>")
# Client message providers (see iop/notifications/providers.py). Email goes through EMAIL_BACKEND;
# SMS by default is only recorded in the outbox.
IOP_EMAIL_PROVIDER = env("IOP_EMAIL_PROVIDER", default="iop.notifications.providers.EmailProvider")
IOP_SMS_PROVIDER = env("IOP_SMS_PROVIDER", default="iop.notifications.providers.OutboxSmsProvider")
# Base URL used in emails (invitation links) sent from workers, which have no request.
IOP_PUBLIC_URL = env("IOP_PUBLIC_URL", default="http://127.0.0.1:8000")

# --- Security headers ------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'none'"],
    }
}

# --- REST API --------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "iop.accounts.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "iop.common.schema.ApiAutoSchema",
    "DEFAULT_FILTER_BACKENDS": [
        "iop.common.filters.StrictFilterBackend",
    ],
    "DEFAULT_PAGINATION_CLASS": "iop.common.pagination.DefaultCursorPagination",
    "EXCEPTION_HANDLER": "iop.common.api.exception_handler",
    "DEFAULT_METADATA_CLASS": "iop.common.metadata.ApiMetadata",
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.UserRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"user": env("IOP_API_THROTTLE", default="600/min")},
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "IOP Ops API",
    "DESCRIPTION": "Integrations API for IOP Ops. Every path is scoped to one organization.",
    "VERSION": "1.0.0",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_INCLUDE_SCHEMA": False,
    # The default is AllowAny; the schema describes PHI resources, so only signed-in users.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Schema generation runs without a tenant; the plain manager (RLS-filtered) is safe there.
    "DEFAULT_QUERY_MANAGER": "all_objects",
    "ENUM_NAME_OVERRIDES": {
        "EpisodeStatusEnum": "iop.clients.models.EpisodeStatus",
        "RoleEnum": "iop.tenancy.models.Role",
        "TherapyTrackEnum": "iop.clients.models.TherapyTrack",
        "SessionStatusEnum": "scheduling.models.SessionStatus",
        "RosterStatusEnum": "scheduling.models.RosterStatus",
        "FacilitatorRoleEnum": "scheduling.models.FacilitatorRole",
        "AttendanceStatusEnum": "attendance.models.AttendanceStatus",
        "AbsenceReasonEnum": "attendance.models.AbsenceReason",
        "PaceStateEnum": "attendance.models.PaceState",
        "AbsenceRuleKindEnum": "attendance.models.AbsenceRuleKind",
        "AlertActionEnum": "attendance.models.AlertAction",
        "ServiceTrackEnum": "authorizations.models.ServiceTrack",
        "ReviewStatusEnum": "authorizations.models.ReviewStatus",
        "SubmissionChannelEnum": "authorizations.models.SubmissionChannel",
        "TransmissionChannelEnum": "discharge.models.TransmissionChannel",
        "AftercareLevelEnum": "discharge.models.AftercareLevel",
        "AppointmentStatusEnum": "discharge.models.AppointmentStatus",
        "FollowUpOutcomeEnum": "discharge.models.FollowUpOutcome",
        # Named once aftercare's level_of_care and outcome fields came alongside them.
        "LevelOfCareEnum": "iop.tenancy.models.LevelOfCare",
        "PeerToPeerOutcomeEnum": "authorizations.models.PeerToPeerOutcome",
        "ClaimStatusEnum": "discharge.models.ClaimStatus",
        "BillingSourceEnum": "discharge.models.BillingSource",
        # Named once billing's import source came alongside it.
        "RosterSourceEnum": "scheduling.models.RosterSource",
    },
}

# --- Celery ----------------------------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
# Values are not all ints: the test settings add a str key prefix.
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, int | str] = {"visibility_timeout": 3600}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TIMEZONE = "UTC"
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_QUEUES_NAMES = ("default", "notifications", "pdf")
CELERY_TASK_ROUTES = {
    "accounts.invitation_send": {"queue": "notifications"},
    "scheduling.reminder_deliver": {"queue": "notifications"},
    "authorizations.approval_message_send": {"queue": "notifications"},
    "authorizations.review_outcome_message_send": {"queue": "notifications"},
    "authorizations.denial_message_send": {"queue": "notifications"},
    "authorizations.review_call_invite_send": {"queue": "notifications"},
    # WeasyPrint renders take CPU seconds: their own queue, so reminders never wait behind them.
    "attendance.report_generate": {"queue": "pdf"},
    "authorizations.review_packets_org": {"queue": "pdf"},
}
# Every job is a scan that fans out per organization and converts to the organization's zone;
# re-runs are no-ops (unique rows), so intervals need no wall-clock alignment.
CELERY_BEAT_SCHEDULE = {
    # Tasks whose transaction committed while Redis was down wait in the outbox: queued once it is
    # back (iop/common/outbox.py).
    "common-outbox-relay": {
        "task": "common.outbox_relay_scan",
        "schedule": 60,
    },
    "sessions-clear-expired": {
        "task": "accounts.sessions_clear_expired",
        "schedule": 60 * 60,
    },
    # Rolls the horizon forward. Idempotent; hourly so it follows each organization's own
    # midnight whatever its time zone, instead of one UTC "night".
    "scheduling-materialise": {
        "task": "scheduling.materialise_scan",
        "schedule": 60 * 60,
    },
    # Each organization's evening reminders go out in the first scan after its local reminder time.
    "scheduling-reminders": {
        "task": "scheduling.reminders_scan",
        "schedule": 5 * 60,
    },
    "scheduling-uncovered": {
        "task": "scheduling.uncovered_scan",
        "schedule": 60 * 60,
    },
    # Pace of every active episode (this week and the one just closed) and absence patterns.
    "attendance-sweep": {
        "task": "attendance.sweep_scan",
        "schedule": 60 * 60,
    },
    # Each organization's morning notice about past sessions without attendance.
    "attendance-missing": {
        "task": "attendance.missing_scan",
        "schedule": 15 * 60,
    },
    # The morning chase of expiring authorizations and late decisions: every 15 minutes so each
    # organization's run starts soon after 07:00 in its own zone; later scans that day are no-ops
    # (chase tasks are unique per authorization or request and kind).
    "authorizations-chase": {
        "task": "authorizations.chase_scan",
        "schedule": 15 * 60,
    },
    # Deadline clocks (review submissions, peer-to-peer windows, appeals) escalate a day and four
    # hours before, and when passed; a threshold is escalated once (unique escalation rows).
    "authorizations-clocks": {
        "task": "authorizations.clocks_scan",
        "schedule": 60 * 60,
    },
    # Every active authorization has an open review (the safety net behind the call at each
    # approval); a re-run creates none.
    "authorizations-reviews-sync": {
        "task": "authorizations.reviews_sync_scan",
        "schedule": 60 * 60,
    },
    # Aftercare follow-up checks 7 and 30 days after each discharge's last day (local); hourly so
    # each organization's day starts soon after its midnight; a check is raised once per plan and
    # threshold (unique rows).
    "discharge-aftercare-follow-ups": {
        "task": "discharge.aftercare_follow_ups_scan",
        "schedule": 60 * 60,
    },
    # Review packets, prepared the evening before (from 18:00 in each organization's zone); a re-run
    # prepares nothing (one packet per review).
    "authorizations-review-packets": {
        "task": "authorizations.review_packets_scan",
        "schedule": 15 * 60,
    },
    # Review calls: the clinician is reminded the evening before (the organization's reminder time)
    # and an hour before; each reminder once per call time (notice dedupe keys).
    "authorizations-review-call-reminders": {
        "task": "authorizations.review_call_reminders_scan",
        "schedule": 5 * 60,
    },
    # Inbox lines whose subject was fixed (a session covered, a roll call taken, a renewal on its
    # way) leave the unread lists and header counts, also for members who do not open the inbox.
    "notifications-resolve": {
        "task": "notifications.resolve_scan",
        "schedule": 10 * 60,
    },
    # Every admitted episode has its transition plan (episodes admitted before the discharge app,
    # and a safety net behind the admission signal); a re-run creates none.
    "discharge-plans-sync": {
        "task": "discharge.plans_sync_scan",
        "schedule": 6 * 60 * 60,
    },
}

# --- Logging: no PHI, ever. Request bodies and query strings are never logged. ----------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "iop.audit.logging.RequestIdFilter"},
        "arguments_withheld": {"()": "iop.audit.logging.ArgumentsWithheldFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["request_id"]},
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        # django.request logs the full path of failing requests; our paths carry ids, never PHI,
        # but it would also log query strings, so keep it at ERROR (no 4xx noise with ids).
        "django.request": {"level": "ERROR"},
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint narrates every render at INFO (no PHI, but noise in the worker's log). Its
        # warnings quote the document: one line per character no font covers, with the character,
        # so a client's name in an uncovered script would be logged glyph by glyph. The filter
        # keeps each warning's kind and withholds its arguments (iop/audit/logging.py); on the
        # logger, so it also holds at DEBUG and for every handler (tests/audit/test_logs_phi.py).
        "weasyprint": {"level": "WARNING", "filters": ["arguments_withheld"]},
        # Without HarfBuzz's subsetter WeasyPrint subsets fonts with fontTools, which logs the
        # code points no glyph was found for (a name's characters) at INFO: the same treatment.
        "fontTools": {"level": "WARNING"},
        "fontTools.subset": {"filters": ["arguments_withheld"]},
    },
}
