"""Switches that make the development IdP fail or slow, to try the waiting
room's adaptive rate against an unhealthy upstream.

Kept in a small JSON file (``PAUSCHALE_DEVIDP_FAULT_FILE``) so that every app
process sees the same switch; set it with ``pauschale devidp_fault``.
"""

import json
import random
from dataclasses import asdict, dataclass

from django.conf import settings


@dataclass(frozen=True)
class Fault:
    fail_ratio: float = 0.0
    """Share of logins answered with SAML status ``Responder`` (0 to 1)."""
    latency_ms: int = 0
    """Delay before every answer."""

    def fails_now(self) -> bool:
        return self.fail_ratio > 0 and random.random() < self.fail_ratio  # noqa: S311 - a test switch


def current() -> Fault:
    try:
        data = json.loads(settings.PAUSCHALE_DEVIDP_FAULT_FILE.read_text())
    except (FileNotFoundError, ValueError):
        return Fault()
    return Fault(float(data.get("fail_ratio", 0)), int(data.get("latency_ms", 0)))


def set_fault(fail_ratio: float = 0.0, latency_ms: int = 0) -> Fault:
    if not 0 <= fail_ratio <= 1 or latency_ms < 0:
        raise ValueError("fail_ratio lies in [0, 1], latency_ms is not negative")
    fault = Fault(fail_ratio, latency_ms)
    path = settings.PAUSCHALE_DEVIDP_FAULT_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(asdict(fault)))
    return fault


def clear() -> None:
    settings.PAUSCHALE_DEVIDP_FAULT_FILE.unlink(missing_ok=True)
