"""The queue itself, on both backends: positions, pre-queue, admission, waits,
lost places, pauses and restarts. Time is a clock the test moves."""

import multiprocessing
import time
import uuid

import pytest

from .conftest import LAUNCH, program_with_room, simple_room
from .workers import BackendPlace, join_many, poll_in_new_process


def states(room, slug, tickets) -> list[str]:
    return [room.poll(slug, t.id)["state"] for t in tickets]


def test_positions_are_unique_and_gap_free_under_concurrent_joins_from_processes(
    backend_place,
):
    processes, each = 4, 150
    start_at = time.time() + 1.5
    context = multiprocessing.get_context("spawn")
    with context.Pool(processes) as pool:
        results = pool.starmap(
            join_many, [(backend_place, "crowd", each, start_at)] * processes
        )

    positions = sorted(p for result, _, _ in results for p in result)
    assert positions == list(range(1, processes * each + 1))
    # The processes really joined at the same time.
    assert max(first for _, first, _ in results) < min(end for _, _, end in results)
    snapshot = backend_place.open().snapshot("crowd", 1_000_000.0)
    assert snapshot["tickets"] == snapshot["max_position"] == processes * each


def test_visitors_pass_straight_through_while_the_rate_allows(room, clock):
    program = simple_room(rate=3)
    first = [room.join(program) for _ in range(3)]
    fourth = room.join(program)

    assert [t.status["state"] for t in first] == ["admitted"] * 3
    assert fourth.status["state"] == "waiting"
    assert (fourth.status["position"], fourth.status["ahead"]) == (4, 0)
    clock.advance(0.4)
    assert room.poll(program.slug, fourth.id)["state"] == "admitted"


def test_waits_shown_come_from_the_measured_rate_and_prove_right(room, clock):
    program = simple_room(rate=10, grace=120)
    crowd = [room.join(program) for _ in range(400)]
    shown = {t.id: t.status.get("eta_seconds") for t in crowd}
    admitted_at = {}

    for ticket in crowd[:10]:  # passed at once, and logged in
        room.use(program.slug, ticket.id)
    for _ in range(400):  # everyone polls every 0.1 s for 40 s
        clock.advance(0.1)
        for ticket in crowd:
            if ticket.id in admitted_at:
                continue
            status = room.poll(program.slug, ticket.id)
            if status["state"] == "admitted":
                admitted_at[ticket.id] = status["admitted_at"] - LAUNCH.timestamp()
                room.use(program.slug, ticket.id)  # the login starts
        if len(admitted_at) == len(crowd):
            break

    assert len(admitted_at) == 400
    errors = [abs(admitted_at[t] - shown[t]) for t in shown if shown[t] is not None]
    assert len(errors) >= 390 and max(errors) < 0.15
    # Later in the run the estimate is based on measured admissions.
    busy = [room.join(program) for _ in range(200)]
    clock.advance(6)
    status = room.poll(program.slug, busy[-1].id)
    assert status["eta_basis"] == "measured"
    assert status["rate_per_s"] == pytest.approx(10, rel=0.05)


def test_the_pre_queue_is_drawn_at_random_at_opening(room, clock):
    program = program_with_room(
        """
[waiting_room]
admission_rate_per_s = 0.01
opens_at = 2023-03-15T10:00:00+01:00
grace_seconds = 3600
"""
    )
    clock.set(LAUNCH)
    clock.advance(-1800)  # from 09:30 on, one arrival every 8 seconds
    early = []
    for _ in range(200):
        early.append(room.join(program))
        clock.advance(8)
    assert {t.status["state"] for t in early} == {"prequeue"}
    assert room.poll(program.slug, early[0].id)["waiting"] == 200

    clock.set(LAUNCH)
    clock.advance(1)
    late = [room.join(program) for _ in range(3)]
    positions = [
        room.poll(program.slug, t.id).get("position") or t.status.get("position")
        for t in early
    ]
    admitted = [room.poll(program.slug, t.id)["state"] == "admitted" for t in early]

    assert [t.status["position"] for t in late] == [201, 202, 203]
    assert sum(admitted) == 1  # the one credit of a fresh room
    known = [p for p in positions if p is not None]
    assert sorted(known) == sorted(set(known)) and set(known) <= set(range(1, 201))
    assert len(known) == 199
    assert abs(_rank_correlation(list(range(200)), _with_gap(positions))) < 0.3


def _with_gap(positions: list) -> list:
    missing = (set(range(1, 201)) - {p for p in positions if p}).pop()
    return [p or missing for p in positions]


def _rank_correlation(a: list, b: list) -> float:
    n = len(a)
    rank_a = {v: i for i, v in enumerate(sorted(a))}
    rank_b = {v: i for i, v in enumerate(sorted(b))}
    d2 = sum((rank_a[x] - rank_b[y]) ** 2 for x, y in zip(a, b, strict=True))
    return 1 - 6 * d2 / (n * (n * n - 1))


def test_coming_at_2330_or_at_2359_makes_no_difference(backend, clock):
    from pauschale.waitingroom.room import Room

    program = program_with_room(
        """
[waiting_room]
admission_rate_per_s = 0.001
opens_at = 2023-03-15T00:00:00+01:00
grace_seconds = 3600
"""
    )
    midnight = program.spec.waiting_room.opens_at
    early_first = 0
    for trial in range(100):
        room = Room(backend, clock)
        program.slug = f"trial-{trial}"
        clock.set(midnight)
        clock.advance(-1800)
        at_2330 = room.join(program)
        clock.advance(1740)
        at_2359 = room.join(program)
        clock.advance(120)
        # Both came before the opening; the draw gives positions 1 and 2, and
        # position 1 is admitted with the fresh room's credit.
        early_first += room.poll(program.slug, at_2330.id)["state"] == "admitted"
        assert room.poll(program.slug, at_2359.id)["state"] in ("admitted", "waiting")
    assert 30 <= early_first <= 70


def test_abandoned_places_neither_slow_the_others_nor_distort_the_waits(room, clock):
    program = simple_room(rate=0.1, grace=30, token=3600)
    queue = [room.join(program) for _ in range(12)]  # 1 admitted at once
    leavers, stayers = queue[1:7], queue[7:]
    last = stayers[-1]
    assert room.poll(program.slug, last.id)["ahead"] == 10

    for _ in range(4):  # 40 s: the leavers stop polling, the others go on
        clock.advance(10)
        for ticket in stayers:
            room.poll(program.slug, ticket.id)
    status = room.poll(program.slug, last.id)

    # Within their grace some leavers were still admitted (one every 10 s);
    # the places of the others are lost and cost nobody any time.
    leaver_states = states(room, program.slug, leavers)
    assert leaver_states == ["admitted"] * 3 + ["lost"] * 3
    waiting_ahead = [
        t for t in stayers[:-1] if room.poll(program.slug, t.id)["state"] == "waiting"
    ]
    assert status["ahead"] == len(waiting_ahead) == 3
    assert status["eta_seconds"] == pytest.approx(40, abs=10)

    waited = 0
    while room.poll(program.slug, last.id)["state"] == "waiting":
        clock.advance(1)
        waited += 1
        for ticket in stayers:
            room.poll(program.slug, ticket.id)
    assert abs(waited - status["eta_seconds"]) <= 1.5


def test_a_visitor_keeps_the_place_for_the_grace_period_then_loses_it(room, clock):
    program = simple_room(rate=0.01, grace=60, token=600)
    room.join(program)  # takes the fresh room's credit
    ticket = room.join(program)

    clock.advance(59)
    assert room.poll(program.slug, ticket.id)["state"] == "waiting"
    clock.advance(61)
    assert room.poll(program.slug, ticket.id)["state"] == "lost"


def test_a_paused_room_keeps_everyones_place(room, clock):
    program = simple_room(rate=1, grace=60, token=3600)
    queue = [room.join(program) for _ in range(6)]
    room.set_paused(program, True, actor="test", reason="BundID maintenance")
    before = {t.id: room.poll(program.slug, t.id) for t in queue}

    for _ in range(60):  # ten minutes paused, everyone polling every 10 s
        clock.advance(10)
        for ticket in queue:
            room.poll(program.slug, ticket.id)
    during = {t.id: room.poll(program.slug, t.id) for t in queue}

    assert [during[t.id]["state"] for t in queue] == [
        before[t.id]["state"] for t in queue
    ]
    for ticket in queue[1:]:
        assert during[ticket.id]["position"] == before[ticket.id]["position"]
        assert during[ticket.id]["ahead"] == before[ticket.id]["ahead"]
        assert during[ticket.id]["paused"] is True
        assert "eta_seconds" not in during[ticket.id]

    room.set_paused(program, False, actor="test", reason="back")
    for _ in range(6):
        clock.advance(1)
        for ticket in queue:
            room.poll(program.slug, ticket.id)
    assert states(room, program.slug, queue[1:]) == ["admitted"] * 5


def test_an_admission_not_used_in_time_returns_its_capacity(room, clock):
    program = simple_room(rate=0.01, grace=300, token=30)
    unused = room.join(program)  # admitted with the fresh room's credit
    waiting = room.join(program)
    assert unused.status["state"] == "admitted"

    clock.advance(29)
    assert room.poll(program.slug, waiting.id)["state"] == "waiting"
    clock.advance(2)
    assert room.poll(program.slug, unused.id)["state"] == "lapsed"
    assert room.poll(program.slug, waiting.id)["state"] == "admitted"


def test_a_used_admission_keeps_its_capacity(room, clock):
    program = simple_room(rate=0.01, grace=300, token=30)
    used = room.join(program)
    waiting = room.join(program)

    assert room.use(program.slug, used.id) is True
    assert room.use(program.slug, used.id) is False
    clock.advance(31)
    assert room.poll(program.slug, waiting.id)["state"] == "waiting"


def test_an_admission_is_claimed_by_one_browser_only(room):
    program = simple_room(rate=5)
    ticket = room.join(program)

    assert room.claim(program.slug, ticket.id, "browser-a") is not None
    assert room.claim(program.slug, ticket.id, "browser-a") is not None
    assert room.claim(program.slug, ticket.id, "browser-b") is None


def test_restarting_a_process_loses_no_place(backend_place, room, clock):
    program = simple_room(rate=0.01, grace=600)
    queue = [room.join(program) for _ in range(5)]
    before = [room.poll(program.slug, t.id) for t in queue]

    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        after = pool.apply(
            poll_in_new_process,
            (backend_place, program.slug, [t.id for t in queue], clock().timestamp()),
        )

    assert [s["state"] for s in after] == [s["state"] for s in before]
    assert [s.get("position") for s in after] == [s.get("position") for s in before]


def test_time_slots_give_cohorts_their_own_opening(room, clock):
    program = program_with_room(
        """
[waiting_room]
admission_rate_per_s = 0.0001
opens_at = 2023-03-15T08:00:00+01:00
grace_seconds = 3600
token_lifetime_seconds = 3600

[[waiting_room.slots]]
lands = ["DE-BY", "DE-BW"]
opens_at = 2023-03-15T10:00:00+01:00
"""
    )
    clock.set(LAUNCH)
    clock.advance(-3600)  # 09:00: the others are open, Bavaria waits
    others = [room.join(program, "DE-HH") for _ in range(3)]
    bavaria = [room.join(program, "DE-BY") for _ in range(3)]
    baden = room.join(program, "DE-BW")

    assert [t.status["state"] for t in others] == ["admitted", "waiting", "waiting"]
    assert {t.status["state"] for t in bavaria + [baden]} == {"prequeue"}
    assert room.poll(program.slug, baden.id)["waiting"] == 4  # one draw for both

    clock.advance(1800)
    for ticket in others + bavaria + [baden]:  # everyone keeps the page open
        room.poll(program.slug, ticket.id)
    clock.set(LAUNCH)
    clock.advance(1)
    after = room.join(program, "DE-HH")
    drawn = [room.poll(program.slug, t.id)["position"] for t in bavaria + [baden]]
    assert sorted(drawn) == [4, 5, 6, 7]  # behind those who queued before 10:00
    assert after.status["position"] == 8


def test_the_poll_recovers_when_redis_forgot_its_scripts_or_the_connection(clock):
    from pauschale.waitingroom.room import Room

    from .conftest import REDIS_URL

    place = BackendPlace("redis", REDIS_URL, f"test-{uuid.uuid4().hex}")
    room = Room(place.open(), clock)
    program = simple_room(rate=0.01)
    try:
        room.join(program)
        ticket = room.join(program)
        assert b'"ahead":0' in room.poll_json(program.slug, ticket.id)

        room.backend.client.script_flush()  # as after a restart of Redis
        assert b'"state":"waiting"' in room.poll_json(program.slug, ticket.id)
        room.backend._connection().disconnect()
        assert b'"state":"waiting"' in room.poll_json(program.slug, ticket.id)
    finally:
        room.backend.forget(program.slug)
