"""Settings shared by every environment. Values that differ come from the environment."""

import os
from pathlib import Path

from django.utils.translation import gettext_lazy as _

import dj_database_url
import structlog

SRC_DIR = Path(__file__).resolve().parents[3]
BASE_DIR = SRC_DIR.parent  # the repository root
VAR_DIR = Path(os.environ.get("PAUSCHALE_VAR_DIR", BASE_DIR / "var"))


def env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


SECRET_KEY = env("DJANGO_SECRET_KEY")
DEBUG = False
ALLOWED_HOSTS = [h for h in (env("DJANGO_ALLOWED_HOSTS") or "").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "djangosaml2",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_tasks",
    "django_tasks_db",
    # The domain, in the order of the path of one application (DESIGN.md).
    "pauschale.programs",
    "pauschale.registry",
    "pauschale.waitingroom",
    "pauschale.identity",
    "pauschale.applications",
    "pauschale.decisions",
    "pauschale.payouts",
    "pauschale.backoffice",
    "pauschale.audit",
    "pauschale.demo",
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
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "djangosaml2.middleware.SamlSessionMiddleware",
]

ROOT_URLCONF = "pauschale.config.urls"
WSGI_APPLICATION = "pauschale.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [SRC_DIR / "pauschale" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# WAL lets readers go on while one request writes; IMMEDIATE transactions take
# the write lock at BEGIN, so that two requests of a threaded server wait for
# each other (timeout) instead of failing with "database is locked".
SQLITE_OPTIONS = {
    "init_command": "PRAGMA journal_mode=WAL;",
    "transaction_mode": "IMMEDIATE",
    "timeout": 30,
}

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'pauschale.sqlite3'}",
        conn_max_age=int(env("DATABASE_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(SQLITE_OPTIONS)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# The applicant's session ends with the browser and at most after one hour.
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_AGE = 3600

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]

LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("German")), ("en", _("English"))]
LOCALE_PATHS = [SRC_DIR / "pauschale" / "locale"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [
    SRC_DIR / "pauschale" / "static",
    ("kern", BASE_DIR / "node_modules" / "@kern-ux" / "native" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Serve static files straight from the app and npm directories too, so that the
# development server, the demo and the browser tests need no collectstatic.
WHITENOISE_USE_FINDERS = True

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# --- pauschale -----------------------------------------------------------------

# Key of the keyed hashes (HMAC-SHA256) of access codes, PINs, person keys and
# identity-provider subjects. Changing it invalidates every issued code.
PAUSCHALE_HMAC_KEY = env("PAUSCHALE_HMAC_KEY")
# Salt for the field encryption of personal data (IBAN, names); the key itself is
# derived from SECRET_KEY by django-fernet-encrypted-fields.
SALT_KEY = env("PAUSCHALE_FIELD_SALT")

# A fixed point in time to run the clock from ("2023-03-20T09:00:00+01:00"),
# for demos and tests; empty in production.
PAUSCHALE_CLOCK_START = env("PAUSCHALE_CLOCK_START", "")

PAUSCHALE_PROGRAM_DIR = BASE_DIR / "programs"
PAUSCHALE_DATA_DIR = BASE_DIR / "data"
PAUSCHALE_PAYMENT_DIR = Path(env("PAUSCHALE_PAYMENT_DIR") or VAR_DIR / "payments")
# Files from the bank (camt.054, pain.002) are kept here as imported.
PAUSCHALE_BANK_FILE_DIR = Path(env("PAUSCHALE_BANK_FILE_DIR") or VAR_DIR / "bank")
# The official ISO XSDs of the bank's files, put there by scripts/fetch-iso-schemas
# (make setup); third-party files, so never in the repository.
PAUSCHALE_SCHEMA_DIR = Path(env("PAUSCHALE_SCHEMA_DIR") or BASE_DIR / "var" / "schemas")

# The waiting room in front of the login (waitingroom): in Redis when several app
# processes share it, else in its own SQLite file (never the main database, so
# that a poll does not touch PostgreSQL).
PAUSCHALE_WAITING_ROOM_REDIS_URL = env("PAUSCHALE_WAITING_ROOM_REDIS_URL") or REDIS_URL
PAUSCHALE_WAITING_ROOM_NAMESPACE = env("PAUSCHALE_WAITING_ROOM_NAMESPACE", "pauschale")
PAUSCHALE_WAITING_ROOM_FILE = Path(
    env("PAUSCHALE_WAITING_ROOM_FILE") or VAR_DIR / "waitingroom.sqlite3"
)
# Switches of the development IdP that make it fail or slow (devidp_fault).
PAUSCHALE_DEVIDP_FAULT_FILE = Path(
    env("PAUSCHALE_DEVIDP_FAULT_FILE") or VAR_DIR / "devidp-fault.json"
)

# The development identity provider is a real SAML IdP inside the project. It is
# never mounted unless this is true.
PAUSCHALE_DEV_IDP = False

# SAML (djangosaml2); the service provider configuration is built by
# pauschale.identity.saml_config from these values.
SAML_SP_ENTITY_ID = env("SAML_SP_ENTITY_ID", "https://pauschale.example/saml2/metadata")
SAML_BASE_URL = env("SAML_BASE_URL", "http://127.0.0.1:8000")
SAML_KEY_DIR = Path(env("SAML_KEY_DIR") or VAR_DIR / "saml")
# Generate a missing key pair in SAML_KEY_DIR on first use (development and tests
# only); in production a missing key pair is a configuration error.
SAML_GENERATE_KEYS = False
SAML_IDP_METADATA = env("SAML_IDP_METADATA", "")  # file path or https URL of BundID
SAML_ONLINE_SERVICE_ID = env("SAML_ONLINE_SERVICE_ID", "")
SAML_ORGANIZATION_DISPLAY_NAME = env("SAML_ORGANIZATION_DISPLAY_NAME", "Einmalzahlung")
SAML_CONFIG_LOADER = "pauschale.identity.saml_config.sp_config"
SAML_SESSION_COOKIE_NAME = "saml_session"
SAML_SESSION_COOKIE_SAMESITE = "None"
SAML_DEFAULT_BINDING = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
SAML_IGNORE_LOGOUT_ERRORS = True
# Content-Security-Policy is set for the whole site (CONTENT_SECURITY_POLICY),
# not by djangosaml2.
SAML_CSP_HANDLER = ""
# Origin of the identity provider that our login form posts to (BundID:
# https://id.bund.de, or https://int.id.bund.de for the test system).
SAML_IDP_ORIGIN = env("SAML_IDP_ORIGIN", "")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'", *([SAML_IDP_ORIGIN] if SAML_IDP_ORIGIN else [])],
    }
}
LOGIN_URL = "/backoffice/login/"

# Staff (back office): a session ends after this many idle seconds and at the
# latest after the second value, whatever happens in between; wrong logins in a
# row lock the account for a while (backoffice.auth).
PAUSCHALE_STAFF_IDLE_SECONDS = 30 * 60
PAUSCHALE_STAFF_MAX_SESSION_SECONDS = 10 * 3600
PAUSCHALE_STAFF_MAX_FAILED_LOGINS = 5
PAUSCHALE_STAFF_LOCKOUT_SECONDS = 15 * 60
# Clear access codes of a batch wait encrypted for their download at most this long.
PAUSCHALE_CODE_DELIVERY_DAYS = 14
OTP_TOTP_ISSUER = "Einmalzahlung Backoffice"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": structlog.stdlib.ProcessorFormatter,
            "processor": structlog.processors.JSONRenderer(sort_keys=True),
            "foreign_pre_chain": [
                structlog.stdlib.add_log_level,
                structlog.stdlib.add_logger_name,
                structlog.processors.TimeStamper(fmt="iso", utc=True),
            ],
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "json"},
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        # Both log whole SAML messages and attribute values at DEBUG and INFO.
        "saml2": {"level": "WARNING"},
        "djangosaml2": {"level": "WARNING"},
        "xmlschema": {"level": "WARNING"},
        "django.request": {"level": "ERROR"},
    },
}
