"""Fixtures shared by the tests of every module."""

from pathlib import Path

import pytest
from django.conf import settings

from pauschale.common import clock

EPPSG_TOML = Path(settings.BASE_DIR) / "programs" / "eppsg-2023.toml"


@pytest.fixture(autouse=True)
def _reset_clock():
    clock.reset()
    yield
    clock.reset()


@pytest.fixture
def program(db):
    """The real EPPSG program definition, installed."""
    from pauschale.programs.services import install_program

    return install_program(EPPSG_TOML)
