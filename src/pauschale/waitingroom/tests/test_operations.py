"""Operators: the staff page and the command set the rate, pause and resume,
and every change is in the audit trail with who and why."""

from io import StringIO

from django.core.management import call_command

import pytest
from bs4 import BeautifulSoup

from pauschale.audit.models import AuditEvent
from pauschale.backoffice.tests.staff import make_staff, sign_in
from pauschale.waitingroom import services
from pauschale.waitingroom.room import Room

from .conftest import simple_room

URL = "/backoffice/warteraum/eppsg-2023/"


@pytest.fixture
def staff(db):
    return make_staff("leitstand.mustermann", "operator")


def fields(response) -> dict:
    soup = BeautifulSoup(response.content, "html.parser")
    return {
        t["data-field"]: t.get_text(" ", strip=True)
        for t in soup.select("[data-field]")
    }


def test_the_page_is_for_operators_with_both_factors_only(client, program):
    assert client.get(URL).status_code == 302

    without_second_factor = make_staff("someone", "operator")
    client.force_login(without_second_factor)
    assert client.get(URL).status_code == 302

    clerk = make_staff("clerk-by", "clerk", land="DE-BY")
    sign_in(client, clerk)
    assert client.get(URL).status_code == 403


def test_the_navigation_leads_operators_to_the_only_waiting_room(
    client, program, staff
):
    sign_in(client, staff)
    assert client.get("/backoffice/warteraum/")["Location"] == URL


def test_operators_see_the_rate_and_the_queue(client, program, staff):
    services.set_rate(program, 2, actor="test")
    for _ in range(5):
        Room().join(program)
    sign_in(client, staff)

    page = fields(client.get(URL))

    assert page["rate"] == "2,00" and page["target"] == "2,00"
    assert page["waiting"] == "3"  # two passed with the burst of one second
    assert page["paused"] == "läuft"


def test_operators_set_the_rate_and_it_is_audited(client, program, staff):
    sign_in(client, staff)

    response = client.post(
        URL, {"action": "set_rate", "rate": "12.5", "reason": "BundID bittet"}
    )
    assert response.status_code == 302
    page = client.get(URL)
    assert fields(page)["rate"] == "12,50"
    assert "leitstand.mustermann: BundID bittet" in fields(page)["reason"]
    event = AuditEvent.objects.get(action="waiting_room_rate_set")
    assert (event.actor, event.details["new"], event.details["old"]) == (
        "leitstand.mustermann",
        12.5,
        50.0,
    )


def test_operators_pause_and_resume(client, program, staff):
    sign_in(client, staff)

    client.post(URL, {"action": "pause", "reason": "Wartung"})
    assert fields(client.get(URL))["paused"] == "angehalten"
    client.post(URL, {"action": "resume"})
    assert fields(client.get(URL))["paused"] == "läuft"
    assert list(
        AuditEvent.objects.filter(actor="leitstand.mustermann")
        .order_by("pk")
        .values_list("action", flat=True)
    ) == ["waiting_room_paused", "waiting_room_resumed"]


def test_the_command_shows_sets_pauses_and_resumes(program):
    out = StringIO()
    call_command("waitingroom", "set-rate", "7", program="eppsg-2023", stdout=out)
    call_command(
        "waitingroom", "pause", program="eppsg-2023", reason="Test", stdout=out
    )
    call_command("waitingroom", "status", program="eppsg-2023", stdout=out)
    text = out.getvalue()

    assert "rate: 7.00/s" in text
    assert "PAUSED" in text and ": Test" in text
    actions = AuditEvent.objects.order_by("pk").values_list("action", "actor")
    assert [a for a, _ in actions] == ["waiting_room_rate_set", "waiting_room_paused"]
    assert all(actor.startswith("command:") for _, actor in actions)


def test_the_command_refuses_a_rate_of_zero(program):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="set-rate 0.0: .* above 0"):
        call_command("waitingroom", "set-rate", "0", program="eppsg-2023")


@pytest.mark.parametrize("rate", ["nan", "inf", "-1", "1e9"])
def test_the_command_refuses_a_rate_that_is_no_sane_number(program, rate):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError) as refused:
        call_command("waitingroom", "set-rate", rate, program="eppsg-2023")

    assert str(refused.value).startswith("set-rate ")
    assert "must be a number above 0 and at most 100000 per second" in str(
        refused.value
    )
    assert services.overview(program)["rate"] == 50
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("rate", ["0.001", "1e-300"])
def test_the_command_refuses_a_rate_below_one_admission_per_100_seconds(program, rate):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="rate is at least 0.01 per second"):
        call_command("waitingroom", "set-rate", rate, program="eppsg-2023")

    assert services.overview(program)["rate"] == 50
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    ("rate", "error"),
    [
        ("inf", "Bitte eine Zahl eingeben."),
        ("nan", "Bitte eine Zahl eingeben."),
        ("1e9", "kleiner oder gleich 100000"),
        ("0", "größer oder gleich 0.01"),
    ],
)
def test_the_page_refuses_a_rate_that_is_no_sane_number(
    client, program, staff, rate, error
):
    sign_in(client, staff)

    response = client.post(URL, {"action": "set_rate", "rate": rate, "reason": "x"})

    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    assert error in soup.select_one("#id_rate_error").get_text()
    assert fields(response)["rate"] == "50,00"
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("rate", [float("inf"), float("nan"), 0.0, 1e9])
def test_the_backend_refuses_a_rate_that_is_no_sane_number(room, clock, rate):
    program = simple_room(rate=5)
    room.join(program)

    with pytest.raises(ValueError, match="at most 100000 per second"):
        room.backend.set_rate(
            program.slug, room.now(), rate, reason="x", actor="a", target=rate
        )
    with pytest.raises(ValueError, match="at most 100000 per second"):
        room.set_rate(program, rate, actor="a", reason="x")

    assert room.snapshot(program)["rate"] == 5


def test_a_room_holding_an_infinite_rate_admits_nobody_and_set_rate_repairs_it(
    room, clock, backend_place
):
    """Before rates were checked, `set-rate inf` could be stored; such a room
    broke every poll. It now counts as rate 0 until an operator sets a rate."""
    program = simple_room(rate=5)
    first = room.join(program)
    _store_infinite_rate(room.backend, backend_place.kind, program.slug)
    clock.advance(1)

    waiting = room.join(program)
    assert waiting.status["state"] == "waiting"
    assert room.snapshot(program)["rate"] == 0
    assert room.poll(program.slug, first.id)["state"] == "admitted"

    room.set_rate(program, 5, actor="operator", reason="repair")
    clock.advance(1)

    state = room.snapshot(program)
    assert (state["rate"], state["target"]) == (5, 5)
    assert room.poll(program.slug, waiting.id)["state"] == "admitted"


def _store_infinite_rate(backend, kind: str, slug: str) -> None:
    if kind == "redis":
        backend.client.hset(
            backend.prefix(slug) + "room",
            mapping={"rate": "inf", "target": "inf", "credit": "inf"},
        )
        return
    db = backend._db()
    db.execute(
        "UPDATE room SET rate = ?, target = ?, credit = ? WHERE program = ?",
        (float("inf"), float("inf"), float("inf"), slug),
    )
    db.commit()


def test_the_command_repairs_a_room_holding_an_infinite_rate(program):
    room = Room()
    room.snapshot(program)
    _store_infinite_rate(room.backend, "embedded", program.slug)
    out = StringIO()

    call_command(
        "waitingroom", "set-rate", "40", program="eppsg-2023", reason="x", stdout=out
    )

    assert "rate: 40.00/s (set by operators: 40.00/s" in out.getvalue()
    event = AuditEvent.objects.get(action="waiting_room_rate_set")
    assert (event.details["old"], event.details["new"]) == (0.0, 40.0)
