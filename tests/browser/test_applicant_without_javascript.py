"""The same path with JavaScript switched off: every SAML hop has a visible
button, and the pages still say what happened."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from pauschale.applications.models import Application
from pauschale.applications.tests.factories import code_for
from pauschale.common import clock

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page_without_js(browser):
    context = browser.new_context(locale="de-DE", java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_applying_works_without_javascript(page_without_js, live_saml, program):
    page = page_without_js
    clock.set_now(datetime(2023, 5, 8, 9, 30, tzinfo=ZoneInfo("Europe/Berlin")))
    issued = code_for(program, "DE-SN", with_pin=True)

    page.goto(f"{live_saml.url}/eppsg-2023/")
    page.get_by_label("Zugangscode").fill(issued.code)
    page.get_by_label("Bundesland Ihrer Ausbildungsstätte").select_option("DE-SN")
    page.get_by_role("button", name="Weiter zur Anmeldung mit BundID").click()

    # Without JavaScript the signed AuthnRequest waits for a button press.
    page.wait_for_url("**/saml2/login/**")
    page.locator(
        "main form button[type=submit], main form input[type=submit]"
    ).first.click()

    page.wait_for_url("**/dev-idp/**")
    page.get_by_label("Benutzername", exact=True).fill("ohne-js")
    page.get_by_label("Vornamen", exact=True).fill("Ottokar")
    page.get_by_label("Familienname", exact=True).fill("Weißgerber")
    page.get_by_label("Geburtsdatum", exact=True).fill("1999-12-31")
    page.get_by_label("Niveau 1", exact=False).check()
    page.get_by_role("button", name="Als diese Person anmelden").click()

    # The signed response, too, is posted by a button.
    page.locator(
        "main form button[type=submit], main form input[type=submit]"
    ).first.click()

    page.wait_for_url("**/eppsg-2023/pin/")
    page.get_by_label("PIN").fill(issued.pin)
    page.get_by_role("button", name="PIN bestätigen").click()

    page.wait_for_url("**/eppsg-2023/antrag/")
    page.get_by_label("IBAN").fill("DE02120300000000202051")
    for box in page.locator("input[type=checkbox]").all():
        box.check()
    page.get_by_role("button", name="Antrag absenden").click()

    page.wait_for_url("**/eppsg-2023/status/")
    assert "Ihr Antrag wurde bewilligt" in page.locator("main").inner_text()
    application = Application.objects.get()
    assert application.pin_verified and application.status == "approved"
