from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from pauschale.applications.tests.factories import institution as make_institution
from pauschale.common import clock

from .staff import make_staff, sign_in

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture(autouse=True)
def _payment_dir(settings, tmp_path):
    """Payment and bank files of a test go to its own directory."""
    settings.PAUSCHALE_PAYMENT_DIR = tmp_path / "payments"
    settings.PAUSCHALE_BANK_FILE_DIR = tmp_path / "bank"


@pytest.fixture
def spring_day(program):
    clock.set_now(datetime(2023, 4, 3, 10, 0, tzinfo=BERLIN))


@pytest.fixture
def uni_by(program):
    return make_institution("DE-BY", "Universität Beispielstadt")


@pytest.fixture
def uni_nw(program):
    return make_institution("DE-NW", "Hochschule Musterhausen")


@pytest.fixture
def clerk_by(db):
    return make_staff("clerk-by", "clerk", land="DE-BY")


@pytest.fixture
def approver_by(db):
    return make_staff("approver-by", "approver", land="DE-BY")


@pytest.fixture
def clerk_nw(db):
    return make_staff("clerk-nw", "clerk", land="DE-NW")


@pytest.fixture
def staff_by(uni_by):
    return make_staff("staff-uni-by", "institution", institution=uni_by)


@pytest.fixture
def staff_nw(uni_nw):
    return make_staff("staff-uni-nw", "institution", institution=uni_nw)


@pytest.fixture
def operator(db):
    return make_staff("operator", "operator")


@pytest.fixture
def as_user(client):
    """Sign the test client in as the given staff user."""

    def sign(user):
        sign_in(client, user)
        return client

    return sign
