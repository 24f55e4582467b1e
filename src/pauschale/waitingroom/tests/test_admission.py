"""Admission tokens at the steps they guard: the SAML login and the submission.

A token cannot be forged, used in another session or used after it expired;
an applicant who came through the room gets all the way to the decision.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.core import signing
from django.test import Client

import pytest
from bs4 import BeautifulSoup

from pauschale.applications.tests.applicant import Applicant, outcome, path
from pauschale.applications.tests.factories import code_for
from pauschale.common import clock
from pauschale.waitingroom import services
from pauschale.waitingroom.gate import ADMISSION_KEY, BROWSER_KEY
from pauschale.waitingroom.tokens import Admission

BERLIN = ZoneInfo("Europe/Berlin")
IN_WINDOW = datetime(2023, 3, 20, 10, 0, tzinfo=BERLIN)


@pytest.fixture(autouse=True)
def _setup(saml_settings, program):
    clock.set_now(IN_WINDOW)


def admitted_client() -> Client:
    client = Client()
    response = client.get("/eppsg-2023/")
    assert response.status_code == 200  # an empty room lets the visitor pass
    return client


def login_page(client):
    return client.get("/saml2/login/", {"next": "/eppsg-2023/weiter/"})


def refusal(response) -> str | None:
    tag = BeautifulSoup(response.content, "html.parser").select_one("[data-reason]")
    return tag["data-reason"] if tag else None


def test_an_admitted_visitor_may_start_the_login():
    client = admitted_client()
    admission = Admission.read(client.session[ADMISSION_KEY])

    assert admission.program == "eppsg-2023" and admission.ticket
    assert login_page(client).status_code == 200


def test_nobody_reaches_the_login_without_an_admission(client):
    response = login_page(client)

    assert response.status_code == 403
    assert refusal(response) == "missing"


def test_a_forged_admission_is_refused():
    client = admitted_client()
    admission = Admission.read(client.session[ADMISSION_KEY])
    session = client.session
    forged = signing.dumps(
        {**admission.__dict__, "login_by": admission.login_by + 3600},
        salt="pauschale.waitingroom.admission",
        key="not-our-secret-key",
    )
    session[ADMISSION_KEY] = forged
    session.save()

    response = login_page(client)
    assert response.status_code == 403
    assert refusal(response) == "forged"


def test_an_admission_moved_to_another_session_is_refused():
    first = admitted_client()
    other = admitted_client()  # has its own browser id
    session = other.session
    session[ADMISSION_KEY] = first.session[ADMISSION_KEY]
    session.save()

    response = login_page(other)
    assert response.status_code == 403
    assert refusal(response) == "other_browser"


def test_an_admission_is_bound_to_the_browser_not_the_session_key():
    client = admitted_client()
    browser = client.session[BROWSER_KEY]
    session = client.session
    session.cycle_key()  # as the code entry and the login do
    session.save()
    client.cookies["sessionid"] = session.session_key

    assert client.session[BROWSER_KEY] == browser
    assert login_page(client).status_code == 200


def test_an_expired_admission_is_refused():
    client = admitted_client()
    clock.set_now(IN_WINDOW + timedelta(seconds=301))  # token lifetime 300 s

    response = login_page(client)
    assert response.status_code == 403
    assert refusal(response) == "expired"


def test_the_submission_needs_the_admission_of_this_browser(client, program):
    issued = code_for(program, "DE-BY")
    applicant = Applicant(client)
    assert path(applicant.start(issued.code, "DE-BY")) == "/eppsg-2023/antrag/"
    session = client.session
    session[BROWSER_KEY] = "someone-else"
    session.save()

    page = applicant.submit()
    assert page.status_code == 403
    assert refusal(page) == "other_browser"
    assert program.application_set.count() == 0


def test_an_applicant_who_came_through_the_room_is_decided(client, program):
    issued = code_for(program, "DE-BY")
    applicant = Applicant(client)
    applicant.start(issued.code, "DE-BY")

    assert outcome(applicant.submit()) == "approved"


def test_a_visitor_waits_when_the_rate_is_used_up_and_then_passes(client, program):
    services.set_rate(program, 0.5, actor="test")  # burst: one at once
    assert admitted_client()  # takes the one admission there is

    response = client.get("/eppsg-2023/")
    assert response.status_code == 302
    assert response["Location"].startswith("/warteraum/eppsg-2023/?next=")
    page = client.get(response["Location"])
    text = BeautifulSoup(page.content, "html.parser").get_text(" ", strip=True)
    assert "Ihre Nummer in der Warteschlange 2" in text
    assert "Personen vor Ihnen 0" in text
    assert "Geschätzte Wartezeit weniger als eine Minute" in text

    clock.set_now(IN_WINDOW + timedelta(seconds=3))
    through = client.get(response["Location"])
    assert (through.status_code, through["Location"]) == (302, "/eppsg-2023/")
    assert client.get("/eppsg-2023/").status_code == 200
    assert login_page(client).status_code == 200


def test_the_start_page_takes_the_code_right_after_the_room(client, program):
    issued = code_for(program, "DE-HH")
    page = Applicant(client).enter_code(issued.code, "DE-HH")  # POST without GET

    assert path(page) == "/saml2/login/"


def test_tickets_browser_ids_and_tokens_never_reach_a_log_line(client, program, caplog):
    import logging

    caplog.set_level(logging.DEBUG, logger="pauschale")
    services.set_rate(program, 0.5, actor="test")
    admitted_client()  # takes the one admission there is
    waiting = client.get("/eppsg-2023/")
    clock.set_now(IN_WINDOW + timedelta(seconds=3))
    client.get(waiting["Location"])
    login_page(client)

    ticket_cookie = client.cookies["wr-eppsg-2023"].value
    session = client.session
    secrets = [
        ticket_cookie,
        ticket_cookie.split(".")[0],  # the ticket id
        session[BROWSER_KEY],
        session[ADMISSION_KEY],
    ]
    logged = "\n".join(f"{r.getMessage()} {r.__dict__!r}" for r in caplog.records)
    assert "waiting_room_joined" in logged
    for secret in secrets:
        assert secret not in logged
