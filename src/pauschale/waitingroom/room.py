"""The waiting room of each program: tickets, admission and its rate.

``Room`` ties a backend to a clock. Its time comes from an injectable clock
(by default the platform's), so that tests and the launch-day simulation can
run hours of queueing in seconds.
"""

import secrets
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from pauschale.common import clock as platform_clock
from pauschale.programs.waiting_room_spec import WaitingRoomSpec

from .backends import Backend, RoomConfig, get_backend
from .backends.base import check_rate

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class Ticket:
    id: str
    cohort: str
    """The cohort the visitor chose (a Land code or a birth month), or ``""``."""
    status: dict


@dataclass(frozen=True)
class RateDecision:
    """A change the adaptive rate made, and why."""

    old: float
    new: float
    reason: str


def new_ticket_id() -> str:
    """A random ticket id; the order of a drawn pre-queue is the order of these."""
    return secrets.token_urlsafe(16)


def room_config(spec: WaitingRoomSpec, title_de: str = "", title_en: str = ""):
    return RoomConfig(
        rate=spec.admission_rate_per_s,
        burst_seconds=spec.burst_seconds,
        grace_seconds=spec.grace_seconds,
        token_seconds=spec.token_lifetime_seconds,
        poll_seconds=spec.poll_seconds,
        title_de=title_de,
        title_en=title_en,
    )


def opening_of(spec: WaitingRoomSpec, cohort: str) -> int:
    """When ``cohort``'s queue opens (seconds since the epoch), 0 if it is open.

    Cohorts that open at the same moment share one pre-queue, so that one draw
    orders them all.
    """
    openings = spec.openings()
    moment = openings.get(cohort) or openings.get("")
    return int(moment.timestamp()) if moment else 0


class Room:
    def __init__(self, backend: Backend | None = None, clock: Clock | None = None):
        self.backend = backend or get_backend()
        self.clock = clock or platform_clock.now

    def now(self) -> float:
        return self.clock().timestamp()

    # --- visitors ------------------------------------------------------------------

    def join(self, program, cohort: str = "") -> Ticket:
        """Give a visitor a ticket; its status says whether they pass at once."""
        spec = program.spec
        room = spec.waiting_room
        ticket = new_ticket_id()
        config = room_config(room, spec.title.de, spec.title.en)
        status = self.backend.join(
            program.slug, ticket, opening_of(room, cohort), config, self.now()
        )
        return Ticket(ticket, cohort, status)

    def poll(self, slug: str, ticket: str, verbose: bool = False) -> dict:
        return self.backend.poll(slug, ticket, self.now(), verbose)

    def poll_json(self, slug: str, ticket: str) -> bytes:
        return self.backend.poll_json(slug, ticket, self.now())

    async def poll_json_async(self, slug: str, ticket: str) -> bytes:
        return await self.backend.poll_json_async(slug, ticket, self.now())

    def claim(self, slug: str, ticket: str, browser: str) -> float | None:
        return self.backend.claim(slug, ticket, browser, self.now())

    def use(self, slug: str, ticket: str) -> bool:
        return self.backend.use(slug, ticket, self.now())

    # --- operators -------------------------------------------------------------------

    def _configure(self, program) -> None:
        spec = program.spec
        config = room_config(spec.waiting_room, spec.title.de, spec.title.en)
        self.backend.configure(program.slug, config, self.now())

    def snapshot(self, program) -> dict:
        self._configure(program)
        return self.backend.snapshot(program.slug, self.now())

    def set_rate(self, program, rate: float, *, actor: str, reason: str) -> None:
        """The operators' rate: admissions per second now, and the ceiling the
        adaptive rate climbs back to."""
        check_rate(rate)
        self._configure(program)
        self.backend.set_rate(
            program.slug, self.now(), rate, target=rate, reason=reason, actor=actor
        )

    def set_paused(self, program, paused: bool, *, actor: str, reason: str) -> None:
        self._configure(program)
        self.backend.set_paused(
            program.slug, self.now(), paused, reason=reason, actor=actor
        )

    def changes(self, program, limit: int = 20) -> list[dict]:
        return self.backend.changes(program.slug, limit)

    # --- the identity provider's health --------------------------------------------

    def report_round_trip(
        self, program, ok: bool, latency: float | None
    ) -> RateDecision | None:
        """Record one SAML round trip and let the rate follow upstream's health."""
        now = self.now()
        self.backend.record_round_trip(program.slug, now, ok, latency)
        return self.adapt(program)

    def adapt(self, program) -> RateDecision | None:
        """Cut the rate when upstream is unhealthy, raise it slowly when healthy."""
        rules = program.spec.waiting_room.adaptive
        now = self.now()
        state = self.snapshot(program)
        changed_at = state.get("reason_at") or 0.0
        trips = self.backend.round_trips(
            program.slug, since=max(now - rules.window_seconds, changed_at)
        )
        if len(trips) < rules.min_round_trips:
            return None

        decision = _decide(rules, state, trips, now - changed_at)
        if decision is None:
            return None
        changed = self.backend.set_rate(
            program.slug,
            now,
            decision.new,
            reason=decision.reason,
            actor="adaptive",
            expected=decision.old,
        )
        return decision if changed else None


def _decide(rules, state: dict, trips, since_change: float) -> RateDecision | None:
    rate, target = float(state["rate"]), float(state["target"])
    failures = sum(not trip.ok for trip in trips)
    ratio = failures / len(trips)
    latencies = [trip.latency for trip in trips if trip.latency is not None]
    latency = statistics.median(latencies) if latencies else 0.0

    if ratio > rules.max_failure_ratio or latency > rules.max_latency_seconds:
        floor = min(rules.min_rate_per_s, target)
        new = max(floor, rate * rules.decrease_factor)
        if new >= rate:
            return None
        if ratio > rules.max_failure_ratio:
            reason = (
                f"failure ratio {ratio:.2f} above {rules.max_failure_ratio:.2f} "
                f"({failures} of {len(trips)} round trips)"
            )
        else:
            reason = (
                f"median latency {latency:.1f} s above "
                f"{rules.max_latency_seconds:.1f} s ({len(trips)} round trips)"
            )
        return RateDecision(rate, new, reason)

    if rate < target and since_change >= rules.step_seconds:
        new = min(target, rate + target * rules.increase_step)
        reason = (
            f"upstream healthy: failure ratio {ratio:.2f}, median latency "
            f"{latency:.1f} s ({len(trips)} round trips)"
        )
        return RateDecision(rate, new, reason)
    return None
