"""Fixtures of the waiting-room tests: both backends, a clock that tests move,
and programs whose ``[waiting_room]`` table a test writes itself."""

import os
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from conftest import EPPSG_TOML
from pauschale.programs.loader import parse_program
from pauschale.waitingroom.room import Room

from .workers import BackendPlace

REDIS_URL = os.environ.get("PAUSCHALE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
BERLIN = ZoneInfo("Europe/Berlin")
LAUNCH = datetime(2023, 3, 15, 10, 0, tzinfo=BERLIN)
EPPSG = EPPSG_TOML.read_text(encoding="utf-8")
ROOM_TABLE = EPPSG[EPPSG.index("[waiting_room]") : EPPSG.index("[[declarations]]")]


class ManualClock:
    """A clock that stands still until the test moves it."""

    def __init__(self, start: datetime = LAUNCH):
        self.moment = start

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, seconds: float) -> None:
        self.moment += timedelta(seconds=seconds)

    def set(self, moment: datetime) -> None:
        self.moment = moment


@dataclass
class FakeProgram:
    """What the room needs of a program, without the database."""

    slug: str
    spec: object


def program_with_room(table: str, slug: str = "eppsg-2023") -> FakeProgram:
    """The EPPSG definition with ``table`` as its ``[waiting_room]`` table."""
    text = EPPSG.replace(ROOM_TABLE, table.strip() + "\n\n")
    return FakeProgram(slug, parse_program(text))


def simple_room(rate=2, grace=60, token=30, poll=5, extra="") -> FakeProgram:
    return program_with_room(
        f"""
[waiting_room]
admission_rate_per_s = {rate}
grace_seconds = {grace}
token_lifetime_seconds = {token}
poll_seconds = {poll}
{extra}
"""
    )


@pytest.fixture(params=["embedded", "redis"])
def backend_place(request, tmp_path):
    if request.param == "redis":
        place = BackendPlace("redis", REDIS_URL, f"test-{uuid.uuid4().hex}")
    else:
        place = BackendPlace("embedded", str(tmp_path / "room.sqlite3"))
    yield place
    if place.kind == "redis":
        backend = place.open()
        keys = list(backend.client.scan_iter(match=f"{place.namespace}:*"))
        if keys:
            backend.client.delete(*keys)


@pytest.fixture
def backend(backend_place):
    return backend_place.open()


@pytest.fixture
def clock():
    return ManualClock()


@pytest.fixture
def room(backend, clock):
    return Room(backend, clock)


@pytest.fixture
def use_backend(backend_place, settings):
    """Let the platform's own code (views, signals) use this backend too."""
    if backend_place.kind == "redis":
        settings.PAUSCHALE_WAITING_ROOM_REDIS_URL = backend_place.location
        settings.PAUSCHALE_WAITING_ROOM_NAMESPACE = backend_place.namespace
    else:
        settings.PAUSCHALE_WAITING_ROOM_FILE = backend_place.location
    return backend_place
