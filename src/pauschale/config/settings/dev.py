"""Development and demo: SQLite by default, the development identity provider on,
safe but public defaults for every secret."""

from .base import *  # noqa: F403
from .base import VAR_DIR, env

# The embedded SQLite database, generated keys and files live here.
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env("DJANGO_DEBUG", "1") == "1"
SECRET_KEY = env("DJANGO_SECRET_KEY", "dev-only-secret-key-not-for-production")
PAUSCHALE_HMAC_KEY = env("PAUSCHALE_HMAC_KEY", "dev-only-hmac-key-not-for-production")
SALT_KEY = env("PAUSCHALE_FIELD_SALT", "dev-only-salt")
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver"]

PAUSCHALE_DEV_IDP = True
SAML_GENERATE_KEYS = True
# The program window of 2023 has long closed; run the clock from a day inside it.
PAUSCHALE_CLOCK_START = env("PAUSCHALE_CLOCK_START", "2023-03-20T09:00:00+01:00")

# The development IdP lives on the same host, so the SAML cookie can be Lax
# (Chromium drops SameSite=None cookies that are not Secure, as on plain http).
SAML_SESSION_COOKIE_SAMESITE = "Lax"
