"""The one clock of the platform.

Every rule that depends on the date (application windows, PIN lockouts, payment
dates) asks this module, never ``timezone.now()`` directly, so that the demo and
the tests can run a day of 2023. In production no start is set and the clock is
the real one.
"""

import threading
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

_lock = threading.Lock()
_offset: timedelta | None = None


def _configured_offset() -> timedelta:
    start = settings.PAUSCHALE_CLOCK_START
    if not start:
        return timedelta(0)
    return datetime.fromisoformat(start) - timezone.now()


def now() -> datetime:
    """The current time, shifted when a start time was set; always aware."""
    global _offset
    if _offset is None:
        with _lock:
            if _offset is None:
                _offset = _configured_offset()
    return timezone.now() + _offset


def set_now(moment: datetime) -> None:
    """Let the clock run on from ``moment`` (demo and tests)."""
    global _offset
    if timezone.is_naive(moment):
        raise ValueError("the clock needs an aware datetime")
    with _lock:
        _offset = moment - timezone.now()


def reset() -> None:
    """Forget any shift set by ``set_now`` and read the settings again."""
    global _offset
    with _lock:
        _offset = None


def today():
    """The current date in the platform's time zone."""
    return timezone.localtime(now()).date()
