"""Small applications in front of Django for the hottest paths.

On launch day most requests are polls of waiting people. The fronts answer
``GET /warteraum/<program>/status/`` and ``GET /healthz`` themselves, without
Django's middleware (sessions, CSRF, locale, CSP), with one call to the room's
backend and no database; everything else goes on to Django.

``WaitingRoomFront`` sits before Django's WSGI handler (gunicorn, sync
workers: the pages). ``AsyncWaitingRoomFront`` sits before Django's ASGI
handler (uvicorn): there a process keeps hundreds of polls in flight while
they wait for Redis, which is what a poll mostly does.
"""

from django.http.cookie import parse_cookie

from pauschale.common.log import get_logger

from .polling import HEADERS, STATUS_PATH, poll_body, poll_body_async

log = get_logger(__name__)

STATUS_TEXT = {200: "200 OK", 404: "404 Not Found", 503: "503 Service Unavailable"}
HEALTHY = b"ok\n"
UNAVAILABLE = b'{"state":"unavailable"}'


class WaitingRoomFront:
    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if environ.get("REQUEST_METHOD") == "GET":
            if path == "/healthz":
                return _answer(start_response, 200, HEALTHY, "text/plain")
            if path.startswith("/warteraum/"):
                match = STATUS_PATH.match(path)
                if match:
                    return self._poll(environ, start_response, match["slug"])
        return self.app(environ, start_response)

    def _poll(self, environ, start_response, slug: str):
        cookies = parse_cookie(environ.get("HTTP_COOKIE", ""))
        try:
            status, body = poll_body(slug, cookies)
        except Exception:
            log.exception("waiting_room_poll_failed", program=slug)
            return _answer(start_response, 503, UNAVAILABLE)
        return _answer(start_response, status, body)


def _answer(start_response, status: int, body: bytes, content_type=None):
    headers = list(HEADERS)
    if content_type:
        headers[0] = ("Content-Type", content_type)
    headers.append(("Content-Length", str(len(body))))
    start_response(STATUS_TEXT[status], headers)
    return [body]


ASGI_HEADERS = [(name.lower().encode(), value.encode()) for name, value in HEADERS]


class AsyncWaitingRoomFront:
    """The same front for an ASGI server; it also answers the lifespan
    messages, which Django's ASGI handler refuses."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        kind = scope["type"]
        if kind == "lifespan":
            return await _lifespan(receive, send)
        if kind == "http" and scope["method"] == "GET":
            path = scope["path"]
            if path == "/healthz":
                return await _send(send, 200, HEALTHY, b"text/plain")
            if path.startswith("/warteraum/"):
                match = STATUS_PATH.match(path)
                if match:
                    return await self._poll(scope, send, match["slug"])
        return await self.app(scope, receive, send)

    async def _poll(self, scope, send, slug: str):
        cookie = b"; ".join(
            value for name, value in scope["headers"] if name == b"cookie"
        )
        try:
            status, body = await poll_body_async(slug, parse_cookie(cookie.decode()))
        except Exception:
            log.exception("waiting_room_poll_failed", program=slug)
            return await _send(send, 503, UNAVAILABLE)
        return await _send(send, status, body)


async def _send(send, status: int, body: bytes, content_type: bytes | None = None):
    headers = list(ASGI_HEADERS)
    if content_type:
        headers[0] = (b"content-type", content_type)
    headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _lifespan(receive, send):
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
