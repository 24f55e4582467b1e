"""Where the waiting room keeps its state: Redis or a local SQLite file.

``PAUSCHALE_WAITING_ROOM_REDIS_URL`` (by default ``REDIS_URL``) chooses Redis,
for several app processes or machines; without it the room lives in the file
``PAUSCHALE_WAITING_ROOM_FILE``, for one machine.
"""

import threading

from django.conf import settings

from .base import Backend, RoomConfig, RoundTrip
from .embedded import EmbeddedBackend

__all__ = ["Backend", "RoomConfig", "RoundTrip", "get_backend"]

_lock = threading.Lock()
_backends: dict[tuple, Backend] = {}


def _choice() -> tuple:
    url = getattr(settings, "PAUSCHALE_WAITING_ROOM_REDIS_URL", None)
    if url:
        return ("redis", url, settings.PAUSCHALE_WAITING_ROOM_NAMESPACE)
    return ("embedded", str(settings.PAUSCHALE_WAITING_ROOM_FILE))


def make_backend(choice: tuple) -> Backend:
    if choice[0] == "redis":
        from .redis import RedisBackend

        return RedisBackend(choice[1], namespace=choice[2])
    return EmbeddedBackend(choice[1])


KEPT_BACKENDS = 4
"""Backends of earlier settings kept (tests switch the setting per test)."""


def get_backend() -> Backend:
    """The backend the settings name, made once per process and setting."""
    choice = _choice()
    backend = _backends.get(choice)
    if backend is None:
        with _lock:
            backend = _backends.get(choice)
            if backend is None:
                backend = _backends[choice] = make_backend(choice)
                while len(_backends) > KEPT_BACKENDS:
                    del _backends[next(iter(_backends))]
    return backend
