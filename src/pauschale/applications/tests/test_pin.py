"""The PIN page of a login with user name and password (trust level basis)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from pauschale.applications.models import Application, EntryRefusal
from pauschale.common import clock
from pauschale.registry.services import find_code

from .applicant import Applicant, alert_text, outcome, path, soup
from .factories import code_for


@pytest.fixture(autouse=True)
def _setup(saml_settings, program):
    clock.set_now(datetime(2023, 3, 20, 10, 0, tzinfo=ZoneInfo("Europe/Berlin")))


@pytest.fixture
def issued(program):
    return code_for(program, "DE-BY", with_pin=True)


@pytest.fixture
def at_pin(client, issued):
    applicant = Applicant(client)
    page = applicant.start(issued.code, "DE-BY", trust_level=1)
    assert path(page) == "/eppsg-2023/pin/"
    return applicant, page


def failures(program, issued) -> int:
    return find_code(program, issued.code).pin_failures


def wrong_pin(issued) -> str:
    return "000000" if issued.pin != "000000" else "111111"


def test_the_pin_is_labelled_as_required(at_pin):
    _, page = at_pin
    label = soup(page).find("label", attrs={"for": "id_pin"}).get_text(" ", strip=True)
    assert label == "PIN"
    assert soup(page).select_one(".kern-label__optional") is None


@pytest.mark.parametrize(
    "typed", ["abcdef", "1234567", "<script>", "12345", "12 34 5", "１２３４５６"]
)
def test_input_that_is_not_six_digits_is_refused_without_costing_an_attempt(
    program, issued, at_pin, typed
):
    applicant, _ = at_pin

    page = applicant.give_pin(typed)

    assert path(page) == "/eppsg-2023/pin/"
    assert "Die PIN hat genau 6 Ziffern." in alert_text(page)
    assert failures(program, issued) == 0
    assert not EntryRefusal.objects.filter(reason="pin_wrong").exists()


def test_an_empty_pin_is_asked_for_without_costing_an_attempt(program, issued, at_pin):
    applicant, _ = at_pin

    page = applicant.give_pin("   ")

    assert "Bitte geben Sie die PIN" in alert_text(page)
    assert failures(program, issued) == 0
    assert list(EntryRefusal.objects.values_list("reason", flat=True)) == [
        "pin_missing"
    ]


def test_spaces_around_the_pin_are_ignored(issued, at_pin):
    applicant, _ = at_pin
    assert path(applicant.give_pin(f"  {issued.pin} ")) == "/eppsg-2023/antrag/"


def test_a_pin_typed_in_groups_is_accepted(issued, at_pin):
    applicant, _ = at_pin
    grouped = f"{issued.pin[:3]} {issued.pin[3:]}"
    assert path(applicant.give_pin(grouped)) == "/eppsg-2023/antrag/"


def test_after_too_many_wrong_pins_only_the_pin_entry_is_locked(
    client, program, issued, at_pin
):
    applicant, _ = at_pin
    for _ in range(program.spec.trust.pin_max_attempts - 1):
        applicant.give_pin(wrong_pin(issued))
    locked = applicant.give_pin(wrong_pin(issued))

    assert locked.status_code == 403
    message = alert_text(locked)
    assert "Die PIN-Eingabe für diesen Zugangscode ist" in message
    assert "gesperrt" in message
    assert "Online-Ausweisfunktion" in message and "(eID)" in message
    assert "Dieser Zugangscode ist" not in message

    # What the message promises: the same code with an eID login.
    client.cookies.clear()
    eid = Applicant(client)
    assert path(eid.start(issued.code, "DE-BY", trust_level=4)) == "/eppsg-2023/antrag/"
    assert outcome(eid.submit()) == "approved"
    assert Application.objects.get().trust_level == 4
