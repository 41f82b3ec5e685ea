"""exportctl settings, read from the environment (django-environ).

With ``DJANGO_DEBUG=true`` (which ``make run`` sets) and nothing else, this is the embedded default:
SQLite under ``var/``, Celery tasks executed in-process, files under ``var/media/`` and e-mail
printed to the console. Without it, DEBUG is off and ``DJANGO_SECRET_KEY`` is required.
``DATABASE_URL`` and ``REDIS_URL`` switch to PostgreSQL and a Redis broker with real workers.
``.env.example`` documents every variable.
"""

import os
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("EXPORTCTL_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Off unless asked for: a deployment that forgets DJANGO_DEBUG must not show tracebacks and
# settings to the public. `make run` and the test suite (exportctl/settings_for_tests.py) ask
# for it.
DEBUG = env.bool("DJANGO_DEBUG", default=False)
# A demo deployment seeds well-known passwords; production must never do so.
DEMO_MODE = env.bool("EXPORTCTL_DEMO", default=DEBUG)

if DEBUG:
    SECRET_KEY = env.str(
        "DJANGO_SECRET_KEY", default="dev-only-insecure-key-do-not-use-in-production"
    )
elif "DJANGO_SECRET_KEY" in os.environ:
    SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
else:
    raise ImproperlyConfigured(
        "Set the DJANGO_SECRET_KEY environment variable (production), or DJANGO_DEBUG=true for "
        "a local development server on the embedded default (`make run` sets it; see "
        ".env.example)."
    )

ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "exportctl.accounts",
    "exportctl.audit",
    "notifications",
    "partners",
    "screening",
    # Above every app: the demo world of `manage.py seed_demo` (exportctl/demo).
    "exportctl.demo",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "csp",
    "django_countries",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "exportctl.accounts.two_factor.MinistrySecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Writes the refused privileged attempts of the request (aggregated) to the audit trail.
    "exportctl.audit.middleware.RefusalAuditMiddleware",
    # Turns django-ratelimit's refusal into RATELIMIT_VIEW (a 429 page) instead of a bare 403.
    "django_ratelimit.middleware.RatelimitMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a lockout raised during authentication into a response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "exportctl.urls"
WSGI_APPLICATION = "exportctl.wsgi.application"
ASGI_APPLICATION = "exportctl.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "exportctl.accounts.context_processors.roles",
            ],
            # {{ code|country_name }} and {{ code|country_label }} on every page and document.
            "builtins": ["exportctl.templatetags.country_names"],
        },
    },
]

# --- Data ---------------------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Persistent connections on PostgreSQL: a request reuses its process's connection (checked first,
# CONN_HEALTH_CHECKS below) instead of paying a new backend's start-up; 0 closes after each request.
# SQLite opens a file, not a server connection: nothing to keep.
DATABASES["default"]["CONN_MAX_AGE"] = env.int(
    "DATABASE_CONN_MAX_AGE",
    default=0 if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" else 60,
)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default keeps its database under var/: create it, so that any manage.py
    # command works on a fresh clone (SQLite makes the file, not the folder).
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL and a busy timeout let the web server and in-process tasks share the file safely.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

MEDIA_ROOT = Path(env.str("EXPORTCTL_MEDIA_ROOT", default=str(VAR_DIR / "media")))
# Uploaded and issued files live outside the web root; they are served only through access checks.
MEDIA_URL = None
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "exportctl" / "static"]
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT), "base_url": "/unserved/"},
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 21 * 1024 * 1024

# --- Accounts -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses a locked-out e-mail/IP pair before the password
    "exportctl.accounts.throttle.AccountThrottleBackend",  # slows guessing at one account (README)
    "django.contrib.auth.backends.ModelBackend",
]
# Failed sign-ins (browser and token endpoint) lock the e-mail + IP pair out for a while.
AXES_FAILURE_LIMIT = env.int("EXPORTCTL_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("EXPORTCTL_LOGIN_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
# Every spelling of an address counts as the one account it names (trimmed, lower-cased).
AXES_USERNAME_CALLABLE = "exportctl.accounts.identity.axes_username"
# Per account, from any address: after this many failures in the window, each further attempt
# waits a cool-down that doubles up to the cap (exportctl/accounts/throttle.py).
EXPORTCTL_ACCOUNT_FAILURE_LIMIT = env.int("EXPORTCTL_ACCOUNT_FAILURE_LIMIT", default=20)
EXPORTCTL_ACCOUNT_FAILURE_WINDOW = env.int("EXPORTCTL_ACCOUNT_FAILURE_WINDOW", default=15 * 60)
EXPORTCTL_ACCOUNT_COOLDOWN_SECONDS = env.int("EXPORTCTL_ACCOUNT_COOLDOWN_SECONDS", default=30)
EXPORTCTL_ACCOUNT_COOLDOWN_MAX_SECONDS = env.int(
    "EXPORTCTL_ACCOUNT_COOLDOWN_MAX_SECONDS", default=300
)
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "exportctl.accounts.lockout.locked_out"
AXES_VERBOSE = False
# Ministry staff must confirm every session with a TOTP code (exportctl/accounts/two_factor.py).
EXPORTCTL_MINISTRY_2FA = env.bool("EXPORTCTL_MINISTRY_2FA", default=True)
OTP_TOTP_ISSUER = env.str("EXPORTCTL_OTP_ISSUER", default="exportctl")
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SESSION_COOKIE_AGE = env.int("EXPORTCTL_SESSION_SECONDS", default=8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# --- Language -----------------------------------------------------------------------------------
LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("Japanese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

# --- E-mail -------------------------------------------------------------------------------------
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="exportctl <no-reply@exportctl.example>")
# The address the public reaches this portal at: links in e-mails, and the QR code and printed
# /verify/ address on every issued document (paper that outlives the deployment, so it must name
# the real site). The embedded default serves itself; production must set an https URL, or
# `check --deploy` fails (exportctl.E001, notifications/documents/checks.py). EXPORTCTL_SITE_URL is
# its former name, still read.
PUBLIC_BASE_URL = env.str(
    "EXPORTCTL_PUBLIC_BASE_URL",
    default=env.str("EXPORTCTL_SITE_URL", default="http://127.0.0.1:8000" if DEBUG else ""),
).rstrip("/")
# The authority named on every issued document, Japanese and English.
ISSUING_AUTHORITY = {
    "ministry_ja": env.str("EXPORTCTL_AUTHORITY_MINISTRY_JA", default="経済産業省"),
    "ministry_en": env.str(
        "EXPORTCTL_AUTHORITY_MINISTRY_EN", default="Ministry of Economy, Trade and Industry"
    ),
    "office_ja": env.str(
        "EXPORTCTL_AUTHORITY_OFFICE_JA", default="貿易経済安全保障局 安全保障貿易審査課"
    ),
    "office_en": env.str(
        "EXPORTCTL_AUTHORITY_OFFICE_EN",
        default="Security Export Licensing Division, Trade and Economic Security Bureau",
    ),
}

# --- Celery -------------------------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
# Without a broker, tasks run in-process when their transaction commits (the embedded default).
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 120
CELERY_TASK_TIME_LIMIT = 180
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TIMEZONE = TIME_ZONE
# Rendering documents is CPU-heavy and not urgent; screening is. A deployment may send the render
# task to a queue of its own, served by a worker at a lower CPU priority, so that a screening
# result never waits behind a backlog of PDFs (docker-compose.yml does). Empty: one queue.
DOCUMENTS_QUEUE = env.str("EXPORTCTL_DOCUMENTS_QUEUE", default="")
DOCUMENT_TASKS = ("notifications.render_document", "notifications.render_inform_notice")
# E-mail always travels on a queue of its own: a burst of status mail (or a slow SMTP server)
# never sits in front of a screening task. Every worker invocation consumes it (docker-compose.yml,
# `make worker`, the test and benchmark workers).
MAIL_QUEUE = env.str("EXPORTCTL_MAIL_QUEUE", default="mail")
MAIL_TASKS = (
    "notifications.send_status_email",
    "notifications.send_inform_notice_email",
    "partners.send_publication_emails",
    "accounts.send_signup_email",
    "accounts.send_signup_existing_account_email",
    "accounts.send_invitation_email",
    "accounts.send_credentials_revoked_email",
    "accounts.send_account_locked_email",
)
CELERY_TASK_ROUTES = {
    **{name: {"queue": MAIL_QUEUE} for name in MAIL_TASKS},
    **({name: {"queue": DOCUMENTS_QUEUE} for name in DOCUMENT_TASKS} if DOCUMENTS_QUEUE else {}),
}
# The list manager's import of a list file runs in the worker (partners.import_list). A workbook
# that keeps it busy longer is stopped and the job fails with a message naming the limit.
LIST_IMPORT_SOFT_TIME_LIMIT = env.int("EXPORTCTL_LIST_IMPORT_SOFT_TIME_LIMIT", default=120)
LIST_IMPORT_TIME_LIMIT = env.int("EXPORTCTL_LIST_IMPORT_TIME_LIMIT", default=150)

# --- API ----------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Knox tokens (hashed at rest, several per user, revocable) for ERP scripts; the session for the
    # browser and the docs page. Every endpoint is authenticated unless it says otherwise.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # knox's tokens, checked with one query per request (exportctl/accounts/token_auth.py).
        "exportctl.accounts.token_auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.CursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="60/min"),
        "user": env.str("API_THROTTLE_USER", default="600/min"),
        "token_obtain": env.str("API_THROTTLE_TOKEN", default="10/min"),
        "self_check": env.str("API_THROTTLE_SELF_CHECK", default="30/min"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # JSON with bounded size and depth and no lone surrogates or control characters.
    "DEFAULT_PARSER_CLASSES": [
        "exportctl.api_parsers.LimitedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # Every API refusal as {"detail", "errors": [{"field", "code", "message"}]}.
    "EXCEPTION_HANDLER": "exportctl.api_errors.exception_handler",
}
REST_KNOX = {
    "TOKEN_TTL": None,  # personal tokens live until revoked; each carries its own expiry if set
    "AUTO_REFRESH": False,
    "TOKEN_LIMIT_PER_USER": 20,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "exportctl API",
    "DESCRIPTION": "Export pre-notification: file, follow and answer notifications from an ERP.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Swagger UI and Redoc are served from the app itself (drf-spectacular-sidecar): no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Choice sets whose field names ("kind", "status") other components use as well.
    "ENUM_NAME_OVERRIDES": {
        "ViolationKindEnum": "notifications.enforcement_models.ViolationKind",
        "ViolationStatusEnum": "notifications.enforcement_models.ViolationStatus",
        "PermitStatusEnum": "notifications.models.PermitStatus",
        "NotificationStatusEnum": "notifications.workflow.Status",
    },
}
# Page rate limits (django-ratelimit) share the default cache: Redis when configured.
RATELIMIT_ENABLE = env.bool("RATELIMIT_ENABLE", default=True)
RATELIMIT_VIEW = "exportctl.ratelimits.rate_limited"
SELF_CHECK_RATE = env.str("EXPORTCTL_SELF_CHECK_RATE", default="30/m")
VERIFY_RATE = env.str("EXPORTCTL_VERIFY_RATE", default="20/m")
#: A filing whose planned export/transfer date is fewer working days after its submission than
#: this is flagged late for the reviewer and warned about before submission. The project's own
#: choice (domain.md confirms no statutory lead time): see notifications/planning.py.
PLANNED_DATE_MIN_WORKING_DAYS = env.int("EXPORTCTL_PLANNED_DATE_MIN_WORKING_DAYS", default=10)
UPLOAD_MAX_BYTES = env.int("EXPORTCTL_UPLOAD_MAX_BYTES", default=20 * 1024 * 1024)
# Limits of one filing and one request (README "Security"): a filing over a cap is refused by the
# draft services with a message naming the cap; the API's JSON parser refuses a body larger or
# deeper than these before it decodes it (exportctl/api_parsers.py).
NOTIFICATION_MAX_ITEMS = env.int("EXPORTCTL_NOTIFICATION_MAX_ITEMS", default=200)
NOTIFICATION_MAX_PARTIES = env.int("EXPORTCTL_NOTIFICATION_MAX_PARTIES", default=50)
NOTIFICATION_MAX_ATTACHMENTS = env.int("EXPORTCTL_NOTIFICATION_MAX_ATTACHMENTS", default=50)
API_JSON_MAX_BYTES = env.int("EXPORTCTL_API_JSON_MAX_BYTES", default=1024 * 1024)
API_JSON_MAX_DEPTH = env.int("EXPORTCTL_API_JSON_MAX_DEPTH", default=32)

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    if env.bool("DJANGO_BEHIND_TLS_PROXY", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# No inline script or style anywhere: every asset is a file served by the app.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # WeasyPrint and fontTools log every layout step and subsetting pass (and WeasyPrint its own
    # stylesheets when imported) at INFO: one document would write a hundred lines.
    "loggers": {
        "weasyprint.progress": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# --- Issued documents: the ministry's signing key (notifications/documents/signing.py) ----------
# PEM files. Production points these at the ministry's own key and certificate; a demo deployment
# without them gets a self-signed demo pair here (`manage.py signing_key --ensure`, run by setup).
DOCUMENT_SIGNING_KEY = Path(
    env.str("EXPORTCTL_DOCUMENT_SIGNING_KEY", default=str(VAR_DIR / "signing" / "signing-key.pem"))
)
DOCUMENT_SIGNING_CERT = Path(
    env.str(
        "EXPORTCTL_DOCUMENT_SIGNING_CERT", default=str(VAR_DIR / "signing" / "signing-cert.pem")
    )
)
DOCUMENT_SIGNING_KEY_PASSPHRASE = env.str("EXPORTCTL_DOCUMENT_SIGNING_KEY_PASSPHRASE", default="")

# --- Signed checkpoints of the audit trail (exportctl/audit/checkpoints.py) ---------------------
# Each checkpoint (head of the hash chain, signed) is kept in the database and appended to a file
# in this directory, outside the database: a deleted tail or a rewritten chain no longer verifies
# against it. Point it at storage the database's administrators cannot rewrite, shared by every
# process that writes events (web, worker, beat).
AUDIT_CHECKPOINT_DIR = Path(
    env.str("EXPORTCTL_AUDIT_CHECKPOINT_DIR", default=str(VAR_DIR / "audit-checkpoints"))
)
# The ministry's key that signs checkpoints (PEM: RSA, EC or Ed25519). Unset: the document-signing
# key above, with its passphrase.
AUDIT_CHECKPOINT_KEY = env.str("EXPORTCTL_AUDIT_CHECKPOINT_KEY", default="") or None
AUDIT_CHECKPOINT_KEY_PASSPHRASE = env.str("EXPORTCTL_AUDIT_CHECKPOINT_KEY_PASSPHRASE", default="")
# Public keys (PEM files: keys or certificates) of retired checkpoint keys, so that checkpoints
# signed before a key change still verify. Comma-separated in the environment.
AUDIT_CHECKPOINT_RETIRED_KEYS = env.list("EXPORTCTL_AUDIT_CHECKPOINT_RETIRED_KEYS", default=[])
# Writers of audit events never wait for the chain's lock (exportctl/audit/sealer.py). On, a writer
# that finds the lock free seals its own event at once; off, every event waits for the sealer
# (beat's audit.seal, every checkpoint and verification).
AUDIT_SEAL_ON_WRITE = env.bool("EXPORTCTL_AUDIT_SEAL_ON_WRITE", default=True)

# --- Broker faults (h9): publishing fails fast, redelivery timing -------------------------------
# A web request queues its tasks after commit (exportctl/celery.py SafeDispatchTask); when Redis is
# down the publish must give up within a few seconds, be logged and let the request succeed (the
# screening sweeper re-queues what was not sent). Without these, redis-py waits for the operating
# system's TCP connect timeout (minutes) on an unreachable host, and forever on a half-open socket.
#  - socket_connect_timeout / socket_timeout: redis-py's own timeouts for the broker connection
#    (kombu does not pass broker_connection_timeout to Redis). socket_timeout stays above the
#    worker's 1 s BRPOP poll.
#  - task_publish_retry_policy: kombu retries a failed publish this often before raising
#    (default: 3 retries up to 1 s apart); two quick retries ride over a Redis restart.
#  - visibility_timeout: how long a delivered but unacknowledged message (its worker died:
#    acks_late) waits in Redis before a worker puts it back on the queue. One hour by default, as
#    before; tests of a killed worker shorten it through the environment.
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,
    "visibility_timeout": env.int("EXPORTCTL_BROKER_VISIBILITY_TIMEOUT", default=3600),
    "socket_connect_timeout": 2,
    "socket_timeout": 3,
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
# Web processes and workers keep their database connection (DATABASE_CONN_MAX_AGE > 0; a worker
# through exportctl.celery.KeepingConnectionsFixup): check a kept connection before a request or a
# task reuses it, so none starts on a dead one. A connection dropped during a task costs that task
# one retry.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("DATABASE_CONN_HEALTH_CHECKS", default=True)
