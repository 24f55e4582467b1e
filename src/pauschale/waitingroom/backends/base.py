"""What every backend of the waiting room keeps and answers.

The queue of one program, in the words used throughout this package:

- A **ticket** is one visitor's place. Its **position** is a number from a
  counter of the program, unique and without gaps: the first ticket after
  opening is 1, the next 2, and so on.
- A ticket taken before its opening time waits in the **pre-queue** of that
  opening, without a position. At the opening the pre-queue is **drawn**: its
  tickets get the next positions in random order (they are sorted by their
  random ids), so that arriving at 23:30 or at 23:59 makes no difference.
- **served** is the highest position the room has passed. Passing a position
  admits its ticket, unless its holder stopped polling for longer than the
  grace period: then the place is **lost**, and it costs the others nothing.
- **Admission** is paid from a **credit** that grows with the admission rate,
  saved up for at most ``burst_seconds``. An admission not used to start the
  login within ``token_seconds`` gives its credit back.
- The waits shown come from the **measured** admission rate: admissions per
  second of time in which somebody was waiting, averaged with a time constant
  of ``MEASURE_SECONDS``.

Backends take the time as an argument (seconds since the epoch) and never read
a clock, so that a simulation can run launch day in a few minutes.
"""

import math
from dataclasses import dataclass
from typing import Protocol

from pauschale.programs.waiting_room_spec import MAX_ADMISSION_RATE_PER_S

MEASURE_SECONDS = 60.0
"""Time constant of the measured admission rate."""
MIN_MEASURED_SECONDS = 5.0
"""Below this much measured waiting time the configured rate is used instead."""
ADVANCE_EVERY_SECONDS = 0.05
"""A poll moves the room on only if it stood still this long; in between,
polls only read (on launch day thousands arrive per second)."""
MAX_STEPS = 2000
"""Positions passed in one call at most, so that one call stays short."""
SWEEP_BATCH = 500
"""Lost places found in one call at most."""
EPSILON = 1e-9
"""Credit adds up in small steps; an admission is not lost to rounding."""
KEEP_FINISHED_SECONDS = 3600
"""Admitted and lost tickets are remembered this long for their holders' polls."""


def rate_problem(rate: float) -> str | None:
    """Why ``rate`` (admissions per second) cannot be set, or None if it can."""
    if not math.isfinite(rate) or not 0 < rate <= MAX_ADMISSION_RATE_PER_S:
        return (
            f"the admission rate must be a number above 0 and at most "
            f"{MAX_ADMISSION_RATE_PER_S} per second (to stop admitting, pause)"
        )
    return None


def check_rate(rate: float) -> None:
    """Raise ValueError for a rate that no room may take (infinite, not a
    number, zero, negative or absurdly high)."""
    problem = rate_problem(rate)
    if problem:
        raise ValueError(problem)


@dataclass(frozen=True)
class RoomConfig:
    """One program's room as the backend needs it; stored with the room, so that
    a poll needs nothing from the database."""

    rate: float
    """Admissions per second when the room is first used."""
    burst_seconds: float
    grace_seconds: float
    token_seconds: float
    poll_seconds: float
    title_de: str = ""
    title_en: str = ""


@dataclass(frozen=True)
class RoundTrip:
    at: float
    ok: bool
    latency: float | None


class Backend(Protocol):
    """A store of waiting rooms; one per process is enough."""

    def join(
        self, slug: str, ticket: str, open_at: int, config: RoomConfig, now: float
    ) -> dict:
        """Give ``ticket`` a place: in the pre-queue of ``open_at`` (seconds since
        the epoch) if that lies ahead, else the next position. Returns the
        ticket's status (see ``poll``)."""

    def poll(self, slug: str, ticket: str, now: float, verbose: bool = False) -> dict:
        """Move the room on to ``now``, keep the ticket's place, and say where it
        stands: ``state`` is ``waiting`` (``position``, ``ahead``,
        ``eta_seconds``), ``prequeue`` (``opens_at``, ``waiting``),
        ``admitted`` (``admitted_at``, ``use_by``), ``lapsed`` (admitted but not
        used in time), ``lost`` (stopped polling) or ``unknown``."""

    def poll_json(self, slug: str, ticket: str, now: float) -> bytes:
        """``poll`` as JSON, for the poll endpoint."""

    async def poll_json_async(self, slug: str, ticket: str, now: float) -> bytes:
        """``poll_json`` for an event loop (the ASGI front)."""

    def claim(self, slug: str, ticket: str, browser: str, now: float) -> float | None:
        """The admission time of an admitted ticket if it is still valid and was
        not claimed by another browser; the first claim binds it."""

    def use(self, slug: str, ticket: str, now: float) -> bool:
        """Mark the admission used (the login started); True the first time."""

    def configure(self, slug: str, config: RoomConfig, now: float) -> None:
        """Create the room or update its settings; keeps the rate once set."""

    def snapshot(self, slug: str, now: float) -> dict:
        """Move the room on to ``now`` and describe it for operators."""

    def set_rate(
        self,
        slug: str,
        now: float,
        rate: float,
        *,
        reason: str,
        actor: str,
        target: float | None = None,
        expected: float | None = None,
    ) -> bool:
        """Change the admission rate (and the operators' rate, ``target``). With
        ``expected``, only if the rate is still that (False otherwise)."""

    def set_paused(
        self, slug: str, now: float, paused: bool, *, reason: str, actor: str
    ) -> None: ...

    def record_round_trip(
        self, slug: str, now: float, ok: bool, latency: float | None
    ) -> None: ...

    def round_trips(self, slug: str, since: float) -> list[RoundTrip]: ...

    def changes(self, slug: str, limit: int = 20) -> list[dict]:
        """The latest rate changes, newest first."""

    def forget(self, slug: str) -> None:
        """Delete the room and everything in it (tests, benchmarks)."""


def estimate(
    ahead: int,
    credit: float,
    rate: float,
    measured: tuple[float, float, float],
    paused: bool,
) -> tuple[float | None, str, float]:
    """Estimated wait in seconds, the basis of the estimate and the rate used.

    The k-th person in line is admitted when k admissions have been paid for;
    ``credit`` of them already are. ``measured`` holds the decayed sums of
    admissions, of admissions that lapsed unused (their capacity came back)
    and of waiting time. The measured rate is used, but never above the
    setting plus the measured returned capacity: an operator or the adaptive
    rate may just have lowered the setting.
    """
    m_adm, m_lapse, m_busy = measured
    basis, used_rate = "configured", rate
    if m_busy >= MIN_MEASURED_SECONDS and m_adm > 0:
        basis = "measured"
        used_rate = min(m_adm, rate * m_busy + m_lapse) / m_busy
    if paused or used_rate <= 0:
        return None, basis, used_rate
    return max(0.0, ahead + 1 - credit) / used_rate, basis, used_rate
