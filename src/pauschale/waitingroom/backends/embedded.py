"""The waiting room in a local SQLite file, for one machine without Redis.

The file is the waiting room's own (not the platform's database), so a poll
never touches PostgreSQL, and a restarted process finds every place where it
was. Each step is one ``BEGIN IMMEDIATE`` transaction, so that processes
sharing the file never give a position twice. The algorithm is the one of the
Redis scripts, described in ``base``; the shared test suite holds both to the
same behaviour.
"""

import asyncio
import json
import math
import os
import sqlite3
import threading
from pathlib import Path

from .base import (
    ADVANCE_EVERY_SECONDS,
    EPSILON,
    KEEP_FINISHED_SECONDS,
    MAX_STEPS,
    MEASURE_SECONDS,
    SWEEP_BATCH,
    RoomConfig,
    RoundTrip,
    check_rate,
    estimate,
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS room (
    program TEXT PRIMARY KEY,
    seq INTEGER NOT NULL DEFAULT 0,
    served INTEGER NOT NULL DEFAULT 0,
    credit REAL NOT NULL DEFAULT 0,
    tick REAL NOT NULL,
    paused INTEGER NOT NULL DEFAULT 0,
    rate REAL NOT NULL,
    target REAL NOT NULL,
    burst_s REAL NOT NULL,
    grace REAL NOT NULL,
    token_s REAL NOT NULL,
    poll_s REAL NOT NULL,
    m_adm REAL NOT NULL DEFAULT 0,
    m_busy REAL NOT NULL DEFAULT 0,
    saved REAL NOT NULL DEFAULT 0,    -- credit saved up while idle, not yet used
    m_lapse REAL NOT NULL DEFAULT 0,
    tickets INTEGER NOT NULL DEFAULT 0,
    admitted INTEGER NOT NULL DEFAULT 0,
    err_sum REAL NOT NULL DEFAULT 0,
    err_n INTEGER NOT NULL DEFAULT 0,
    title_de TEXT NOT NULL DEFAULT '',
    title_en TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL DEFAULT '',
    reason_at REAL,
    actor TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS ticket (
    program TEXT NOT NULL,
    id TEXT NOT NULL,
    open_at INTEGER NOT NULL,
    position INTEGER,
    state TEXT NOT NULL,          -- pre, waiting, admitted, lost
    last_seen REAL NOT NULL,
    admitted_at REAL,
    use_by REAL,                  -- set while an admission is unused
    claimed_by TEXT,
    shown_at REAL,
    eta REAL,
    PRIMARY KEY (program, id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS ticket_position ON ticket (program, position);
CREATE INDEX IF NOT EXISTS ticket_waiting ON ticket (program, last_seen)
    WHERE state IN ('pre', 'waiting');
CREATE INDEX IF NOT EXISTS ticket_lost ON ticket (program, position)
    WHERE state = 'lost';
CREATE INDEX IF NOT EXISTS ticket_pending ON ticket (program, use_by)
    WHERE use_by IS NOT NULL;
CREATE INDEX IF NOT EXISTS ticket_prequeue ON ticket (program, open_at, id)
    WHERE state = 'pre';
CREATE INDEX IF NOT EXISTS ticket_finished ON ticket (program, admitted_at)
    WHERE state IN ('admitted', 'lost');
CREATE TABLE IF NOT EXISTS round_trip (
    program TEXT NOT NULL, at REAL NOT NULL, ok INTEGER NOT NULL, latency REAL
);
CREATE INDEX IF NOT EXISTS round_trip_at ON round_trip (program, at);
CREATE TABLE IF NOT EXISTS rate_change (
    program TEXT NOT NULL, at REAL NOT NULL, change TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS rate_change_at ON rate_change (program, at);
"""


class EmbeddedBackend:
    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._local = threading.local()

    # --- connections -------------------------------------------------------------

    def _db(self) -> sqlite3.Connection:
        """This thread's connection; a forked process opens its own."""
        local = self._local
        if getattr(local, "pid", None) != os.getpid():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.executescript(SCHEMA)
            local.db, local.pid = db, os.getpid()
        return local.db

    def _step(self, work):
        """Run ``work(db)`` as one transaction that holds the write lock."""
        db = self._db()
        db.execute("BEGIN IMMEDIATE")
        try:
            result = work(db)
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
        return result

    # --- the steps ---------------------------------------------------------------

    def join(
        self, slug: str, ticket: str, open_at: int, config: RoomConfig, now: float
    ) -> dict:
        def work(db):
            _configure(db, slug, config, now)
            room = _Room(db, slug, now)
            room.advance()
            position = None
            if not room.opening_passed(open_at):
                room.add(ticket, open_at, position=None, state="pre")
            else:
                room.seq += 1
                position = room.seq
                room.add(ticket, 0, position=position, state="waiting")
            db.execute(
                "UPDATE room SET tickets = tickets + 1 WHERE program = ?", (slug,)
            )
            room.advance()
            room.save()
            status = room.status(ticket, verbose=True)
            if position is not None:
                status.setdefault("position", position)
            return status

        return self._step(work)

    def poll(self, slug: str, ticket: str, now: float, verbose: bool = False) -> dict:
        def work(db):
            room = _Room.load(db, slug, now)
            if room is None:
                return {"state": "unknown"}
            if now - room.tick >= ADVANCE_EVERY_SECONDS:
                room.advance()
                room.save()
            db.execute(
                "UPDATE ticket SET last_seen = ? WHERE program = ? AND id = ?"
                " AND state IN ('pre', 'waiting')",
                (now, slug, ticket),
            )
            return room.status(ticket, verbose)

        return self._step(work)

    def poll_json(self, slug: str, ticket: str, now: float) -> bytes:
        return json.dumps(self.poll(slug, ticket, now)).encode()

    async def poll_json_async(self, slug: str, ticket: str, now: float) -> bytes:
        # SQLite blocks; one machine's polls are few enough for a thread each.
        return await asyncio.to_thread(self.poll_json, slug, ticket, now)

    def claim(self, slug: str, ticket: str, browser: str, now: float) -> float | None:
        def work(db):
            row = db.execute(
                "SELECT t.admitted_at, t.claimed_by, r.token_s FROM ticket t"
                " JOIN room r ON r.program = t.program"
                " WHERE t.program = ? AND t.id = ? AND t.state = 'admitted'",
                (slug, ticket),
            ).fetchone()
            if row is None or now >= row["admitted_at"] + row["token_s"]:
                return None
            if row["claimed_by"] not in (None, browser):
                return None
            db.execute(
                "UPDATE ticket SET claimed_by = ? WHERE program = ? AND id = ?",
                (browser, slug, ticket),
            )
            return row["admitted_at"]

        return self._step(work)

    def use(self, slug: str, ticket: str, now: float) -> bool:
        def work(db):
            cursor = db.execute(
                "UPDATE ticket SET use_by = NULL"
                " WHERE program = ? AND id = ? AND use_by IS NOT NULL",
                (slug, ticket),
            )
            return cursor.rowcount == 1

        return self._step(work)

    def configure(self, slug: str, config: RoomConfig, now: float) -> None:
        self._step(lambda db: _configure(db, slug, config, now))

    def snapshot(self, slug: str, now: float) -> dict:
        def work(db):
            room = _Room.load(db, slug, now)
            if room is None:
                return {}
            room.advance()
            room.save()
            return room.snapshot()

        return self._step(work)

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
        check_rate(rate)
        if target is not None:
            check_rate(target)

        def work(db):
            room = _Room.load(db, slug, now)
            if room is None:
                return False
            if expected is not None and abs(room.rate - expected) > 1e-9:
                return False
            room.advance()
            room.save()
            db.execute(
                "UPDATE room SET rate = ?, target = COALESCE(?, target), reason = ?,"
                " reason_at = ?, actor = ? WHERE program = ?",
                (rate, target, reason, now, actor, slug),
            )
            change = {"at": now, "rate": rate, "reason": reason, "actor": actor}
            _log_change(db, slug, now, change)
            return True

        return self._step(work)

    def set_paused(
        self, slug: str, now: float, paused: bool, *, reason: str, actor: str
    ) -> None:
        def work(db):
            room = _Room.load(db, slug, now)
            if room is None:
                return
            room.advance()
            room.save()
            db.execute(
                "UPDATE room SET paused = ?, reason = ?, reason_at = ?, actor = ?"
                " WHERE program = ?",
                (int(paused), reason, now, actor, slug),
            )
            change = {"at": now, "paused": paused, "reason": reason, "actor": actor}
            _log_change(db, slug, now, change)

        self._step(work)

    def record_round_trip(
        self, slug: str, now: float, ok: bool, latency: float | None
    ) -> None:
        def work(db):
            db.execute(
                "INSERT INTO round_trip (program, at, ok, latency) VALUES (?, ?, ?, ?)",
                (slug, now, int(ok), latency),
            )
            db.execute(
                "DELETE FROM round_trip WHERE program = ? AND at < ?",
                (slug, now - 24 * 3600),
            )

        self._step(work)

    def round_trips(self, slug: str, since: float) -> list[RoundTrip]:
        rows = self._db().execute(
            "SELECT at, ok, latency FROM round_trip WHERE program = ? AND at >= ?"
            " ORDER BY at",
            (slug, since),
        )
        return [RoundTrip(row["at"], bool(row["ok"]), row["latency"]) for row in rows]

    def changes(self, slug: str, limit: int = 20) -> list[dict]:
        rows = self._db().execute(
            "SELECT change FROM rate_change WHERE program = ?"
            " ORDER BY at DESC, rowid DESC LIMIT ?",
            (slug, limit),
        )
        return [json.loads(row["change"]) for row in rows]

    def forget(self, slug: str) -> None:
        def work(db):
            for table in ("room", "ticket", "round_trip", "rate_change"):
                db.execute(f"DELETE FROM {table} WHERE program = ?", (slug,))  # noqa: S608

        self._step(work)


def _configure(db, slug: str, config: RoomConfig, now: float) -> None:
    db.execute(
        "INSERT INTO room (program, tick, rate, target, credit, burst_s, grace,"
        " token_s, poll_s, title_de, title_en) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (program) DO UPDATE SET burst_s = excluded.burst_s,"
        " grace = excluded.grace, token_s = excluded.token_s,"
        " poll_s = excluded.poll_s, title_de = excluded.title_de,"
        " title_en = excluded.title_en",
        (
            slug,
            now,
            config.rate,
            config.rate,
            max(1.0, config.rate * config.burst_seconds),
            config.burst_seconds,
            config.grace_seconds,
            config.token_seconds,
            config.poll_seconds,
            config.title_de,
            config.title_en,
        ),
    )


def _log_change(db, slug: str, now: float, change: dict) -> None:
    db.execute(
        "INSERT INTO rate_change (program, at, change) VALUES (?, ?, ?)",
        (slug, now, json.dumps(change)),
    )


class _Room:
    """One program's room inside one transaction."""

    FIELDS = (
        "seq served credit tick paused rate target burst_s grace token_s poll_s"
        " m_adm m_busy saved m_lapse title_de title_en"
    ).split()

    def __init__(self, db, slug: str, now: float, row=None):
        self.db, self.slug, self.now = db, slug, now
        row = (
            row
            or db.execute("SELECT * FROM room WHERE program = ?", (slug,)).fetchone()
        )
        for name in self.FIELDS:
            setattr(self, name, row[name])
        # A rate that is no finite number (set before rates were checked) is
        # read as 0: the room admits nobody until an operator sets a rate, and
        # the credit piled up by an infinite rate is void.
        for name in ("rate", "target", "credit", "saved"):
            if not math.isfinite(getattr(self, name)):
                setattr(self, name, 0.0)
        self.paused = bool(self.paused)
        self.prior_tick = self.tick
        self.admitted_now = 0

    @classmethod
    def load(cls, db, slug: str, now: float) -> "_Room | None":
        row = db.execute("SELECT * FROM room WHERE program = ?", (slug,)).fetchone()
        return cls(db, slug, now, row) if row else None

    def save(self) -> None:
        self.db.execute(
            "UPDATE room SET seq = ?, served = ?, credit = ?, tick = ?, m_adm = ?,"
            " m_busy = ?, saved = ?, m_lapse = ?, admitted = admitted + ?"
            " WHERE program = ?",
            (
                self.seq,
                self.served,
                self.credit,
                self.now,
                self.m_adm,
                self.m_busy,
                self.saved,
                self.m_lapse,
                self.admitted_now,
                self.slug,
            ),
        )
        self.admitted_now = 0

    def add(self, ticket: str, open_at: int, position: int | None, state: str):
        self.db.execute(
            "INSERT INTO ticket (program, id, open_at, position, state, last_seen)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (self.slug, ticket, open_at, position, state, self.now),
        )

    def opening_passed(self, open_at: int) -> bool:
        """Whether this room already moved past the opening ``open_at``."""
        return open_at <= max(self.now, self.prior_tick)

    # --- moving on ---------------------------------------------------------------

    def advance(self) -> None:
        admitted_before = self.admitted_now
        dt = max(0.0, self.now - self.tick)
        was_busy = self._live() > 0 and not self.paused
        self._draw_due()
        lapsed = self.db.execute(
            "UPDATE ticket SET use_by = NULL WHERE program = ? AND use_by <= ?",
            (self.slug, self.now),
        ).rowcount
        self._sweep()

        if not self.paused:
            # While people wait, every admission the rate allows is owed to
            # them; only an idle room saves up no more than the burst.
            burst = max(1.0, self.rate * self.burst_s)
            self.credit += self.rate * dt + lapsed
            if not was_busy:
                self.credit = min(burst, self.credit)
                self.saved = self.credit
            self._admit_while_credit()
            self.credit = min(burst, self.credit)
        # Admissions paid from credit saved up while the room was idle are not
        # the rate: they do not count as measured.
        admitted = self.admitted_now - admitted_before
        from_saved = min(admitted, self.saved)
        self.saved = min(self.saved - from_saved, self.credit)
        self._measure(dt, was_busy, admitted - from_saved, lapsed)
        self.tick = self.now
        self._forget_finished()

    def _measure(self, dt: float, was_busy: bool, admitted: int, lapsed: int):
        """Add this step to the measured rate: all of ``dt`` counts as waiting
        time if people still wait, else only the time its admissions took."""
        busy_dt = 0.0
        if was_busy:
            busy_dt = dt
            if self._live() <= 0 and self.rate > 0:
                busy_dt = min(dt, admitted / self.rate)
        else:
            admitted = lapsed = 0
        decay = math.exp(-dt / MEASURE_SECONDS)
        self.m_adm = self.m_adm * decay + admitted
        self.m_lapse = self.m_lapse * decay + lapsed
        weight = (1 - decay) * MEASURE_SECONDS / dt if dt > 0 else 1.0
        self.m_busy = self.m_busy * decay + busy_dt * weight

    def _draw_due(self) -> None:
        """Give the pre-queues whose opening has come their positions."""
        openings = self.db.execute(
            "SELECT DISTINCT open_at FROM ticket WHERE program = ? AND state = 'pre'"
            " AND open_at <= ? ORDER BY open_at",
            (self.slug, self.now),
        ).fetchall()
        for (open_at,) in openings:
            ids = self.db.execute(
                "SELECT id FROM ticket WHERE program = ? AND state = 'pre'"
                " AND open_at = ? ORDER BY id",
                (self.slug, open_at),
            ).fetchall()
            self.db.executemany(
                "UPDATE ticket SET position = ?, state = 'waiting'"
                " WHERE program = ? AND id = ?",
                [(self.seq + n, self.slug, row[0]) for n, row in enumerate(ids, 1)],
            )
            self.seq += len(ids)

    def _sweep(self) -> None:
        """Places of those who stopped polling longer than the grace are lost."""
        stale = (self.slug, self.now - self.grace)
        self.db.execute(
            "UPDATE ticket SET state = 'lost', admitted_at = ?, shown_at = NULL,"
            " eta = NULL WHERE program = ? AND id IN (SELECT id FROM ticket"
            " WHERE program = ? AND state IN ('pre', 'waiting') AND last_seen < ?"
            " LIMIT ?)",
            (self.now, self.slug, *stale, SWEEP_BATCH),
        )

    def _lost_between(self, low: int, high: int) -> int:
        """Lost places with a position in [low, high]."""
        if high < low:
            return 0
        return self.db.execute(
            "SELECT COUNT(*) FROM ticket WHERE program = ? AND state = 'lost'"
            " AND position BETWEEN ? AND ?",
            (self.slug, low, high),
        ).fetchone()[0]

    def _live(self) -> int:
        return self.seq - self.served - self._lost_between(self.served + 1, self.seq)

    def _admit_while_credit(self) -> None:
        steps = 0
        while (
            self.credit >= 1 - EPSILON and self.served < self.seq and steps < MAX_STEPS
        ):
            batch = self.db.execute(
                "SELECT id, position, state, last_seen FROM ticket"
                " WHERE program = ? AND position > ? ORDER BY position LIMIT ?",
                (self.slug, self.served, int(self.credit) + 50),
            ).fetchall()
            if not batch:
                self.served = self.seq
                break
            for row in batch:
                if self.credit < 1 - EPSILON or steps >= MAX_STEPS:
                    break
                steps += 1
                self.served = row["position"]
                if row["state"] != "waiting":
                    continue
                if row["last_seen"] >= self.now - self.grace:
                    self._admit(row["id"])
                else:
                    self.db.execute(
                        "UPDATE ticket SET state = 'lost', admitted_at = ?"
                        " WHERE program = ? AND id = ?",
                        (self.now, self.slug, row["id"]),
                    )

    def _admit(self, ticket: str) -> None:
        row = self.db.execute(
            "SELECT shown_at, eta FROM ticket WHERE program = ? AND id = ?",
            (self.slug, ticket),
        ).fetchone()
        self.db.execute(
            "UPDATE ticket SET state = 'admitted', admitted_at = ?, use_by = ?"
            " WHERE program = ? AND id = ?",
            (self.now, self.now + self.token_s, self.slug, ticket),
        )
        if row["shown_at"] is not None:
            error = abs((self.now - row["shown_at"]) - row["eta"])
            self.db.execute(
                "UPDATE room SET err_sum = err_sum + ?, err_n = err_n + 1"
                " WHERE program = ?",
                (error, self.slug),
            )
        self.admitted_now += 1
        self.credit -= 1

    def _forget_finished(self) -> None:
        self.db.execute(
            "DELETE FROM ticket WHERE id IN (SELECT id FROM ticket"
            " WHERE program = ? AND state IN ('admitted', 'lost')"
            " AND admitted_at < ? AND (position IS NULL OR position <= ?)"
            " LIMIT 100) AND program = ?",
            (
                self.slug,
                self.now - self.token_s - KEEP_FINISHED_SECONDS,
                self.served,
                self.slug,
            ),
        )

    # --- answers -----------------------------------------------------------------

    def status(self, ticket: str, verbose: bool = False) -> dict:
        out = {
            "state": "unknown",
            "poll_seconds": self.poll_s,
            "paused": self.paused,
            "rate_per_s": self.rate,
            "grace_seconds": self.grace,
        }
        if verbose:
            out.update(title_de=self.title_de, title_en=self.title_en)
        row = self.db.execute(
            "SELECT * FROM ticket WHERE program = ? AND id = ?", (self.slug, ticket)
        ).fetchone()
        if row is None:
            return out
        if row["state"] == "admitted":
            if self.now < row["admitted_at"] + self.token_s:
                out.update(
                    state="admitted",
                    admitted_at=row["admitted_at"],
                    use_by=row["admitted_at"] + self.token_s,
                )
            else:
                out["state"] = "lapsed"
            return out
        if row["state"] == "lost":
            out["state"] = "lost"
            return out
        if row["state"] == "pre":
            waiting = self.db.execute(
                "SELECT COUNT(*) FROM ticket WHERE program = ? AND state = 'pre'"
                " AND open_at = ?",
                (self.slug, row["open_at"]),
            ).fetchone()[0]
            out.update(state="prequeue", opens_at=row["open_at"], waiting=waiting)
            return out
        return self._waiting_status(out, row)

    def _waiting_status(self, out: dict, row) -> dict:
        position = row["position"]
        ahead = position - self.served - 1
        if ahead > 0:
            ahead -= self._lost_between(self.served + 1, position - 1)
        eta, basis, rate = estimate(
            ahead,
            self.credit,
            self.rate,
            (self.m_adm, self.m_lapse, self.m_busy),
            self.paused,
        )
        out.update(
            state="waiting",
            position=position,
            ahead=ahead,
            eta_basis=basis,
            rate_per_s=rate,
        )
        if eta is not None:
            out["eta_seconds"] = eta
            if row["shown_at"] is None:
                self.db.execute(
                    "UPDATE ticket SET shown_at = ?, eta = ? WHERE program = ? AND id = ?",
                    (self.now, eta, self.slug, row["id"]),
                )
        return out

    def snapshot(self) -> dict:
        row = self.db.execute(
            "SELECT * FROM room WHERE program = ?", (self.slug,)
        ).fetchone()
        prequeue = self.db.execute(
            "SELECT COUNT(*) FROM ticket WHERE program = ? AND state = 'pre'",
            (self.slug,),
        ).fetchone()[0]
        pending = self.db.execute(
            "SELECT COUNT(*) FROM ticket WHERE program = ? AND use_by IS NOT NULL",
            (self.slug,),
        ).fetchone()[0]
        next_open = self.db.execute(
            "SELECT MIN(open_at) FROM ticket WHERE program = ? AND state = 'pre'",
            (self.slug,),
        ).fetchone()[0]
        return {
            "rate": self.rate,
            "target": self.target,
            "paused": bool(row["paused"]),
            "tickets": row["tickets"],
            "admitted": row["admitted"],
            "max_position": row["seq"],
            "served": row["served"],
            "waiting": self._live(),
            "prequeue": prequeue,
            "pending": pending,
            "credit": self.credit,
            "m_adm": row["m_adm"],
            "m_busy": row["m_busy"],
            "m_lapse": row["m_lapse"],
            "eta_error_sum": row["err_sum"],
            "eta_error_n": row["err_n"],
            "reason": row["reason"],
            "reason_at": row["reason_at"],
            "actor": row["actor"],
            "next_open": next_open,
        }
