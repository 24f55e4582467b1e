"""A payment the bank sent back: the applicant reads why on the status page and
gives a corrected account, in Chromium with JavaScript switched off."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from pauschale.applications.tests.factories import code_for
from pauschale.common import clock
from pauschale.payouts.bank_simulator import SimulatedReturn, camt054_returns
from pauschale.payouts.models import Payment
from pauschale.payouts.returns import import_bank_file
from pauschale.payouts.services import create_payment_runs, release_run

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BERLIN = ZoneInfo("Europe/Berlin")
NEW_IBAN = "DE89370400440532013000"


@pytest.fixture
def page_without_js(browser):
    context = browser.new_context(locale="de-DE", java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def _press_the_visible_button(page) -> None:
    page.locator(
        "main form button[type=submit], main form input[type=submit]"
    ).first.click()


def _log_in(page, base_url: str, code: str) -> None:
    page.goto(f"{base_url}/eppsg-2023/")
    page.get_by_label("Zugangscode").fill(code)
    page.get_by_label("Bundesland Ihrer Ausbildungsstätte").select_option("DE-HB")
    page.get_by_role("button", name="Weiter zur Anmeldung mit BundID").click()
    page.wait_for_url("**/saml2/login/**")
    _press_the_visible_button(page)
    page.wait_for_url("**/dev-idp/**")
    page.get_by_label("Benutzername", exact=True).fill("rueckläufer")
    page.get_by_label("Vornamen", exact=True).fill("Henrike")
    page.get_by_label("Familienname", exact=True).fill("Kontowechsel")
    page.get_by_label("Geburtsdatum", exact=True).fill("2000-02-29")
    page.get_by_label("Niveau 4", exact=False).check()
    page.get_by_role("button", name="Als diese Person anmelden").click()
    _press_the_visible_button(page)


def _paid_and_returned(program, tmp_path) -> None:
    (run,) = create_payment_runs(program, out_dir=tmp_path, actor="clerk-anna")
    release_run(run, approver="approver-ben")
    payment = Payment.objects.get()
    data = camt054_returns(
        account_iban=program.spec.lands["DE-HB"].payer.iban,
        returns=[SimulatedReturn(payment.end_to_end_id, payment.amount_cents, "AC04")],
        message_id="CAMT-BROWSER-1",
        created_at=clock.now(),
        booking_date=date(2023, 5, 12),
    )
    import_bank_file(data, name="camt.xml", actor="clerk-anna")


def test_a_returned_payment_is_corrected_on_the_status_page_without_javascript(
    page_without_js, live_saml, program, tmp_path
):
    page = page_without_js
    clock.set_now(datetime(2023, 5, 8, 9, 30, tzinfo=BERLIN))
    issued = code_for(program, "DE-HB")
    _log_in(page, live_saml.url, issued.code)
    page.wait_for_url("**/eppsg-2023/antrag/")
    page.get_by_label("IBAN").fill("DE02120300000000202051")
    for box in page.locator("input[type=checkbox]").all():
        box.check()
    page.get_by_role("button", name="Antrag absenden").click()
    page.wait_for_url("**/eppsg-2023/status/")
    _paid_and_returned(program, tmp_path)

    page.context.clear_cookies()
    _log_in(page, live_saml.url, issued.code)
    page.wait_for_url("**/eppsg-2023/status/")
    main = page.locator("main")
    assert "Das Konto wurde aufgelöst." in main.inner_text()
    page.screenshot(path=str(tmp_path / "status-with-form.png"), full_page=True)
    page.get_by_role("button", name="Berichtigte Bankverbindung senden").click()
    assert page.locator("#id_iban_error").is_visible()  # the required fields

    page.get_by_label("Kontoinhaberin oder Kontoinhaber").fill("Henrike Kontowechsel")
    page.get_by_label("IBAN").fill(NEW_IBAN)
    page.get_by_role("button", name="Berichtigte Bankverbindung senden").click()

    page.wait_for_url("**/eppsg-2023/status/")
    assert "Ihre berichtigte Bankverbindung ist gespeichert" in main.inner_text()
    assert (
        page.get_by_role("button", name="Berichtigte Bankverbindung senden").count()
        == 0
    )
    page.screenshot(path=str(tmp_path / "status-after-correction.png"), full_page=True)
    new = Payment.objects.get(attempt=2)
    assert (new.status, new.iban) == ("open", NEW_IBAN)
