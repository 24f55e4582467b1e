"""The admission rate follows the identity provider: when the development IdP
is made to fail, the rate falls quickly; when it heals, the rate climbs back
slowly. On both backends, through real SAML round trips."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from pauschale.audit.models import AuditEvent
from pauschale.common import clock
from pauschale.identity.devidp import faults
from pauschale.identity.tests.conftest import (
    choose_person,
    open_idp_login,
    post_response_form,
)
from pauschale.waitingroom import services
from pauschale.waitingroom.room import Room

BERLIN = ZoneInfo("Europe/Berlin")
START = datetime(2023, 3, 15, 10, 0, tzinfo=BERLIN)


@pytest.fixture(autouse=True)
def _setup(saml_settings, program, use_backend):
    clock.set_now(START)
    spec = program.spec_json
    spec["waiting_room"]["adaptive"]["min_round_trips"] = 5  # a shorter test
    program.spec_json = spec
    program.save()
    services.set_rate(program, 50, actor="test")
    yield
    faults.clear()


def rate(program) -> float:
    return float(Room().snapshot(program)["rate"])


def logins(client, count: int, seconds_apart: float = 1.0) -> list[int]:
    """``count`` logins through the development IdP; their ACS status codes."""
    codes = []
    for _ in range(count):
        clock.set_now(clock.now() + timedelta(seconds=seconds_apart))
        response_page = choose_person(client, open_idp_login(client))
        codes.append(post_response_form(client, response_page).status_code)
    return codes


def test_the_rate_falls_quickly_when_the_idp_fails_and_climbs_back_slowly(
    client, program
):
    faults.set_fault(fail_ratio=1.0)
    codes = logins(client, 5)
    assert codes == [403] * 5  # the ACS refused every Responder answer
    assert rate(program) == 25  # halved after the first five failures

    logins(client, 5)
    assert rate(program) == 12.5  # and again after five more

    faults.clear()
    assert logins(client, 5) == [302] * 5
    assert rate(program) == 12.5  # healthy, but the step time has not passed

    climb = []
    for _ in range(8):
        logins(client, 5, seconds_apart=6.1)
        climb.append(rate(program))
    assert climb[0] == 17.5  # one step of a tenth of the set rate
    assert all(b - a <= 5 for a, b in zip([12.5, *climb], climb, strict=False))
    assert climb[-1] == 50  # back at the operators' rate, not above

    reasons = AuditEvent.objects.filter(action="waiting_room_rate_adapted")
    falls = [e for e in reasons if e.details["new"] < e.details["old"]]
    assert len(falls) == 2
    assert falls[0].details["reason"].startswith("failure ratio 1.00 above 0.20")
    assert all(e.actor == "adaptive" for e in reasons)


def test_the_rate_falls_when_the_idp_answers_slowly(client, program):
    spec = program.spec_json
    spec["waiting_room"]["adaptive"].update(max_latency_seconds=0.3, min_round_trips=3)
    program.spec_json = spec
    program.save()

    faults.set_fault(latency_ms=400)
    logins(client, 3)

    assert rate(program) == 25
    change = Room().changes(program)[0]
    assert change["actor"] == "adaptive"
    assert change["reason"].startswith("median latency")
