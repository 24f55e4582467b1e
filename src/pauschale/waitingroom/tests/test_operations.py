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

    with pytest.raises(CommandError, match="above zero"):
        call_command("waitingroom", "set-rate", "0", program="eppsg-2023")
