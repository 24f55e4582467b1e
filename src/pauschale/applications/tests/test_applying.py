"""The applicant's path through the real pages, SAML login at the development
BundID included: what the applicant sees and what the platform stores."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from pauschale.applications.models import Application, EntryRefusal
from pauschale.common import clock
from pauschale.common.hashing import person_key
from pauschale.registry.services import find_code, revoke_code

from .applicant import (
    Applicant,
    InventedPerson,
    alert_text,
    outcome,
    path,
    reasons,
    soup,
)
from .factories import code_for

BERLIN = ZoneInfo("Europe/Berlin")
IN_WINDOW = datetime(2023, 3, 20, 10, 0, tzinfo=BERLIN)


@pytest.fixture(autouse=True)
def _setup(saml_settings, program):
    clock.set_now(IN_WINDOW)


def refusals() -> list[str]:
    return list(EntryRefusal.objects.values_list("reason", flat=True))


def test_an_eid_login_is_approved_at_once_and_a_payment_prepared(client, program):
    issued = code_for(program, "DE-BY")
    applicant = Applicant(client)

    form = applicant.start(issued.code, "DE-BY")
    assert path(form) == "/eppsg-2023/antrag/"
    assert "Erika Jördis Musterfrau-Özgür" in soup(form).get_text()

    status = applicant.submit()
    assert path(status) == "/eppsg-2023/status/"
    assert outcome(status) == "approved"

    application = Application.objects.get()
    assert application.status == "approved" and application.land_id == "DE-BY"
    assert application.decision.outcome == "approved"
    assert application.decision.amount_cents == 200_00
    payment = application.payments.get()
    assert (payment.status, payment.amount_cents) == ("open", 200_00)
    assert find_code(program, issued.code).redeemed_at is not None


def test_a_wrong_code_is_refused_at_entry_without_an_application(client, program):
    code_for(program, "DE-BY")
    page = Applicant(client).enter_code("3f2504e0-4f89-41d3-9a0c-0305e82c3301", "DE-BY")
    assert path(page) == "/eppsg-2023/"
    assert soup(page).select_one("#form-errors") is not None
    assert refusals() == ["unknown_code"]
    assert not Application.objects.exists()


def test_a_code_of_another_land_is_refused_at_entry(client, program):
    issued = code_for(program, "DE-BY")
    page = Applicant(client).enter_code(issued.code, "DE-NW")
    assert path(page) == "/eppsg-2023/"
    assert refusals() == ["wrong_land"]


def test_a_revoked_code_is_refused_at_entry(client, program):
    issued = code_for(program, "DE-BY")
    revoke_code(find_code(program, issued.code), actor="test")
    Applicant(client).enter_code(issued.code, "DE-BY")
    assert refusals() == ["code_revoked"]


def test_the_code_may_be_typed_in_capitals_and_without_hyphens(client, program):
    issued = code_for(program, "DE-BY")
    typed = issued.code.replace("-", "").upper()
    assert path(Applicant(client).enter_code(typed, "DE-BY")) == "/saml2/login/"


@pytest.mark.parametrize(
    ("moment", "open_"),
    [
        (datetime(2023, 3, 14, 23, 59, tzinfo=BERLIN), False),
        (datetime(2023, 3, 15, 0, 1, tzinfo=BERLIN), True),
        (datetime(2023, 9, 30, 23, 59, tzinfo=BERLIN), True),
        (datetime(2023, 10, 1, 0, 1, tzinfo=BERLIN), False),
    ],
)
def test_codes_are_accepted_only_while_the_window_is_open(
    client, program, moment, open_
):
    issued = code_for(program, "DE-BY")
    clock.set_now(moment)
    page = Applicant(client).enter_code(issued.code, "DE-BY")
    assert (path(page) == "/saml2/login/") is open_
    assert refusals() == ([] if open_ else ["window_closed"])


def test_a_basis_login_needs_the_pin_and_gets_limited_tries(client, program):
    issued = code_for(program, "DE-BY", with_pin=True)
    applicant = Applicant(client)

    page = applicant.start(issued.code, "DE-BY", trust_level=1)
    assert path(page) == "/eppsg-2023/pin/"
    assert path(client.get("/eppsg-2023/antrag/", follow=True)) == "/eppsg-2023/pin/"

    wrong = "000000" if issued.pin != "000000" else "111111"
    page = applicant.give_pin(wrong)
    assert path(page) == "/eppsg-2023/pin/"
    assert "4" in alert_text(page)  # tries left
    page = applicant.give_pin("")
    assert path(page) == "/eppsg-2023/pin/"

    page = applicant.give_pin(issued.pin)
    assert path(page) == "/eppsg-2023/antrag/"
    assert outcome(applicant.submit()) == "approved"
    application = Application.objects.get()
    assert application.pin_verified and application.trust_level == 1
    assert refusals() == ["pin_wrong", "pin_missing"]


def test_the_code_locks_after_too_many_wrong_pins(client, program):
    issued = code_for(program, "DE-BY", with_pin=True)
    applicant = Applicant(client)
    applicant.start(issued.code, "DE-BY", trust_level=1)
    wrong = "000000" if issued.pin != "000000" else "111111"
    for _ in range(program.spec.trust.pin_max_attempts - 1):
        assert path(applicant.give_pin(wrong)) == "/eppsg-2023/pin/"
    locked = applicant.give_pin(wrong)
    assert locked.status_code == 403
    assert soup(locked).select_one("[data-reason]")["data-reason"] == "pin_locked"

    # Even the right PIN no longer opens it.
    again = Applicant(client)
    again.start(issued.code, "DE-BY", trust_level=1)
    assert again.give_pin(issued.pin).status_code == 403
    assert not Application.objects.exists()


def test_a_basis_login_with_a_code_without_pin_is_sent_to_a_stronger_login(
    client, program
):
    issued = code_for(program, "DE-BY", with_pin=False)
    page = Applicant(client).start(issued.code, "DE-BY", trust_level=1)
    assert page.status_code == 403
    assert soup(page).select_one("[data-reason]")["data-reason"] == "pin_not_issued"
    assert not Application.objects.exists()


@pytest.mark.parametrize("trust_level", [3, 4])
def test_elster_and_eid_logins_need_no_pin(client, program, trust_level):
    issued = code_for(program, "DE-BY", with_pin=True)
    page = Applicant(client).start(issued.code, "DE-BY", trust_level=trust_level)
    assert path(page) == "/eppsg-2023/antrag/"


def test_an_iban_with_a_typo_is_refused_by_the_form_and_nothing_is_stored(
    client, program
):
    issued = code_for(program, "DE-BY")
    applicant = Applicant(client)
    applicant.start(issued.code, "DE-BY")
    page = applicant.submit(iban="DE89370400440532013001")
    assert path(page) == "/eppsg-2023/antrag/"
    iban_field = (
        soup(page).find(attrs={"name": "iban"}).find_parent(class_="kern-form-input")
    )
    assert iban_field.select_one(".kern-error") is not None
    assert (
        "DE89370400440532013001" not in iban_field.select_one(".kern-error").get_text()
    )
    assert not Application.objects.exists()

    assert outcome(applicant.submit()) == "approved"


def test_an_account_outside_sepa_is_rejected_with_its_reason(client, program):
    issued = code_for(program, "DE-BY")
    applicant = Applicant(client)
    applicant.start(issued.code, "DE-BY")
    page = applicant.submit(iban="BR1800360305000010009795493C1")
    assert outcome(page) == "rejected"
    assert reasons(page) == ["iban_not_sepa"]
    assert not Application.objects.get().payments.exists()


def test_every_declaration_must_be_confirmed(client, program):
    issued = code_for(program, "DE-BY")
    applicant = Applicant(client)
    applicant.start(issued.code, "DE-BY")
    page = applicant.submit(declarations=["declaration_residence"])
    assert path(page) == "/eppsg-2023/antrag/"
    assert (
        len(soup(page).select(".kern-form-check .kern-error"))
        == len(program.spec.declarations) - 1
    )
    assert not Application.objects.exists()


def test_one_payment_per_person_whatever_the_number_of_codes(client, program):
    first, second = code_for(program, "DE-BY"), code_for(program, "DE-NW")
    applicant = Applicant(client)
    applicant.start(first.code, "DE-BY")
    assert outcome(applicant.submit()) == "approved"

    client.cookies.clear()
    applicant.start(second.code, "DE-NW")
    page = applicant.submit()
    assert outcome(page) == "rejected"
    assert reasons(page) == ["duplicate_person"]
    assert Application.objects.filter(status="approved").count() == 1


def test_the_same_person_under_another_bundid_account_is_caught_by_name_and_birth_date(
    client, program
):
    first, second = code_for(program, "DE-BY"), code_for(program, "DE-BY")
    Applicant(client).start(first.code, "DE-BY")
    Applicant(client).submit()

    client.cookies.clear()
    # A second BundID account (another bPK2), names typed a little differently.
    twin = InventedPerson(
        username="erika-zweitkonto",
        given_names="Erika Joerdis",
        family_name="MUSTERFRAU Özgür",
    )
    applicant = Applicant(client, twin)
    applicant.start(second.code, "DE-BY")
    assert reasons(applicant.submit()) == ["duplicate_person"]


BORN = date(2001, 4, 17)


@pytest.mark.parametrize(
    ("written", "delivered"),
    [
        ("Müller-Lüdenscheidt", "Mueller Luedenscheidt"),
        ("Łukasz", "Lukasz"),
        ("Søren", "Soren"),
        ("Yıldız", "Yildiz"),
        ("王伟", "王 伟"),
        ("Ольга", "Olga"),
    ],
)
def test_a_name_written_two_ways_gives_one_person_key(written, delivered):
    assert person_key(written, "Anna", BORN) == person_key(delivered, "Anna", BORN)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Смирнова", "王"),
        ("Karl 1", "Karl 2"),
        ("😀", "🙂"),
        ("😀", ""),
        ("…", "-"),
    ],
)
def test_different_names_give_different_person_keys(one, other):
    assert person_key(one, "Anna", BORN) != person_key(other, "Anna", BORN)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (("Смирнова", "Ольга"), ("王", "伟")),
        (("Иванов", "Иван"), ("Петров", "Пётр")),
        (("王", "伟"), ("李", "娜")),
    ],
)
def test_people_named_in_other_scripts_with_one_birth_date_are_both_approved(
    client, program, first, second
):
    for number, (family_name, given_names) in enumerate([first, second]):
        client.cookies.clear()
        person = InventedPerson(
            username=f"person-{number}",
            family_name=family_name,
            given_names=given_names,
        )
        applicant = Applicant(client, person)
        applicant.start(code_for(program, "DE-BY").code, "DE-BY")
        assert outcome(applicant.submit()) == "approved"

    assert Application.objects.filter(status="approved").count() == 2


def test_the_same_person_is_caught_with_or_without_polish_and_danish_letters(
    client, program
):
    accounts = [
        InventedPerson(username="with", family_name="Søndergård", given_names="Łukasz"),
        InventedPerson(
            username="without", family_name="Sondergard", given_names="Lukasz"
        ),
    ]
    pages = []
    for person in accounts:
        client.cookies.clear()
        applicant = Applicant(client, person)
        applicant.start(code_for(program, "DE-BY").code, "DE-BY")
        pages.append(applicant.submit())

    assert outcome(pages[0]) == "approved"
    assert reasons(pages[1]) == ["duplicate_person"]


def test_logging_in_again_with_the_code_shows_the_status(client, program):
    issued = code_for(program, "DE-BY")
    applicant = Applicant(client)
    applicant.start(issued.code, "DE-BY")
    applicant.submit()

    client.cookies.clear()
    page = Applicant(client).start(issued.code, "DE-BY")
    assert path(page) == "/eppsg-2023/status/"
    assert outcome(page) == "approved"
    assert Application.objects.count() == 1


def test_another_person_with_a_used_code_sees_nothing_of_the_application(
    client, program
):
    issued = code_for(program, "DE-BY")
    applicant = Applicant(client)
    applicant.start(issued.code, "DE-BY")
    applicant.submit()

    client.cookies.clear()
    stranger = InventedPerson(
        username="max", given_names="Max", family_name="Mustermann"
    )
    page = Applicant(client, stranger).start(issued.code, "DE-BY")
    assert page.status_code == 403
    assert "Erika" not in soup(page).get_text()
    assert refusals() == ["other_person"]


def test_submitting_twice_keeps_one_application(client, program):
    issued = code_for(program, "DE-BY")
    applicant = Applicant(client)
    applicant.start(issued.code, "DE-BY")
    applicant.submit()
    page = applicant.submit(iban="AT611904300234573201")
    assert path(page) == "/eppsg-2023/status/"
    assert Application.objects.count() == 1
    assert Application.objects.get().iban == "DE89370400440532013000"


def test_the_pages_cannot_be_skipped(client, program):
    for page in ("antrag", "pin", "status", "weiter"):
        response = client.get(f"/eppsg-2023/{page}/")
        assert response.status_code == 302 and response["Location"] == "/eppsg-2023/"


def test_pages_are_german_first_and_english_on_request(client, program):
    german = soup(client.get("/eppsg-2023/"))
    assert german.html["lang"] == "de"
    assert (
        german.find("label", attrs={"for": "id_access_code"}).get_text(strip=True)
        == "Zugangscode"
    )
    assert "Bayern" in german.get_text()

    client.post("/i18n/setlang/", {"language": "en", "next": "/eppsg-2023/"})
    english = soup(client.get("/eppsg-2023/"))
    assert english.html["lang"] == "en"
    assert (
        english.find("label", attrs={"for": "id_access_code"}).get_text(strip=True)
        == "Access code"
    )
    assert "Bavaria" in english.get_text()


def test_a_refusal_is_explained_in_german(client, program):
    page = Applicant(client).enter_code("3f2504e0-4f89-41d3-9a0c-0305e82c3301", "DE-BY")
    assert "Dieser Zugangscode ist ungültig" in alert_text(page)
