"""An applicant in a real browser: code, BundID login at the development IdP,
form, decision. Checks what the applicant sees on each page."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from pauschale.applications.models import Application
from pauschale.applications.tests.factories import code_for
from pauschale.common import clock

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_applicant_applies_in_the_browser_and_sees_the_approval(
    page, live_saml, program
):
    clock.set_now(datetime(2023, 4, 3, 11, 0, tzinfo=ZoneInfo("Europe/Berlin")))
    issued = code_for(program, "DE-HH")
    base = live_saml.url

    page.goto(f"{base}/eppsg-2023/")
    assert page.locator("html").get_attribute("lang") == "de"
    page.get_by_label("Zugangscode").fill(issued.code)
    page.get_by_label("Bundesland Ihrer Ausbildungsstätte").select_option("DE-HH")
    page.get_by_role("button", name="Weiter zur Anmeldung mit BundID").click()

    # The SAML request posts itself (JavaScript on); we land at the dev IdP.
    page.wait_for_url("**/dev-idp/**")
    page.get_by_label("Benutzername", exact=True).fill("browser-test-person")
    page.get_by_label("Vornamen", exact=True).fill("Ilse Wanda")
    page.get_by_label("Familienname", exact=True).fill("Pröbstl")
    page.get_by_label("Geburtsdatum", exact=True).fill("2000-02-29")
    page.get_by_label("Niveau 4", exact=False).check()
    page.get_by_role("button", name="Als diese Person anmelden").click()

    page.wait_for_url("**/eppsg-2023/antrag/")
    assert "Ilse Wanda Pröbstl" in page.locator("main").inner_text()
    assert "29.02.2000" in page.locator("main").inner_text()
    page.get_by_label("IBAN").fill("DE02 1203 0000 0000 2020 51")
    for box in page.locator("input[type=checkbox]").all():
        box.check()
    page.get_by_role("button", name="Antrag absenden").click()

    page.wait_for_url("**/eppsg-2023/status/")
    status = page.get_by_role("status").first
    assert "Ihr Antrag wurde bewilligt" in status.inner_text()
    assert "200.00 Euro" in status.inner_text() or "200,00 Euro" in status.inner_text()
    assert Application.objects.get().status == "approved"
