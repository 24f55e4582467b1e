"""Domain actions of the waiting room that operators and upstream take.

Each one changes the room, writes the audit trail (who, what, why) and logs
identifiers only.
"""

import statistics

from pauschale.audit.services import record
from pauschale.common.log import get_logger

from .backends.base import MIN_MEASURED_SECONDS
from .room import RateDecision, Room

log = get_logger(__name__)


def _require_room(program) -> None:
    if program.spec.waiting_room is None:
        raise ValueError(f"program {program.slug} has no waiting room")


def set_rate(program, rate: float, *, actor: str, reason: str = "", room=None):
    _require_room(program)
    room = room or Room()
    old = room.snapshot(program).get("rate")
    reason = reason or "set by an operator"
    room.set_rate(program, rate, actor=actor, reason=reason)
    record(actor, "waiting_room_rate_set", program, old=old, new=rate, reason=reason)
    log.info("waiting_room_rate_set", program=program.slug, old=old, new=rate)


def pause(program, *, actor: str, reason: str = "", room=None) -> None:
    _require_room(program)
    reason = reason or "paused by an operator"
    (room or Room()).set_paused(program, True, actor=actor, reason=reason)
    record(actor, "waiting_room_paused", program, reason=reason)
    log.info("waiting_room_paused", program=program.slug)


def resume(program, *, actor: str, reason: str = "", room=None) -> None:
    _require_room(program)
    reason = reason or "resumed by an operator"
    (room or Room()).set_paused(program, False, actor=actor, reason=reason)
    record(actor, "waiting_room_resumed", program, reason=reason)
    log.info("waiting_room_resumed", program=program.slug)


def report_round_trip(
    program, ok: bool, latency: float | None, room=None
) -> RateDecision | None:
    """One SAML round trip of an admitted person; may change the rate."""
    if program.spec.waiting_room is None:
        return None
    decision = (room or Room()).report_round_trip(program, ok, latency)
    if decision is not None:
        record(
            "adaptive",
            "waiting_room_rate_adapted",
            program,
            old=decision.old,
            new=decision.new,
            reason=decision.reason,
        )
        log.warning(
            "waiting_room_rate_adapted",
            program=program.slug,
            old=decision.old,
            new=decision.new,
            reason=decision.reason,
        )
    return decision


def overview(program, room=None) -> dict:
    """What operators see: the room's state, recent changes, upstream's health."""
    room = room or Room()
    state = room.snapshot(program)
    rules = program.spec.waiting_room.adaptive
    trips = room.backend.round_trips(
        program.slug, since=room.now() - rules.window_seconds
    )
    latencies = [t.latency for t in trips if t.latency is not None]
    busy = state.get("m_busy") or 0
    errors = state.get("eta_error_n") or 0
    return {
        **state,
        "measured_rate": state["m_adm"] / busy
        if busy >= MIN_MEASURED_SECONDS
        else None,
        "mean_abs_eta_error_s": (state["eta_error_sum"] / errors) if errors else None,
        "round_trips": len(trips),
        "failures": sum(not t.ok for t in trips),
        "median_latency": statistics.median(latencies) if latencies else None,
        "window_seconds": rules.window_seconds,
        "changes": room.changes(program),
    }
