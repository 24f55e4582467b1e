"""The poll: one signed cookie in, one call to the backend, JSON out.

Shared by the lean fronts (``front``), which answer polls before Django's
middleware, and the Django view of the same URL, used where no front is in
place (development server, tests).
"""

import re

from .room import Room
from .tokens import read_ticket, ticket_cookie_name

STATUS_PATH = re.compile(r"^/warteraum/(?P<slug>[a-z0-9][a-z0-9-]{1,48})/status/$")
UNKNOWN = b'{"state":"unknown"}'
HEADERS = [
    ("Content-Type", "application/json"),
    ("Cache-Control", "no-store"),
    ("X-Content-Type-Options", "nosniff"),
]


def poll_body(slug: str, cookies: dict, room: Room | None = None) -> tuple[int, bytes]:
    """Status code and JSON body for a poll with these cookies."""
    held = read_ticket(slug, cookies.get(ticket_cookie_name(slug)))
    if held is None:
        return 404, UNKNOWN
    return 200, (room or Room()).poll_json(slug, held[0])


async def poll_body_async(slug: str, cookies: dict) -> tuple[int, bytes]:
    """``poll_body`` for an ASGI server: waits for the backend without blocking."""
    held = read_ticket(slug, cookies.get(ticket_cookie_name(slug)))
    if held is None:
        return 404, UNKNOWN
    return 200, await Room().poll_json_async(slug, held[0])
