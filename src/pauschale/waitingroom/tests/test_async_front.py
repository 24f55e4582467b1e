"""The asynchronous front (``config/asgi.py``, served by uvicorn): the same
polls as the WSGI front, answered on an event loop, in process and by a real
uvicorn with two workers."""

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings

import pytest

from pauschale.waitingroom.front import AsyncWaitingRoomFront
from pauschale.waitingroom.room import Room
from pauschale.waitingroom.tokens import sign_ticket, ticket_cookie_name

from .conftest import REDIS_URL, simple_room
from .test_pages import waiting_client

STATUS = "/warteraum/eppsg-2023/status/"


def call(app, scope: dict, messages=()) -> list[dict]:
    """Run one ASGI connection; the messages the application sent."""
    inbox, sent = list(messages), []

    async def receive():
        return inbox.pop(0)

    async def send(message):
        sent.append(message)

    # A loop of its own in a thread of its own: the browser tests' Playwright
    # may hold an event loop in the main thread.
    with ThreadPoolExecutor(1) as thread:
        thread.submit(asyncio.run, app(scope, receive, send)).result()
    return sent


def get(path: str, cookie: str = "") -> dict:
    headers = [(b"host", b"testserver")]
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    return {"type": "http", "method": "GET", "path": path, "headers": headers}


async def no_django(scope, receive, send):
    raise AssertionError("the front should have answered")


def test_the_async_front_answers_polls_like_the_django_view(program, use_backend):
    client, _ = waiting_client(program)
    cookie = "; ".join(f"{k}={v.value}" for k, v in client.cookies.items())

    start, body = call(AsyncWaitingRoomFront(no_django), get(STATUS, cookie))

    headers = dict(start["headers"])
    assert start["status"] == 200
    assert headers[b"content-type"] == b"application/json"
    assert headers[b"cache-control"] == b"no-store"
    poll = json.loads(body["body"])
    assert (poll["state"], poll["position"], poll["ahead"]) == ("waiting", 4, 2)
    assert poll == client.get(STATUS).json()


def test_the_async_front_refuses_a_forged_ticket_and_answers_health_checks():
    front = AsyncWaitingRoomFront(no_django)
    forged = f"{ticket_cookie_name('eppsg-2023')}=someone.else:forgedsignature"

    start, body = call(front, get(STATUS, forged))
    health = call(front, get("/healthz"))

    assert (start["status"], json.loads(body["body"])) == (404, {"state": "unknown"})
    assert (health[0]["status"], health[1]["body"]) == (200, b"ok\n")


def test_the_async_front_hands_everything_else_to_django():
    seen = []

    async def django(scope, receive, send):
        seen.append((scope["method"], scope["path"]))

    front = AsyncWaitingRoomFront(django)
    for path in ("/eppsg-2023/", "/warteraum/eppsg-2023/", "/betrieb/x/"):
        call(front, get(path))
    call(front, {**get(STATUS), "method": "POST"})
    assert seen == [
        ("GET", "/eppsg-2023/"),
        ("GET", "/warteraum/eppsg-2023/"),
        ("GET", "/betrieb/x/"),
        ("POST", STATUS),
    ]


def test_the_async_front_answers_the_servers_lifespan_messages():
    sent = call(
        AsyncWaitingRoomFront(no_django),
        {"type": "lifespan"},
        [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}],
    )
    assert [m["type"] for m in sent] == [
        "lifespan.startup.complete",
        "lifespan.shutdown.complete",
    ]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(url: str, cookie: str = "") -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Cookie": cookie})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.fixture
def uvicorn(tmp_path):
    """uvicorn with two workers serving ``config/asgi.py``, the room in Redis."""
    port, namespace = free_port(), f"test-{uuid.uuid4().hex}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "pauschale.config.settings.dev",
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        "PAUSCHALE_VAR_DIR": str(tmp_path),
        "PAUSCHALE_CLOCK_START": "",
        "REDIS_URL": REDIS_URL,
        "PAUSCHALE_WAITING_ROOM_NAMESPACE": namespace,
        "LOG_LEVEL": "WARNING",
    }
    env.pop("DATABASE_URL", None)  # its own SQLite file, even in the PostgreSQL run
    pauschale = [sys.executable, "-m", "pauschale.cli"]
    subprocess.run([*pauschale, "migrate", "-v0"], env=env, check=True)  # noqa: S603
    command = [sys.executable, "-m", "uvicorn", "--workers", "2", "--port", str(port)]
    command += ["--log-level", "warning", "pauschale.config.asgi:application"]
    process = subprocess.Popen(command, env=env)  # noqa: S603 - our own server
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                fetch(base + "/healthz")
                break
            except OSError:
                time.sleep(0.1)
        yield base, namespace
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_uvicorn_serves_polls_from_redis_and_everything_else_from_django(
    uvicorn, settings
):
    base, namespace = uvicorn
    settings.PAUSCHALE_WAITING_ROOM_REDIS_URL = REDIS_URL
    settings.PAUSCHALE_WAITING_ROOM_NAMESPACE = namespace
    program = simple_room(rate=0.01)
    room = Room()
    try:
        tickets = [room.join(program) for _ in range(3)]  # the first passes
        cookies = [
            f"{ticket_cookie_name('eppsg-2023')}={sign_ticket('eppsg-2023', t.id, '')}"
            for t in tickets
        ]
        polls = [fetch(base + STATUS, cookie) for cookie in cookies]
        page = fetch(base + "/")
        health = fetch(base + "/healthz")
    finally:
        room.backend.forget("eppsg-2023")

    states = [json.loads(body) for _, body in polls]
    assert [status for status, _ in polls] == [200, 200, 200]
    assert states[0]["state"] == "admitted"
    assert [(s["state"], s["ahead"]) for s in states[1:]] == [
        ("waiting", 0),
        ("waiting", 1),
    ]
    assert page[0] == 200 and b"Einmalzahlung beantragen" in page[1]  # Django's
    assert health == (200, b"ok\n")
