"""Every aria-describedby on the applicant's form pages points to an element of
the page: screen readers read out the hint and the error of a field."""

from datetime import datetime
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup

from pauschale.common import clock
from pauschale.identity.tests.conftest import form_fields
from pauschale.payouts.models import Payment

from .applicant import Applicant, outcome, path, soup
from .factories import code_for


@pytest.fixture(autouse=True)
def _setup(saml_settings, program):
    clock.set_now(datetime(2023, 3, 20, 10, 0, tzinfo=ZoneInfo("Europe/Berlin")))


def descriptions(page: BeautifulSoup) -> tuple[list[str], list[str]]:
    """(every id named by an aria-describedby, those not in the page)."""
    ids = {tag["id"] for tag in page.select("[id]")}
    named = [
        ref
        for tag in page.select("[aria-describedby]")
        for ref in tag["aria-describedby"].split()
    ]
    return named, [ref for ref in named if ref not in ids]


def assert_described(page: BeautifulSoup, *expected: str) -> None:
    named, missing = descriptions(page)
    assert missing == []
    assert set(expected) <= set(named)


def test_the_start_page(client, program):
    assert_described(soup(client.get("/eppsg-2023/")), "id_access_code_helptext")
    refused = client.post("/eppsg-2023/", {"access_code": "", "land": ""})
    assert_described(
        soup(refused),
        "id_access_code_helptext",
        "id_access_code_error",
        "id_land_error",
    )


def test_the_login_page_of_the_development_bundid(client, program):
    page = Applicant(client).enter_code(code_for(program).code, "DE-BY")
    form = soup(page).find("form", attrs={"data-autosubmit": True})
    idp = client.post(urlparse(form["action"]).path, form_fields(form))
    assert_described(soup(idp), "id_birth_date_helptext")
    custom = soup(idp).find_all("form", action="/dev-idp/login/")[1]
    refused = client.post(
        "/dev-idp/login/",
        {**form_fields(custom), "person": "custom", "birth_date": "31.05.2002"},
    )
    assert_described(soup(refused), "id_birth_date_helptext", "id_birth_date_error")


def test_the_pin_page(client, program):
    issued = code_for(program, with_pin=True)
    applicant = Applicant(client)
    assert_described(
        soup(applicant.start(issued.code, "DE-BY", trust_level=1)), "id_pin_helptext"
    )
    assert_described(
        soup(applicant.give_pin("abcdef")), "id_pin_helptext", "id_pin_error"
    )


def test_the_application_form(client, program):
    applicant = Applicant(client)
    form = applicant.start(code_for(program).code, "DE-BY")
    assert path(form) == "/eppsg-2023/antrag/"
    assert_described(soup(form), "id_iban_helptext")

    refused = applicant.submit(holder="", iban="DE00", declarations=[])
    assert_described(
        soup(refused),
        "id_iban_helptext",
        "id_iban_error",
        "id_account_holder_error",
        *(f"id_declaration_{d.id}_error" for d in program.spec.declarations),
    )


def test_the_corrected_account_on_the_status_page(client, program):
    applicant = Applicant(client)
    applicant.start(code_for(program).code, "DE-BY")
    assert outcome(applicant.submit()) == "approved"
    Payment.objects.update(status=Payment.Status.RETURNED, return_reason="AC01")

    status = client.get("/eppsg-2023/status/")
    assert soup(status).select_one("[data-form=corrected-account]") is not None
    assert_described(soup(status), "id_iban_helptext")
    refused = client.post("/eppsg-2023/status/", {"account_holder": "", "iban": "x"})
    assert_described(
        soup(refused), "id_iban_helptext", "id_iban_error", "id_account_holder_error"
    )
