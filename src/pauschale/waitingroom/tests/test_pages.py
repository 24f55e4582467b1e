"""The waiting page, its poll and the health check: what a visitor sees, and
that waiting costs the database nothing."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.test import Client

import pytest
from bs4 import BeautifulSoup

from pauschale.common import clock
from pauschale.waitingroom import services
from pauschale.waitingroom.front import WaitingRoomFront
from pauschale.waitingroom.room import Room

BERLIN = ZoneInfo("Europe/Berlin")
IN_WINDOW = datetime(2023, 3, 20, 10, 0, tzinfo=BERLIN)


@pytest.fixture(autouse=True)
def _setup(program):
    clock.set_now(IN_WINDOW)


def waiting_client(program, ahead: int = 2) -> tuple[Client, str]:
    """A visitor with ``ahead`` people ahead, on the waiting page."""
    services.set_rate(program, 0.1, actor="test")
    for _ in range(ahead + 1):  # the first passes with the room's one credit
        Room().join(program)
    client = Client()
    response = client.get("/eppsg-2023/")
    assert response.status_code == 302
    return client, response["Location"]


def text_of(response) -> str:
    return BeautifulSoup(response.content, "html.parser").get_text(" ", strip=True)


def test_the_waiting_page_shows_position_people_ahead_and_wait(program):
    client, room_url = waiting_client(program)
    page = client.get(room_url)
    soup = BeautifulSoup(page.content, "html.parser")

    assert page.status_code == 200
    assert soup.h1.get_text() == "Warteraum"
    dd = {
        tag["data-field"]: tag.get_text(strip=True)
        for tag in soup.select("[data-field]")
    }
    assert (dd["position"], dd["ahead"]) == ("4", "2")
    assert dd["wait"] == "weniger als eine Minute" or "Minute" in dd["wait"]
    assert soup.select_one("[data-field=wait]")["data-eta-seconds"] == "30"
    refresh = soup.select_one("noscript meta[http-equiv=refresh]")
    assert refresh is not None and int(refresh["content"]) <= 30
    assert "bleibt Ihr Platz 2 Minuten erhalten" in text_of(page)


def test_the_waiting_page_and_the_poll_do_not_touch_the_database(
    program, use_backend, django_assert_num_queries
):
    client, room_url = waiting_client(program)

    with django_assert_num_queries(0):
        page = client.get(room_url)
        poll = client.get("/warteraum/eppsg-2023/status/")
    assert page.status_code == poll.status_code == 200
    assert poll.json()["state"] == "waiting" and poll.json()["ahead"] == 2
    assert "no-store" in poll["Cache-Control"]


def test_the_poll_without_a_ticket_says_unknown(client):
    response = client.get("/warteraum/eppsg-2023/status/")

    assert response.status_code == 404
    assert response.json() == {"state": "unknown"}


def test_the_front_answers_polls_and_health_checks_without_django(program, use_backend):
    client, _ = waiting_client(program)
    cookie = "; ".join(f"{k}={v.value}" for k, v in client.cookies.items())

    def django(environ, start_response):
        raise AssertionError("the front should have answered")

    front = WaitingRoomFront(django)
    answers = []

    def start_response(status, headers):
        answers.append((status, dict(headers)))

    poll = front(
        {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": "/warteraum/eppsg-2023/status/",
            "HTTP_COOKIE": cookie,
        },
        start_response,
    )
    health = front({"REQUEST_METHOD": "GET", "PATH_INFO": "/healthz"}, start_response)

    assert b'"state":"waiting"' in b"".join(poll).replace(b" ", b"")
    assert answers[0][0] == "200 OK"
    assert answers[0][1]["Content-Type"] == "application/json"
    assert (answers[1][0], b"".join(health)) == ("200 OK", b"ok\n")


def test_the_front_hands_everything_else_to_django():
    seen = []

    def django(environ, start_response):
        seen.append(environ["PATH_INFO"])
        start_response("200 OK", [])
        return [b""]

    front = WaitingRoomFront(django)
    for path in ("/eppsg-2023/", "/warteraum/eppsg-2023/", "/betrieb/warteraum/x/"):
        front({"REQUEST_METHOD": "GET", "PATH_INFO": path}, lambda *a: None)
    assert seen == ["/eppsg-2023/", "/warteraum/eppsg-2023/", "/betrieb/warteraum/x/"]


def test_the_health_check_touches_no_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert (response.status_code, response.content) == (200, b"ok\n")


def test_a_visitor_who_stayed_away_too_long_is_told_and_may_queue_again(program):
    client, room_url = waiting_client(program)
    clock.set_now(IN_WINDOW + timedelta(seconds=121))  # past the grace

    page = client.get(room_url)
    soup = BeautifulSoup(page.content, "html.parser")
    assert soup.select_one("[data-state]")["data-state"] == "lost"
    assert "Ihr Platz in der Warteschlange ist verfallen" in text_of(page)
    again = soup.select_one("a.kern-btn")["href"]

    services.pause(program, actor="test")  # so that the new place must wait
    rejoined = client.get(again)
    assert rejoined.status_code == 302
    page = client.get(rejoined["Location"])
    assert "Sie haben einen neuen Platz" in text_of(page)


def test_a_program_with_time_slots_asks_for_the_cohort_first(program, client):
    spec = program.spec_json
    spec["waiting_room"]["slots"] = [
        {"lands": ["DE-BY"], "opens_at": "2023-03-20T12:00:00+01:00"}
    ]
    program.spec_json = spec
    program.save()

    response = client.get("/eppsg-2023/")
    page = client.get(response["Location"])
    assert "Bundesland Ihrer Ausbildungsstätte" in text_of(page)
    assert "Bayern" in text_of(page)

    joined = client.post(response["Location"], {"cohort": "DE-BY"})
    waiting = client.get(joined["Location"])
    assert "Die Antragstellung beginnt am" in text_of(waiting)
    assert "20. März 2023 12:00" in text_of(waiting)


def test_someone_queued_for_another_land_cannot_use_an_earlier_slot(program, client):
    from pauschale.applications.tests.factories import code_for

    spec = program.spec_json
    spec["waiting_room"]["slots"] = [
        {"lands": ["DE-BY"], "opens_at": "2023-03-20T12:00:00+01:00"}
    ]
    program.spec_json = spec
    program.save()
    issued = code_for(program, "DE-BY")

    response = client.get("/eppsg-2023/")
    client.post(response["Location"], {"cohort": "DE-HH"})  # open: passes
    page = client.post("/eppsg-2023/", {"access_code": issued.code, "land": "DE-BY"})

    assert page.status_code == 403
    soup = BeautifulSoup(page.content, "html.parser")
    assert soup.select_one("[data-reason]")["data-reason"] == "cohort_not_open"
