"""A small WSGI application in front of Django for the hottest paths.

On launch day most requests are polls of waiting people. The front answers
``GET /warteraum/<program>/status/`` and ``GET /healthz`` itself, without
Django's middleware (sessions, CSRF, locale, CSP), with one call to the room's
backend and no database; everything else goes on to Django.
"""

from django.http.cookie import parse_cookie

from pauschale.common.log import get_logger

from .polling import HEADERS, STATUS_PATH, poll_body

log = get_logger(__name__)

STATUS_TEXT = {200: "200 OK", 404: "404 Not Found", 503: "503 Service Unavailable"}


class WaitingRoomFront:
    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if environ.get("REQUEST_METHOD") == "GET":
            if path == "/healthz":
                return _answer(start_response, 200, b"ok\n", "text/plain")
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
            return _answer(start_response, 503, b'{"state":"unavailable"}')
        return _answer(start_response, status, body)


def _answer(start_response, status: int, body: bytes, content_type=None):
    headers = list(HEADERS)
    if content_type:
        headers[0] = ("Content-Type", content_type)
    headers.append(("Content-Length", str(len(body))))
    start_response(STATUS_TEXT[status], headers)
    return [body]
