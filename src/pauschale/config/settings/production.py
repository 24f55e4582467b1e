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
    # BundID derives bPK2 from our entity id: a default must never go live.
    "SAML_SP_ENTITY_ID",
    "SAML_BASE_URL",
    "SAML_ONLINE_SERVICE_ID",  # BundID refuses requests without it
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
