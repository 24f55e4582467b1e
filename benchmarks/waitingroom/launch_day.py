"""Launch day in simulated time: 100,000 tickets within a minute, 50 admitted
per second, and how close each admitted person's real wait came to the wait
the room showed them.

The room is the real one (Redis and its Lua scripts, or the embedded SQLite
backend); only the clock is simulated, so that 35 minutes of queueing take a
few minutes. Every person polls as the waiting page does (``display.
refresh_seconds``): near the front just after the expected turn, far back
every 30 s at most. Some people leave the page for good, some are admitted but
never start the login; both must neither slow the others down nor distort the
waits shown.

Run:  .venv/bin/python benchmarks/waitingroom/launch_day.py [--tickets 100000]
      [--backend redis|embedded]
Starts its own Redis on 127.0.0.1:6392 (stopped at the end).
"""

import argparse
import heapq
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))
SLUG = "launch"
REDIS_PORT = 6392
SLICE = 0.05
"""Events within this much simulated time go to Redis in one pipeline."""


@dataclass
class Person:
    number: int
    ticket: str
    joined_at: float
    leaves_at: float | None
    """Stops polling from then on (closed the page), or None."""
    uses_admission: bool
    shown: float | None = None
    """The wait the first waiting page showed."""
    admitted_at: float | None = None
    """When the room admitted the person (the room's own time)."""
    noticed_at: float | None = None
    """When the person's page learned it (the next poll)."""
    state: str = "new"
    polls: int = 0


def next_poll(status: dict) -> float:
    """The waiting page's own schedule (waitingroom.display.refresh_seconds)."""
    from pauschale.waitingroom.display import refresh_seconds

    return refresh_seconds(status, now=0.0)


def make_people(count: int, seconds: float, leave: float, unused: float, rng):
    """Arrivals spread evenly at random over ``seconds``; a share ``leave``
    closes the page within half an hour, a share ``unused`` never logs in."""
    arrivals = sorted(rng.uniform(0, seconds) for _ in range(count))
    people = []
    for number, at in enumerate(arrivals):
        leaves = at + rng.uniform(0, 1800) if rng.random() < leave else None
        people.append(
            Person(
                number=number,
                ticket=f"{rng.getrandbits(128):032x}",
                joined_at=at,
                leaves_at=leaves,
                uses_admission=rng.random() >= unused,
            )
        )
    return people


class LaunchDay:
    """Joins, polls and logins, played in order of simulated time."""

    def __init__(self, backend, config, people: list[Person], start: float):
        self.backend, self.config, self.people = backend, config, people
        self.start = start
        self.events: list = []
        self.joins = self.polls = 0

    def run(self) -> None:
        for person in self.people:
            heapq.heappush(self.events, (person.joined_at, person.number, "join"))
        while self.events:
            slice_end = self.events[0][0] + SLICE
            batch = []
            while self.events and self.events[0][0] < slice_end:
                batch.append(heapq.heappop(self.events))
            for event, status in zip(batch, self.execute(batch), strict=True):
                self.react(*event, status)

    def execute(self, batch) -> list[dict]:
        """One slice of joins and polls, pipelined where the backend allows."""
        backend = self.backend
        if not hasattr(backend, "client"):
            return [
                backend.join(
                    SLUG, self.people[n].ticket, 0, self.config, self.start + at
                )
                if kind == "join"
                else backend.poll(SLUG, self.people[n].ticket, self.start + at)
                for at, n, kind in batch
            ]
        pipe = backend.client.pipeline(transaction=False)
        key = [backend.prefix(SLUG)]
        config_args = backend._config_args(self.config)
        for at, number, kind in batch:
            now, ticket = repr(self.start + at), self.people[number].ticket
            if kind == "join":
                args = [now, ticket, "0", *config_args]
                backend._join(keys=key, args=args, client=pipe)
            else:
                backend._poll(keys=key, args=[now, ticket, ""], client=pipe)
        return [json.loads(raw) for raw in pipe.execute()]

    def react(self, at: float, number: int, kind: str, status: dict) -> None:
        person = self.people[number]
        self.joins += kind == "join"
        self.polls += kind == "poll"
        state = status["state"]
        if state == "admitted":
            person.admitted_at = status["admitted_at"] - self.start
            person.noticed_at = at
            person.state = "admitted"
            if person.uses_admission:  # the page moves on to the login
                self.backend.use(SLUG, person.ticket, self.start + at)
            return
        if state in ("lost", "lapsed", "unknown"):
            person.state = state
            return
        if person.shown is None and status.get("eta_seconds") is not None:
            person.shown = status["eta_seconds"]
        person.state = state
        when = at + next_poll(status)
        if person.leaves_at is not None and when >= person.leaves_at:
            person.state = "left"
            return
        heapq.heappush(self.events, (when, number, "poll"))


def start_redis(directory: Path) -> subprocess.Popen:
    import redis

    command = [shutil.which("redis-server"), "--port", str(REDIS_PORT)]
    command += ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    command += ["--dir", str(directory)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)  # noqa: S603
    for _ in range(50):
        try:
            redis.Redis(port=REDIS_PORT).ping()
            return process
        except redis.ConnectionError:
            time.sleep(0.1)
    raise RuntimeError("the simulation's Redis did not start")


def report(day: LaunchDay, rate: float, wall: float, snapshot: dict) -> dict:
    people = day.people
    admitted = [p for p in people if p.admitted_at is not None]
    waited = [p for p in admitted if p.shown is not None]
    errors = [abs((p.admitted_at - p.joined_at) - p.shown) for p in waited]
    relative = [
        e / (p.admitted_at - p.joined_at)
        for e, p in zip(errors, waited, strict=True)
        if p.admitted_at - p.joined_at >= 60
    ]
    seen = [abs((p.noticed_at - p.joined_at) - p.shown) for p in waited]
    last = max(p.admitted_at for p in admitted)
    first_wait = min(p.admitted_at for p in admitted if p.shown is not None)

    def q(values, share):
        return round(statistics.quantiles(values, n=100)[share - 1], 2)

    return {
        "tickets": len(people),
        "joined_within_s": round(max(p.joined_at for p in people), 1),
        "admission_rate_per_s": rate,
        "admitted": len(admitted),
        "left_the_page": sum(p.state in ("left", "lost") for p in people),
        "admitted_but_never_logged_in": sum(
            1 for p in admitted if not p.uses_admission
        ),
        "last_admission_after_s": round(last, 1),
        "achieved_rate_per_s": round(
            len(admitted) / (last - min(p.admitted_at for p in admitted)), 2
        ),
        "longest_wait_s": round(max(p.admitted_at - p.joined_at for p in admitted), 1),
        "eta_error_s": {
            "mean_abs": round(statistics.fmean(errors), 2),
            "median": q(errors, 50),
            "p90": q(errors, 90),
            "p99": q(errors, 99),
            "max": round(max(errors), 2),
            "mean_relative_for_waits_over_a_minute": round(
                statistics.fmean(relative), 4
            ),
        },
        "eta_error_as_seen_s": {
            "mean_abs": round(statistics.fmean(seen), 2),
            "p90": q(seen, 90),
        },
        "room_mean_abs_eta_error_s": round(
            snapshot["eta_error_sum"] / max(1, snapshot["eta_error_n"]), 2
        ),
        "first_waiting_admitted_after_s": round(first_wait, 2),
        "joins": day.joins,
        "polls": day.polls,
        "polls_per_person": round(day.polls / len(people), 1),
        "wall_seconds": round(wall, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--within", type=float, default=60.0, help="seconds")
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--leave", type=float, default=0.05, help="share who leave")
    parser.add_argument("--unused", type=float, default=0.02, help="never log in")
    parser.add_argument("--backend", choices=["redis", "embedded"], default="redis")
    parser.add_argument("--seed", type=int, default=2023)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pauschale.config.settings.test")
    import django

    django.setup()
    from pauschale.programs.loader import load_program_file
    from pauschale.waitingroom.backends.embedded import EmbeddedBackend
    from pauschale.waitingroom.backends.redis import RedisBackend
    from pauschale.waitingroom.room import room_config

    spec = load_program_file(ROOT / "programs" / "eppsg-2023.toml")
    config = room_config(spec.waiting_room)
    config = config.__class__(**{**config.__dict__, "rate": args.rate})
    rng = random.Random(args.seed)
    people = make_people(args.tickets, args.within, args.leave, args.unused, rng)

    directory = Path(tempfile.mkdtemp(prefix="launch-day-"))
    server = start_redis(directory) if args.backend == "redis" else None
    try:
        if server:
            backend = RedisBackend(f"redis://127.0.0.1:{REDIS_PORT}/0", "launch")
        else:
            backend = EmbeddedBackend(directory / "room.sqlite3")
        start = 1_678_870_800.0  # 15 March 2023, 10:00 CET
        day = LaunchDay(backend, config, people, start)
        began = time.monotonic()
        day.run()
        wall = time.monotonic() - began
        snapshot = backend.snapshot(SLUG, start + 7200)
    finally:
        if server:
            server.terminate()
            server.wait(timeout=10)
        shutil.rmtree(directory, ignore_errors=True)

    result = {"backend": args.backend, **report(day, args.rate, wall, snapshot)}
    print(json.dumps(result, indent=2))  # noqa: T201
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
