from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from pauschale.common import clock

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def monday_morning():
    """Monday 20 March 2023, 09:00 in Berlin: the next banking day is Tuesday."""
    clock.set_now(datetime(2023, 3, 20, 9, 0, tzinfo=BERLIN))


@pytest.fixture
def out_dir(tmp_path):
    return tmp_path / "payments"


@pytest.fixture(autouse=True)
def bank_file_dir(settings, tmp_path):
    """Imported bank files are kept here, not in the working tree's var/."""
    settings.PAUSCHALE_BANK_FILE_DIR = tmp_path / "bank"
    return settings.PAUSCHALE_BANK_FILE_DIR
