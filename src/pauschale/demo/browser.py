"""An applicant's browser for the demo: plain HTTP against the live server.

It does what a browser without JavaScript does: follows redirects, submits the
forms it is shown (keeping their hidden fields, such as the CSRF token and the
SAML messages) and reads the outcome from the page. Nothing is called directly.
"""

import time
from dataclasses import dataclass
from urllib.parse import urljoin

import requests
from bs4 import BeautifulSoup

from .people import Person

PROGRAM_TIMEOUT = 30


class DemoFlowError(Exception):
    """The live system answered something a real applicant would not expect."""


@dataclass
class Page:
    url: str
    status: int
    soup: BeautifulSoup

    def reason(self) -> str | None:
        """The refusal reason a refused page carries, if any."""
        tag = self.soup.select_one("[data-reason]")
        return tag["data-reason"] if tag else None

    def has_form_error(self) -> bool:
        return self.soup.select_one(".kern-error, #form-errors") is not None

    def field_error(self, name: str) -> bool:
        field = self.soup.find(attrs={"name": name})
        container = field.find_parent(class_="kern-form-input") if field else None
        return bool(container and container.select_one(".kern-error"))


@dataclass
class Wait:
    """One stay in the waiting room, as the applicant saw it."""

    shown_seconds: float | None
    """The wait the first waiting page showed (None while paused)."""
    waited_seconds: float
    """From that page until the room let the browser through."""


# A waiting page that never lets the browser through is a failure of the demo.
LONGEST_WAIT_SECONDS = 600


class ApplicantBrowser:
    def __init__(self, base_url: str, program: str, waits: list | None = None):
        self.base_url = base_url
        self.program = program
        self.session = requests.Session()
        self.last: Page | None = None
        self.waits = waits if waits is not None else []

    def _page(self, response: requests.Response) -> Page:
        page = Page(
            response.url, response.status_code, BeautifulSoup(response.text, "lxml")
        )
        self.last = page
        return self._follow_saml_forms(self._wait_in_room(page))

    def _wait_in_room(self, page: Page) -> Page:
        """Stay on the waiting page, reloading it as its meta refresh says, until
        the room lets the browser through."""
        room = page.soup.select_one("[data-waiting-room]")
        if room is None:
            return page
        started = time.monotonic()
        eta = page.soup.select_one("[data-eta-seconds]")
        shown = (
            float(eta["data-eta-seconds"]) if eta and eta["data-eta-seconds"] else None
        )
        while room is not None:
            if time.monotonic() - started > LONGEST_WAIT_SECONDS:
                raise DemoFlowError("the waiting room did not let the browser through")
            refresh = page.soup.select_one("meta[http-equiv=refresh]")
            time.sleep(float(refresh["content"]) if refresh else 5)
            response = self.session.get(page.url, timeout=PROGRAM_TIMEOUT)
            page = Page(
                response.url, response.status_code, BeautifulSoup(response.text, "lxml")
            )
            self.last = page
            room = page.soup.select_one("[data-waiting-room]")
        self.waits.append(Wait(shown, time.monotonic() - started))
        return page

    def get(self, path: str) -> Page:
        return self._page(
            self.session.get(urljoin(self.base_url, path), timeout=PROGRAM_TIMEOUT)
        )

    def submit(
        self, page: Page, fields: dict, form=None, button: tuple[str, str] | None = None
    ) -> Page:
        """Submit a form of the page with its hidden fields plus ``fields``."""
        # The page's own form, not the language switch in the header.
        form = form or page.soup.select_one("main form[method=post]")
        if form is None:
            raise DemoFlowError(f"no form on {page.url}")
        data = {
            tag["name"]: tag.get("value", "")
            for tag in form.find_all("input", attrs={"type": "hidden"})
            if tag.get("name")
        }
        data.update(fields)
        if button:
            data[button[0]] = button[1]
        action = urljoin(page.url, form.get("action") or page.url)
        return self._page(self.session.post(action, data=data, timeout=PROGRAM_TIMEOUT))

    def _follow_saml_forms(self, page: Page) -> Page:
        """Post the self-submitting SAML forms, as a browser's button press would."""
        for _ in range(5):
            form = page.soup.find(
                lambda tag: (
                    tag.name == "form"
                    and tag.find(
                        "input", attrs={"name": ["SAMLRequest", "SAMLResponse"]}
                    )
                    and not tag.find("input", attrs={"name": "person"})
                    and not tag.find("button", attrs={"name": "person"})
                )
            )
            if form is None:
                return page
            data = {
                t["name"]: t.get("value", "")
                for t in form.find_all("input")
                if t.get("name")
            }
            response = self.session.post(
                urljoin(page.url, form["action"]), data=data, timeout=PROGRAM_TIMEOUT
            )
            page = Page(
                response.url, response.status_code, BeautifulSoup(response.text, "lxml")
            )
            self.last = page
        raise DemoFlowError("too many SAML forms in a row")

    # --- the applicant's steps ------------------------------------------------

    def enter_code(self, code: str, land: str) -> Page:
        start = self.get(f"/{self.program}/")
        return self.submit(start, {"access_code": code, "land": land})

    def log_in(self, idp_page: Page, person: Person, trust_level: int) -> Page:
        """Log in at the development identity provider as this invented person."""
        form = idp_page.soup.find(
            lambda tag: (
                tag.name == "form" and tag.find("input", attrs={"name": "username"})
            )
        )
        if form is None:
            raise DemoFlowError(
                f"expected the identity provider's login page, got {idp_page.url}"
            )
        fields = {
            "username": person.user_name,
            "given_names": person.given_names,
            "family_name": person.family_name,
            "birth_date": person.birth_date.isoformat(),
            "street": person.street,
            "postal_code": person.postal_code,
            "city": person.city,
            "trust_level": str(trust_level),
        }
        return self.submit(idp_page, fields, form=form, button=("person", "custom"))

    def give_pin(self, page: Page, pin: str) -> Page:
        return self.submit(page, {"pin": pin})

    def apply(self, page: Page, holder: str, iban: str) -> Page:
        fields = {"account_holder": holder, "iban": iban}
        for box in page.soup.select("input[type=checkbox][name^=declaration_]"):
            fields[box["name"]] = "on"
        return self.submit(page, fields)

    def log_out(self) -> None:
        self.session.cookies.clear()


def outcome_of(page: Page) -> str | None:
    tag = page.soup.select_one("[data-outcome]")
    return tag["data-outcome"] if tag else None


def reasons_on(page: Page) -> list[str]:
    return [li["data-reason"] for li in page.soup.select("li[data-reason]")]
