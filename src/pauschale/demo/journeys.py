"""One invented applicant's way through the live system, by behaviour."""

from dataclasses import dataclass, field

from .browser import ApplicantBrowser, DemoFlowError, Page, outcome_of, reasons_on
from .people import NON_SEPA_IBAN, Person, typo_in

OTHER_LAND = {"DE-BY": "DE-BW"}


@dataclass
class JourneyResult:
    person: Person
    outcomes: list[str] = field(default_factory=list)
    reasons: list[list[str]] = field(default_factory=list)
    form_errors: list[str] = field(default_factory=list)
    saw_status_again: bool = False
    waits: list = field(default_factory=list)
    """The stays in the waiting room of all the person's browsers."""


def _path(page: Page) -> str:
    return page.url.split("://", 1)[1].split("/", 1)[1].rstrip("/")


def _expect(page: Page, suffix: str, step: str) -> Page:
    if not _path(page).endswith(suffix):
        raise DemoFlowError(
            f"{step}: expected …/{suffix}, got /{_path(page)} ({page.status})"
        )
    return page


def _wrong_code(code: str) -> str:
    # A well-formed code that was never issued: one hex digit changed.
    last = code[-1]
    return code[:-1] + ("0" if last != "0" else "1")


def _other_land(land: str) -> str:
    return OTHER_LAND.get(land, "DE-BY")


class Journey:
    def __init__(self, base_url: str, program: str, person: Person):
        self.base_url = base_url
        self.program = program
        self.person = person
        self.result = JourneyResult(person)

    def browser(self) -> ApplicantBrowser:
        return ApplicantBrowser(self.base_url, self.program, self.result.waits)

    def run(self) -> JourneyResult:
        behaviour = self.person.behaviour
        code, pin, land = self.person.codes[0]
        page = self.apply_with(code, pin, land, first=True)
        self._read_outcome(page)
        if behaviour == "second_code":
            second_code, second_pin, second_land = self.person.codes[1]
            self._read_outcome(self.apply_with(second_code, second_pin, second_land))
        if behaviour == "checks_status_later":
            browser = self.browser()
            page = self._login(browser, code, land, self.person.trust_level)
            self.result.saw_status_again = (
                outcome_of(_expect(page, "status", "status again")) == "approved"
            )
        return self.result

    def _read_outcome(self, page: Page) -> None:
        _expect(page, "status", "submission")
        self.result.outcomes.append(outcome_of(page))
        self.result.reasons.append(reasons_on(page))

    def _login(
        self, browser: ApplicantBrowser, code: str, land: str, trust_level: int
    ) -> Page:
        page = browser.enter_code(code, land)
        if _path(page).endswith(self.program):
            raise DemoFlowError(
                f"code refused at entry: {page.reason() or 'form error'}"
            )
        return browser.log_in(page, self.person, trust_level)

    def apply_with(self, code: str, pin: str, land: str, first: bool = False) -> Page:
        person = self.person
        browser = self.browser()
        if first and person.behaviour == "wrong_code":
            _expect(
                browser.enter_code(_wrong_code(code), land), self.program, "wrong code"
            )
        if first and person.behaviour == "wrong_land":
            _expect(
                browser.enter_code(code, _other_land(land)), self.program, "wrong land"
            )

        trust_level = (
            1
            if person.behaviour == "basis_without_pin" and first
            else person.trust_level
        )
        page = self._login(browser, code, land, trust_level)
        if (
            _path(page).endswith("pin")
            and first
            and person.behaviour == "basis_without_pin"
        ):
            self._fail_pin(browser, page, pin)
            # Without the PIN letter at hand, the person logs in again with the eID.
            browser = self.browser()
            page = self._login(browser, code, land, 4)
        elif _path(page).endswith("pin"):
            page = browser.give_pin(page, pin)
        return self._fill_form(browser, _expect(page, "antrag", "login"), first)

    def _fail_pin(self, browser: ApplicantBrowser, page: Page, pin: str) -> None:
        page = _expect(browser.give_pin(page, ""), "pin", "empty PIN")
        wrong = "000000" if pin != "000000" else "111111"
        _expect(browser.give_pin(page, wrong), "pin", "wrong PIN")

    def _fill_form(self, browser: ApplicantBrowser, page: Page, first: bool) -> Page:
        person = self.person
        holder = f"{person.given_names} {person.family_name}"
        iban = NON_SEPA_IBAN if person.behaviour == "non_sepa_iban" else person.iban
        if first and person.behaviour == "invalid_iban":
            page = browser.apply(page, holder, typo_in(iban))
            if not page.field_error("iban"):
                raise DemoFlowError("an IBAN with a typo was not refused by the form")
            self.result.form_errors.append("iban_invalid")
        return browser.apply(page, holder, iban)
