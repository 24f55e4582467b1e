"""Functions the tests run in other OS processes (spawned, so importable)."""

import time
from dataclasses import dataclass

from pauschale.waitingroom.backends.base import RoomConfig
from pauschale.waitingroom.backends.embedded import EmbeddedBackend
from pauschale.waitingroom.backends.redis import RedisBackend

CONFIG = RoomConfig(
    rate=0.01, burst_seconds=1, grace_seconds=3600, token_seconds=60, poll_seconds=5
)


@dataclass(frozen=True)
class BackendPlace:
    """Where a backend keeps its state, so that other processes can open it."""

    kind: str
    location: str
    namespace: str = ""

    def open(self):
        if self.kind == "redis":
            return RedisBackend(self.location, namespace=self.namespace)
        return EmbeddedBackend(self.location)


def join_many(place, slug: str, count: int, start_at: float):
    """Join ``count`` tickets as fast as possible from ``start_at`` on; the
    positions given, when the joining began and when it ended."""
    backend = place.open()
    backend.snapshot(slug, 0)  # connect and set up before the start
    while time.time() < start_at:
        time.sleep(0.001)
    positions, first_attempt = [], time.time()
    for number in range(count):
        ticket = f"{time.time_ns()}-{number}-{id(positions)}"
        status = backend.join(slug, ticket, 0, CONFIG, 1_000_000.0)
        positions.append(status["position"])
    return positions, first_attempt, time.time()


def poll_in_new_process(place, slug: str, tickets: list[str], now: float) -> list[dict]:
    return [place.open().poll(slug, ticket, now) for ticket in tickets]
