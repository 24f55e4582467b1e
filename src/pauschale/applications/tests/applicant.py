"""An applicant driving the real pages with Django's test client, SAML included."""

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlparse

from bs4 import BeautifulSoup

from pauschale.identity.tests.conftest import (
    choose_person,
    form_fields,
    post_response_form,
)

PROGRAM = "eppsg-2023"


@dataclass
class InventedPerson:
    username: str = "erika"
    given_names: str = "Erika Jördis"
    family_name: str = "Musterfrau-Özgür"
    birth_date: date = date(2001, 4, 17)
    trust_level: int = 4

    def fields(self) -> dict:
        return {
            "username": self.username,
            "given_names": self.given_names,
            "family_name": self.family_name,
            "birth_date": self.birth_date.isoformat(),
            "street": "Teststraße 1",
            "postal_code": "99999",
            "city": "Musterstadt",
            "trust_level": str(self.trust_level),
        }


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "html.parser")


def path(response) -> str:
    return urlparse(response.wsgi_request.path).path


class Applicant:
    def __init__(self, client, person: InventedPerson | None = None):
        self.client = client
        self.person = person or InventedPerson()

    def enter_code(self, code: str, land: str):
        return self.client.post(
            f"/{PROGRAM}/", {"access_code": code, "land": land}, follow=True
        )

    def log_in(self, sp_login_page, trust_level: int | None = None):
        """From our POST-binding page through the dev IdP back to our pages."""
        form = soup(sp_login_page).find("form", attrs={"data-autosubmit": True})
        idp_page = self.client.post(urlparse(form["action"]).path, form_fields(form))
        fields = self.person.fields()
        if trust_level is not None:
            fields["trust_level"] = str(trust_level)
        response_page = choose_person(self.client, soup(idp_page), **fields)
        acs = post_response_form(self.client, response_page)
        return self.client.get(acs["Location"], follow=True)

    def start(self, code: str, land: str, trust_level: int | None = None):
        """Code entry and login; returns the page the platform shows next."""
        page = self.enter_code(code, land)
        assert path(page) == "/saml2/login/", path(page)
        return self.log_in(page, trust_level)

    def give_pin(self, pin: str):
        return self.client.post(f"/{PROGRAM}/pin/", {"pin": pin}, follow=True)

    def submit(
        self,
        iban: str = "DE89370400440532013000",
        holder: str = "Erika Musterfrau",
        declarations=None,
    ):
        page = self.client.get(f"/{PROGRAM}/antrag/")
        names = declarations
        if names is None:
            names = [box["name"] for box in soup(page).select("input[type=checkbox]")]
        data = {"account_holder": holder, "iban": iban, **{n: "on" for n in names}}
        return self.client.post(f"/{PROGRAM}/antrag/", data, follow=True)


def outcome(response) -> str | None:
    tag = soup(response).select_one("[data-outcome]")
    return tag["data-outcome"] if tag else None


def reasons(response) -> list[str]:
    return [li["data-reason"] for li in soup(response).select("li[data-reason]")]


def alert_text(response) -> str:
    return " ".join(
        t.get_text(" ", strip=True)
        for t in soup(response).select(".kern-alert, .kern-error")
    )
