"""The waiting room in Redis, for several app processes or machines.

Each step is one Lua script (``redis_scripts``), so that positions are never
lost or given twice, and a poll is one round trip to Redis.
"""

import asyncio
import json
import os
import threading

import redis
import redis.asyncio

from . import redis_scripts as lua
from .base import RoomConfig, RoundTrip, check_rate

ROUND_TRIPS_KEPT = 1000
IDLE_EXPIRY_SECONDS = 14 * 24 * 3600
"""Keys of a room nobody touched for this long are dropped by Redis."""


class RedisBackend:
    def __init__(self, url: str, namespace: str = "pauschale"):
        self.url = url
        self.client = redis.Redis.from_url(url)
        self.namespace = namespace
        self._join = self.client.register_script(lua.JOIN_SCRIPT)
        self._poll = self.client.register_script(lua.POLL_SCRIPT)
        self._claim = self.client.register_script(lua.CLAIM_SCRIPT)
        self._configure = self.client.register_script(lua.CONFIGURE_SCRIPT)
        self._snapshot = self.client.register_script(lua.SNAPSHOT_SCRIPT)
        self._set_rate = self.client.register_script(lua.SET_RATE_SCRIPT)
        self._set_paused = self.client.register_script(lua.SET_PAUSED_SCRIPT)
        self._local = threading.local()
        self._async: tuple[asyncio.AbstractEventLoop, redis.asyncio.Redis] | None = None

    def prefix(self, slug: str) -> str:
        return f"{self.namespace}:wr:{{{slug}}}:"

    def _config_args(self, config: RoomConfig) -> list:
        return [
            repr(float(config.rate)),
            repr(float(config.burst_seconds)),
            repr(float(config.grace_seconds)),
            repr(float(config.token_seconds)),
            repr(float(config.poll_seconds)),
            config.title_de,
            config.title_en,
        ]

    def join(
        self, slug: str, ticket: str, open_at: int, config: RoomConfig, now: float
    ) -> dict:
        args = [repr(now), ticket, str(int(open_at)), *self._config_args(config)]
        status = json.loads(self._join(keys=[self.prefix(slug)], args=args))
        self._keep(slug)
        return status

    def poll(self, slug: str, ticket: str, now: float, verbose: bool = False) -> dict:
        args = [repr(now), ticket, "1" if verbose else ""]
        return json.loads(self._poll(keys=[self.prefix(slug)], args=args))

    def poll_json(self, slug: str, ticket: str, now: float) -> bytes:
        """The poll on a connection of this thread's own: without the pool and
        the command layer, a quarter less time per poll on the hot path."""
        command = (
            "EVALSHA",
            self._poll.sha,
            1,
            self.prefix(slug),
            repr(now),
            ticket,
            "",
        )
        connection = self._connection()
        try:
            connection.send_command(*command)
            return connection.read_response()
        except redis.exceptions.NoScriptError:
            self.client.script_load(lua.POLL_SCRIPT)  # Redis restarted
        except (redis.ConnectionError, redis.TimeoutError):
            connection.disconnect()  # reconnects on the next command
        connection.send_command(*command)
        return connection.read_response()

    async def poll_json_async(self, slug: str, ticket: str, now: float) -> bytes:
        client = self._async_client()
        command = (self._poll.sha, 1, self.prefix(slug), repr(now), ticket, "")
        try:
            return await client.evalsha(*command)
        except redis.exceptions.NoScriptError:
            await client.script_load(lua.POLL_SCRIPT)  # Redis restarted
        return await client.evalsha(*command)

    def _async_client(self) -> redis.asyncio.Redis:
        """A client of the running event loop (its connections belong to it)."""
        loop = asyncio.get_running_loop()
        held = self._async
        if held is None or held[0] is not loop:
            held = self._async = (loop, redis.asyncio.Redis.from_url(self.url))
        return held[1]

    def _connection(self) -> redis.Connection:
        local = self._local
        if getattr(local, "pid", None) != os.getpid():
            pool = self.client.connection_pool
            local.connection = pool.connection_class(**pool.connection_kwargs)
            local.pid = os.getpid()
        return local.connection

    def claim(self, slug: str, ticket: str, browser: str, now: float) -> float | None:
        args = [repr(now), ticket, browser]
        admitted_at = self._claim(keys=[self.prefix(slug)], args=args)
        return float(admitted_at) if admitted_at else None

    def use(self, slug: str, ticket: str, now: float) -> bool:
        return bool(self.client.zrem(self.prefix(slug) + "pend", ticket))

    def configure(self, slug: str, config: RoomConfig, now: float) -> None:
        args = [repr(now), *self._config_args(config)]
        self._configure(keys=[self.prefix(slug)], args=args)
        self._keep(slug)

    def snapshot(self, slug: str, now: float) -> dict:
        raw = self._snapshot(keys=[self.prefix(slug)], args=[repr(now)])
        return json.loads(raw) if raw else {}

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
        change = {"at": now, "rate": rate, "reason": reason, "actor": actor}
        args = [
            repr(now),
            repr(float(rate)),
            "" if target is None else repr(float(target)),
            "" if expected is None else repr(float(expected)),
            reason,
            actor,
            json.dumps(change),
        ]
        return bool(self._set_rate(keys=[self.prefix(slug)], args=args))

    def set_paused(
        self, slug: str, now: float, paused: bool, *, reason: str, actor: str
    ) -> None:
        change = {"at": now, "paused": paused, "reason": reason, "actor": actor}
        args = [repr(now), "1" if paused else "0", reason, actor, json.dumps(change)]
        self._set_paused(keys=[self.prefix(slug)], args=args)

    def record_round_trip(
        self, slug: str, now: float, ok: bool, latency: float | None
    ) -> None:
        key = self.prefix(slug) + "rt"
        entry = json.dumps([now, ok, latency])
        pipe = self.client.pipeline(transaction=False)
        pipe.lpush(key, entry)
        pipe.ltrim(key, 0, ROUND_TRIPS_KEPT - 1)
        pipe.expire(key, IDLE_EXPIRY_SECONDS)
        pipe.execute()

    def round_trips(self, slug: str, since: float) -> list[RoundTrip]:
        entries = self.client.lrange(self.prefix(slug) + "rt", 0, -1)
        trips = [RoundTrip(*json.loads(entry)) for entry in entries]
        return [trip for trip in reversed(trips) if trip.at >= since]

    def changes(self, slug: str, limit: int = 20) -> list[dict]:
        entries = self.client.lrange(self.prefix(slug) + "changes", 0, limit - 1)
        return [json.loads(entry) for entry in entries]

    def forget(self, slug: str) -> None:
        keys = list(self.client.scan_iter(match=self._pattern(slug), count=1000))
        if keys:
            self.client.delete(*keys)

    def _pattern(self, slug: str) -> str:
        # The braces of the hash tag are glob characters to SCAN; escape them.
        return self.prefix(slug).replace("{", "\\{").replace("}", "\\}") + "*"

    def _keep(self, slug: str) -> None:
        """Let the room's keys expire after two idle weeks (at most once an hour)."""
        marker = self.prefix(slug) + "kept"
        if not self.client.set(marker, 1, nx=True, ex=3600):
            return
        keys = self.client.scan_iter(match=self._pattern(slug), count=1000)
        pipe = self.client.pipeline(transaction=False)
        for key in keys:
            if key.decode() != marker:
                pipe.expire(key, IDLE_EXPIRY_SECONDS)
        pipe.execute()
