"""How waits and times read on the waiting page."""

import math
from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def wait_text(seconds: float | None) -> str:
    """A wait in words: ``less than a minute``, ``about 7 minutes``, …"""
    if seconds is None:
        return _("no estimate while admission is paused")
    if seconds < 60:
        return _("less than a minute")
    minutes = math.ceil(seconds / 60)
    if minutes < 90:
        return ngettext(
            "about %(minutes)d minute", "about %(minutes)d minutes", minutes
        ) % {"minutes": minutes}
    hours, minutes = divmod(minutes, 60)
    return _("about %(hours)d h %(minutes)d min") % {
        "hours": hours,
        "minutes": minutes,
    }


def local_time(epoch: float | None, zone: str | None = None) -> datetime | None:
    """Seconds since the epoch as an aware datetime in the site's time zone."""
    if epoch is None:
        return None
    tz = ZoneInfo(zone) if zone else timezone.get_current_timezone()
    return datetime.fromtimestamp(float(epoch), tz)


def refresh_seconds(status: dict, now: float) -> int:
    """How long a page without JavaScript waits before asking again.

    Near the front it asks just after the expected turn, or as often as the
    JavaScript would; far back less often, but always well within the grace
    period, so that the place is kept.
    """
    poll = float(status.get("poll_seconds") or 5)
    grace = float(status.get("grace_seconds") or 120)
    eta = status.get("eta_seconds")
    if status.get("state") == "prequeue" and status.get("opens_at"):
        eta = max(0.0, float(status["opens_at"]) - now)
    if eta is None:
        wanted = poll
    elif eta < poll:
        wanted = math.ceil(float(eta) + 0.5)  # just after the expected turn
    else:
        wanted = max(poll, float(eta) / 10)
    return int(max(1, min(wanted, 30, grace / 3)))
