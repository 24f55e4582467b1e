"""Fixtures shared by the tests of every module."""

from pathlib import Path

from django.conf import settings

import pytest

from pauschale.common import clock

EPPSG_TOML = Path(settings.BASE_DIR) / "programs" / "eppsg-2023.toml"


@pytest.fixture(autouse=True)
def _reset_clock():
    clock.reset()
    yield
    clock.reset()


@pytest.fixture(autouse=True)
def _own_waiting_room(settings, tmp_path):
    """Every test starts with an empty waiting room in a file of its own, and
    the development IdP without faults."""
    settings.PAUSCHALE_WAITING_ROOM_REDIS_URL = None
    settings.PAUSCHALE_WAITING_ROOM_FILE = tmp_path / "waitingroom.sqlite3"
    settings.PAUSCHALE_DEVIDP_FAULT_FILE = tmp_path / "devidp-fault.json"


@pytest.fixture
def program(db):
    """The real EPPSG program definition, installed, with the 16 Länder."""
    from pauschale.programs.services import install_program
    from pauschale.registry.services import ensure_lands

    ensure_lands()  # a transactional test before this one flushed the seeded rows
    return install_program(EPPSG_TOML)


@pytest.fixture(scope="session")
def saml_key_dir(tmp_path_factory):
    """One set of generated SAML keys for the whole run, never in the repository."""
    return tmp_path_factory.mktemp("saml-keys")


@pytest.fixture
def saml_settings(settings, saml_key_dir):
    """Service provider and development IdP talking to each other in-process."""
    settings.SAML_KEY_DIR = saml_key_dir
    settings.SAML_BASE_URL = "http://testserver"
    settings.SAML_IDP_METADATA = ""
    settings.SAML_ONLINE_SERVICE_ID = "BMI-TEST-0001"
    return settings
