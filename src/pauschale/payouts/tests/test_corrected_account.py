"""From a bank return to the corrected account on the applicant's status page,
through the real pages and SAML login, to the second payment run."""

import logging
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from lxml import etree

from pauschale.applications.models import Application
from pauschale.applications.tests.applicant import Applicant, soup
from pauschale.applications.tests.factories import code_for
from pauschale.audit.models import AuditEvent
from pauschale.common import clock
from pauschale.payouts.bank_simulator import SimulatedReturn, camt054_returns
from pauschale.payouts.models import Payment
from pauschale.payouts.returns import import_bank_file
from pauschale.payouts.sepa import PAIN_001_NAMESPACE
from pauschale.payouts.services import create_payment_runs, release_run

BERLIN = ZoneInfo("Europe/Berlin")
FIRST_IBAN = "DE02120300000000202051"
NEW_IBAN = "DE89370400440532013000"
BY_PAYER = "DE12700000000020230001"
NS = {"p": PAIN_001_NAMESPACE}


@pytest.fixture(autouse=True)
def _setup(saml_settings, program):
    clock.set_now(datetime(2023, 3, 20, 10, 0, tzinfo=BERLIN))


@pytest.fixture
def paid(client, program, tmp_path):
    """An applicant approved, paid in a released run; returns (applicant, code)."""
    issued = code_for(program, "DE-BY")
    applicant = Applicant(client)
    applicant.start(issued.code, "DE-BY")
    applicant.submit(iban=FIRST_IBAN, holder="Erika Musterfrau")
    (run,) = create_payment_runs(program, out_dir=tmp_path, actor="clerk-anna")
    release_run(run, approver="approver-ben")
    return applicant, issued.code


def _bank_returns(reason: str) -> Payment:
    payment = Payment.objects.get()
    data = camt054_returns(
        account_iban=BY_PAYER,
        returns=[SimulatedReturn(payment.end_to_end_id, payment.amount_cents, reason)],
        message_id=f"CAMT-{reason}",
        created_at=datetime(2023, 3, 23, 7, 0, tzinfo=BERLIN),
        booking_date=date(2023, 3, 23),
    )
    import_bank_file(data, name="camt.xml", actor="clerk-anna")
    return payment


def _status_again(applicant: Applicant, code: str):
    """Log out, then come back with code and BundID, as the applicant would."""
    applicant.client.post("/eppsg-2023/abmelden/")
    return applicant.start(code, "DE-BY")


def _correct(applicant: Applicant, iban=NEW_IBAN, holder="Erika Neukonto"):
    return applicant.client.post(
        "/eppsg-2023/status/", {"account_holder": holder, "iban": iban}, follow=True
    )


def _payment_status(page) -> str:
    return soup(page).select_one("[data-payment-status]")["data-payment-status"]


def test_status_page_shows_a_sent_payment_as_handed_to_the_bank(paid):
    applicant, code = paid

    page = _status_again(applicant, code)

    assert _payment_status(page) == "sent"
    assert "an die Bank übergeben" in soup(page).get_text()
    assert soup(page).select_one("form[data-form=corrected-account]") is None


def test_a_returned_payment_asks_for_a_corrected_account(paid):
    applicant, code = paid
    _bank_returns("AC04")

    page = _status_again(applicant, code)

    html = soup(page)
    assert html.select_one("[data-return-reason]")["data-return-reason"] == "AC04"
    assert "Das Konto wurde aufgelöst." in html.get_text()
    form = html.select_one("form[data-form=corrected-account]")
    assert form is not None
    assert form.select_one("label[for=id_iban]") is not None
    assert form.select_one("label[for=id_account_holder]") is not None


def test_an_invalid_iban_is_refused_with_an_error_at_the_field(paid):
    applicant, code = paid
    _bank_returns("AC01")
    _status_again(applicant, code)

    page = _correct(applicant, iban="DE89370400440532013001")

    html = soup(page)
    assert html.select_one("a[href='#id_iban']") is not None
    assert html.select_one("#id_iban_error") is not None
    assert "DE89370400440532013001" not in html.select_one("#id_iban_error").get_text()
    assert Payment.objects.count() == 1


def test_the_corrected_account_makes_a_new_payment_for_the_next_run(paid, tmp_path):
    applicant, code = paid
    returned = _bank_returns("AC01")
    _status_again(applicant, code)

    page = _correct(applicant)

    assert "Vielen Dank" in soup(page).get_text()
    assert _payment_status(page) == "open"
    assert soup(page).select_one("[data-corrected-at]") is not None
    assert soup(page).select_one("form[data-form=corrected-account]") is None
    application = Application.objects.get()
    old, new = application.payments.order_by("attempt")
    assert (old.pk, old.status, old.return_reason) == (returned.pk, "returned", "AC01")
    assert (new.status, new.attempt, new.replaces_id) == ("open", 2, old.pk)
    assert new.end_to_end_id == f"EPP-BY-{application.pk}-2"
    assert (new.iban, new.creditor_name) == (NEW_IBAN, "Erika Neukonto")
    assert application.iban == NEW_IBAN
    event = AuditEvent.objects.get(action="payment_reissued")
    assert (event.actor, event.details["replaces"]) == ("applicant", old.pk)


def test_the_second_run_holds_exactly_the_corrected_payment(paid, program, tmp_path):
    applicant, code = paid
    _bank_returns("AC04")
    _status_again(applicant, code)
    _correct(applicant)
    clock.set_now(datetime(2023, 3, 27, 9, 0, tzinfo=BERLIN))

    (second,) = create_payment_runs(
        program, out_dir=tmp_path / "second", actor="clerk-anna"
    )

    corrected = Payment.objects.get(attempt=2)
    assert second.payment_count == 1
    root = etree.parse(second.files.get().path).getroot()
    assert root.xpath("//p:EndToEndId/text()", namespaces=NS) == [
        corrected.end_to_end_id
    ]
    assert root.xpath("//p:CdtrAcct/p:Id/p:IBAN/text()", namespaces=NS) == [NEW_IBAN]


def test_an_account_cannot_be_corrected_twice_for_one_return(paid):
    applicant, code = paid
    _bank_returns("AC01")
    _status_again(applicant, code)
    _correct(applicant)

    page = _correct(applicant, iban=FIRST_IBAN, holder="Someone Else")

    assert Payment.objects.count() == 2
    assert Payment.objects.get(attempt=2).iban == NEW_IBAN
    assert _payment_status(page) == "open"


def test_a_payment_still_on_its_way_cannot_be_redirected(paid):
    applicant, code = paid
    _status_again(applicant, code)

    page = _correct(applicant)

    assert Payment.objects.count() == 1
    assert Payment.objects.get().iban == FIRST_IBAN
    assert _payment_status(page) == "sent"


def test_a_deceased_account_holder_goes_to_case_handling_not_to_the_form(paid):
    applicant, code = paid
    _bank_returns("MD07")

    page = _status_again(applicant, code)
    _correct(applicant)

    html = soup(page)
    assert html.select_one("[data-return-reason]")["data-return-reason"] == "MD07"
    assert html.select_one("form[data-form=corrected-account]") is None
    assert "zuständige Stelle" in html.get_text()
    assert Payment.objects.count() == 1


def test_the_correction_leaves_no_iban_or_name_in_the_logs(paid, caplog):
    caplog.set_level(logging.DEBUG)
    applicant, code = paid
    _bank_returns("AC01")
    _status_again(applicant, code)

    _correct(applicant)

    assert "account_corrected" in caplog.text
    for value in (NEW_IBAN, FIRST_IBAN, "Neukonto", "Musterfrau", "Erika"):
        assert value not in caplog.text
