"""Production: every secret and the database come from the environment; nothing
falls back to a development default."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env

for _name in (
    "DJANGO_SECRET_KEY",
    "PAUSCHALE_HMAC_KEY",
    "PAUSCHALE_FIELD_SALT",
    "DATABASE_URL",
    "SAML_IDP_METADATA",
):
    if not env(_name):
        raise ImproperlyConfigured(f"The environment variable {_name} must be set.")

SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 31536000
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
