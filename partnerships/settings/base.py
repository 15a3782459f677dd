"""Settings shared by every environment. Each value that varies is read from the environment
(see README, "Configuration"); local/test/production import * from here and change little."""

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.utils.translation import gettext_lazy

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(environ.Env().str("PASSERELLE_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()

# ------------------------------------------------------------------------------
# Core
# ------------------------------------------------------------------------------
DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-local-only-key-change-me")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("PASSERELLE_SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# Where users report an accessibility defect (the accessibility statement, RGAA); empty: not shown.
PASSERELLE_ACCESSIBILITY_CONTACT = env("PASSERELLE_ACCESSIBILITY_CONTACT", default="")

ROOT_URLCONF = "partnerships.urls"
WSGI_APPLICATION = "partnerships.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# ------------------------------------------------------------------------------
# Applications
# ------------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    # dsfr before django.forms: its widget templates win for every form of the project.
    "dsfr",
    "django.forms",
    "widget_tweaks",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "mozilla_django_oidc",
    "partnerships",
    "alerts",
    "conventions",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "partnerships.middleware.StripNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Django's, reading a page's session with what its header counts (partnerships/auth/session_store.py).
    "partnerships.auth.session_store.PageSessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Django's, taking the account read with the session (partnerships/auth/session_store.py).
    "partnerships.auth.session_store.SessionUserMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "partnerships.auth.otp.SecondFactorMiddleware",
    # Times read and shown in the reader's organisation's zone (partnerships/localtime.py).
    "partnerships.middleware.LocalTimeMiddleware",
    # The client address for the audit entries written by services (partnerships/audit.py).
    "partnerships.audit.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes requires: turns a lockout flagged during the view into the lockout page.
    "axes.middleware.AxesMiddleware",
]

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
                "partnerships.context_processors.site",
                "alerts.context_processors.notifications",
            ],
            # The local-time filters (`|local:alert`) serve every template that shows a fiche's time.
            "builtins": ["partnerships.templatetags.local_time"],
        },
    },
]
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"
# Every filter's empty choice (django-filter's default is « --------- », read aloud as dashes): set
# when each filter is built, so prefill_choices and the API schema read it too.
FILTERS_EMPTY_CHOICE_LABEL = gettext_lazy("Tous")

# ------------------------------------------------------------------------------
# Database
# ------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'passerelle.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default is shared by the web process, the worker and beat: WAL and
    # IMMEDIATE transactions keep concurrent writers from failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
# Reads that may lag (indicators, exports, the bilan) go to a streaming replica when one is given
# (partnerships/replica.py: the read sites opt in, everything else stays on default). Under tests the
# alias mirrors default's test database instead of getting one of its own.
if env("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db("DATABASE_REPLICA_URL")
    DATABASES["replica"]["CONN_MAX_AGE"] = DATABASES["default"]["CONN_MAX_AGE"]
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["partnerships.replica.ReplicaRouter"]

# ------------------------------------------------------------------------------
# Authentication
# ------------------------------------------------------------------------------
AUTH_USER_MODEL = "partnerships.User"
AUTHENTICATION_BACKENDS = [
    # Refuses a locked-out e-mail + address pair before the real backends look at the password.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
LOGIN_URL = "login"
# A password reset link is valid one hour (and single-use: its token changes with the password).
PASSWORD_RESET_TIMEOUT = 3600
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
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
# Database sessions, a signed-in one read with its account in one query (partnerships/auth/session_store.py).
SESSION_ENGINE = "partnerships.auth.session_store"
SESSION_COOKIE_AGE = env.int("DJANGO_SESSION_COOKIE_AGE", default=8 * 3600)
SESSION_COOKIE_HTTPONLY = True
# Readable by our scripts: the filing form may come from the service worker's copy, whose hidden token
# predates the last login (which rotates it), so the offline queue sends the cookie's current value as
# X-CSRFToken. Django's documentation: an HttpOnly CSRF cookie offers no practical protection.
CSRF_COOKIE_HTTPONLY = False

# Login throttling (django-axes, README "Authentication"): after N failures for one e-mail from one
# address, that pair is refused for the cool-off period, on the login page and on the API's Basic
# authentication alike. `manage.py axes_reset_username <e-mail>` lifts a lockout early.
AXES_FAILURE_LIMIT = env.int("PASSERELLE_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("PASSERELLE_LOGIN_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "partnerships.auth.lockout.attempted_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "partnerships.auth.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "partnerships.auth.lockout.client_address"
# Number of reverse proxies in front of the app that append to X-Forwarded-For (0: none, trust only
# the socket address, so a forged header cannot dodge the lockout).
PASSERELLE_TRUSTED_PROXY_COUNT = env.int("PASSERELLE_TRUSTED_PROXY_COUNT", default=0)

# Second factor (django-otp, TOTP): optional for everyone, required for the organisation kinds listed.
PASSERELLE_OTP_REQUIRED_KINDS = env.list("PASSERELLE_OTP_REQUIRED_KINDS", default=[])
OTP_TOTP_ISSUER = "Passerelle"

# OpenID Connect login (mozilla-django-oidc), e.g. ProConnect: enabled when a client id is set.
OIDC_RP_CLIENT_ID = env("OIDC_RP_CLIENT_ID", default="")
OIDC_ENABLED = bool(OIDC_RP_CLIENT_ID)
OIDC_RP_CLIENT_SECRET = env("OIDC_RP_CLIENT_SECRET", default="")
OIDC_OP_AUTHORIZATION_ENDPOINT = env("OIDC_OP_AUTHORIZATION_ENDPOINT", default="")
OIDC_OP_TOKEN_ENDPOINT = env("OIDC_OP_TOKEN_ENDPOINT", default="")
OIDC_OP_USER_ENDPOINT = env("OIDC_OP_USER_ENDPOINT", default="")
OIDC_OP_JWKS_ENDPOINT = env("OIDC_OP_JWKS_ENDPOINT", default="")
OIDC_OP_LOGOUT_ENDPOINT = env("OIDC_OP_LOGOUT_ENDPOINT", default="")
OIDC_RP_SIGN_ALGO = env("OIDC_RP_SIGN_ALGO", default="RS256")
OIDC_RP_SCOPES = env("OIDC_RP_SCOPES", default="openid email given_name usual_name siret")
OIDC_PROVIDER_NAME = env("OIDC_PROVIDER_NAME", default="ProConnect")
# The id token is the id_token_hint of the provider's end-session endpoint at logout.
OIDC_STORE_ID_TOKEN = True
OIDC_TIMEOUT = 10
if OIDC_ENABLED:
    AUTHENTICATION_BACKENDS.insert(2, "partnerships.auth.oidc.OidcBackend")

# django-guardian: no anonymous user object, our own direct-FK tables per protected model.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False
GUARDIAN_RENDER_403 = False

# ------------------------------------------------------------------------------
# Browser security headers
# ------------------------------------------------------------------------------
# No inline script nor style attribute anywhere: scripts are static files, or carry the request's
# nonce (django-dsfr's loader, the API docs). tests/browser/test_csp.py checks the main pages.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        # blob: the photos' previews before upload (static/filing-offline.js).
        "img-src": [SELF, "data:", "blob:"],
        # The service worker (/sw.js).
        "worker-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        # Forms post here only; the OpenID provider (if any) receives the redirections that follow them.
        "form-action": [
            SELF,
            *sorted(
                {
                    "{0.scheme}://{0.netloc}".format(urlsplit(url))
                    for url in (OIDC_OP_AUTHORIZATION_ENDPOINT, OIDC_OP_LOGOUT_ENDPOINT)
                    if url
                }
            ),
        ],
    },
}
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True

# ------------------------------------------------------------------------------
# Internationalisation
# ------------------------------------------------------------------------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

# ------------------------------------------------------------------------------
# Static and private files
# ------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env("DJANGO_STATIC_ROOT", default=str(VAR_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploads (attachments, signed conventions) are private: never under a public URL, only served
# by permission-checked views.
PRIVATE_MEDIA_ROOT = Path(env("PASSERELLE_PRIVATE_MEDIA_ROOT", default=str(VAR_DIR / "private")))
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(PRIVATE_MEDIA_ROOT), "base_url": "/nonexistent/"},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MAX_UPLOAD_SIZE = env.int("PASSERELLE_MAX_UPLOAD_SIZE", default=10 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# ------------------------------------------------------------------------------
# E-mail
# ------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="Passerelle <ne-pas-repondre@passerelle.local>")
EMAIL_TIMEOUT = 10

# ------------------------------------------------------------------------------
# Webhooks (alerts/webhooks/)
# ------------------------------------------------------------------------------
# Off in production: a webhook URL whose host resolves to a private, loopback or link-local address
# is refused at registration and again at each delivery (no server-side request forgery). Tests and
# local receivers turn it on; plain http:// is accepted only then.
PASSERELLE_WEBHOOK_ALLOW_PRIVATE = env.bool("PASSERELLE_WEBHOOK_ALLOW_PRIVATE", default=False)
PASSERELLE_WEBHOOK_TIMEOUT = env.float("PASSERELLE_WEBHOOK_TIMEOUT", default=10.0)

# ------------------------------------------------------------------------------
# Celery
# ------------------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
# `filesystem://localhost/`, not `filesystem://`: the folders are the transport options below, the
# host is ignored, but without one kombu warns at every start « No hostname was supplied ».
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://localhost/")
CELERY_BROKER_TRANSPORT_OPTIONS = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        # Where kombu records which queues each exchange feeds (its default is `control/` in the
        # current directory, i.e. the source tree).
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
        # kombu polls the folder; its 1 s default makes a backlog of a few hundred tasks take minutes.
        "polling_interval": 0.2,
    }
    # kombu's filesystem transport expects its folders: any process may publish first (demo data,
    # the web app), not only the worker.
    for _folder in ("queue", "processed", "control"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
else:
    # A request must never hang because Redis is unreachable: fail fast, the outbox keeps the work.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "socket_connect_timeout": 2,
        "socket_timeout": 5,
        "max_retries": 0,
        # A task whose worker died unacknowledged (acks_late) is handed out again after this delay.
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
        # Look for such tasks every 10 s (kombu's default throttle makes it every 100 s): one cheap
        # Redis query per worker.
        "unacked_restore_throttle": 1,
    }
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 5 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_TASK_ALWAYS_EAGER = False
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Progress of a running import (partnerships.services.imports): the worker counts rows from inside the
# import's transaction, where a database write would stay invisible to the page until the end; the
# web process reads it here (Redis when configured, else files under the var dir).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "imports": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    ),
    # The version of the reference data the processes keep (partnerships/reference_cache.py): shared
    # by every process of the machine or the cluster, like the import progress.
    "reference": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache" / "reference"),
        }
    ),
}
# The beat schedule lives here, reviewable and testable; apps add their entries below.
CELERY_BEAT_SCHEDULE: dict = {}
# Safety net of the e-mail outbox (alerts/outbox.py): delivers rows whose publish was lost (broker down)
# and rows a killed worker left "sending".
CELERY_BEAT_SCHEDULE["alerts-flush-outbox"] = {"task": "alerts.tasks.flush_outbox", "schedule": 60.0}
# Escalation of unanswered fiches (alerts/escalation/): the scan is driven by the due dates stored
# on each fiche, so running it every minute costs a query on a partial index; the digest goes at 7:00 local time.
CELERY_BEAT_SCHEDULE["alerts-scan-escalations"] = {
    "task": "alerts.tasks.scan_escalations_task",
    "schedule": 60.0,
}
CELERY_BEAT_SCHEDULE["alerts-daily-digest"] = {
    "task": "alerts.tasks.send_daily_digests_task",
    # Hourly: each recipient gets theirs at 07:xx in their own département's time.
    "schedule": crontab(minute=0),
}
# Follow-up reminders (conventions/reminders.py): action items, periodic points, conventions' ends. Hourly,
# each département's from 06:00 local time, each reminder once per person; the 07:00 digest carries those
# its readers chose to read there.
CELERY_BEAT_SCHEDULE["conventions-reminders"] = {
    "task": "conventions.tasks.send_reminders_task",
    "schedule": crontab(minute=30),
}
# Retention (RGPD): a fiche closed for longer than this is anonymised by the daily task below (free
# text and files purged, statistics kept). Three years by default: the span of a convention's reviews.
PASSERELLE_RETENTION_DAYS = env.int("PASSERELLE_RETENTION_DAYS", default=1095)
# Gallery previews of photos attached while the broker was down (alerts/services/attachments.py).
CELERY_BEAT_SCHEDULE["alerts-sweep-thumbnails"] = {
    "task": "alerts.tasks.sweep_thumbnails_task",
    "schedule": 600.0,
}
CELERY_BEAT_SCHEDULE["alerts-retention"] = {
    "task": "alerts.tasks.run_retention_task",
    "schedule": crontab(hour=3, minute=30),
}
# Days after closure during which the landlord may reopen a fiche.
PASSERELLE_REOPEN_WINDOW_DAYS = env.int("PASSERELLE_REOPEN_WINDOW_DAYS", default=15)
# A partner mayor's indicators show counts below this threshold as "< N" (statistical secrecy).
PASSERELLE_SMALL_COUNT_THRESHOLD = env.int("PASSERELLE_SMALL_COUNT_THRESHOLD", default=5)

# ------------------------------------------------------------------------------
# REST framework and OpenAPI
# ------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # The first class's challenge goes into WWW-Authenticate, so a request without (or with wrong)
    # credentials is a 401 that says how to authenticate, as the schema documents: Bearer (API tokens),
    # then Basic for a person's scripts. The browser's session still works: both step aside when no
    # Authorization header is sent.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "partnerships.tokens.api.BearerTokenAuthentication",
        "partnerships.auth.api.BasicAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # JSON bodies only (null included), so the schema declares one request media type per operation
    # and generated clients send JSON; the upload action alone takes multipart.
    "DEFAULT_PARSER_CLASSES": ["partnerships.api.parsers.JSONParser"],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "partnerships.tokens.api.TokenScopePermission",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["partnerships.tokens.api.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api_token": env("PASSERELLE_API_TOKEN_RATE", default="120/min")},
    "DEFAULT_SCHEMA_CLASS": "partnerships.api.schema.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["partnerships.api.filtering.NamedFiltersBackend"],
    "DEFAULT_PAGINATION_CLASS": "partnerships.api.pagination.DefaultPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "partnerships.api.exception_handlers.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Passerelle API",
    "DESCRIPTION": "Fiches alertes, sites et conventions de partenariat sécurité.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVERS": [{"url": SITE_URL, "description": "Passerelle"}],
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a "status" or an "outcome": one explicit name per choice set (and no
    # warning left for `check --deploy`).
    "ENUM_NAME_OVERRIDES": {
        "AlertStatusEnum": "alerts.models.choices.Status",
        "AlertOutcomeEnum": "alerts.models.choices.Outcome",
        "ConventionStatusEnum": "conventions.models.ConventionStatus",
    },
}

# ------------------------------------------------------------------------------
# Logging
# ------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
}
SPECTACULAR_SETTINGS.update(
    {"SWAGGER_UI_DIST": "SIDECAR", "SWAGGER_UI_FAVICON_HREF": "SIDECAR", "REDOC_DIST": "SIDECAR"}
)
