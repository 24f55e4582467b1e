"""The test suite. DATABASE_URL chooses PostgreSQL; without it, SQLite in memory."""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import DATABASES, env

DEBUG = False
SECRET_KEY = "test-secret-key"
PAUSCHALE_HMAC_KEY = "test-hmac-key"
SALT_KEY = "test-salt"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
PAUSCHALE_DEV_IDP = True
SAML_GENERATE_KEYS = True
# Generated test keys never go into the repository (var/); the identity tests
# use a fresh directory of their own.
SAML_KEY_DIR = Path(tempfile.gettempdir()) / "pauschale-test-saml-keys"
PAUSCHALE_CLOCK_START = ""
SAML_SESSION_COOKIE_SAMESITE = "Lax"

if not env("DATABASE_URL"):
    DATABASES["default"] = {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
