"""The production settings start only with every secret and address given."""

import os
import subprocess
import sys

import pytest

COMPLETE = {
    "DJANGO_SETTINGS_MODULE": "pauschale.config.settings.production",
    "DJANGO_SECRET_KEY": "x" * 50,
    "PAUSCHALE_HMAC_KEY": "y" * 50,
    "PAUSCHALE_FIELD_SALT": "z" * 16,
    "DATABASE_URL": "postgres://pauschale@db.invalid:5432/pauschale",
    "SAML_IDP_METADATA": "/etc/pauschale/bundid-metadata.xml",
    "SAML_SP_ENTITY_ID": "https://pauschale.example.de/saml2/metadata",
    "SAML_BASE_URL": "https://pauschale.example.de",
    "SAML_ONLINE_SERVICE_ID": "LAND-XY-0001",
    "DJANGO_ALLOWED_HOSTS": "pauschale.example.de",
}
CHECK = "from django.conf import settings; print(settings.SAML_SP_ENTITY_ID)"


def load(environment: dict) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in COMPLETE}
    env.update(environment)
    return subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", CHECK], env=env, capture_output=True, text=True
    )


def test_the_production_settings_load_with_everything_given():
    result = load(COMPLETE)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "https://pauschale.example.de/saml2/metadata"


@pytest.mark.parametrize(
    "missing", ["DJANGO_SECRET_KEY", "SAML_SP_ENTITY_ID", "SAML_ONLINE_SERVICE_ID"]
)
def test_the_production_settings_name_what_is_missing(missing):
    result = load({k: v for k, v in COMPLETE.items() if k != missing})
    assert result.returncode != 0
    assert f"The environment variable {missing} must be set." in result.stderr
