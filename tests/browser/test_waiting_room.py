"""A visitor who has to wait sees the number, the people ahead and the wait,
and is let through when admitted: with JavaScript by the page's own polling,
without it by the page reloading itself."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from pauschale.common import clock
from pauschale.waitingroom import services
from pauschale.waitingroom.room import Room

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def crowded(live_saml, program):
    """A room admitting one person every two seconds, with three ahead."""
    clock.set_now(datetime(2023, 3, 15, 10, 0, tzinfo=ZoneInfo("Europe/Berlin")))
    services.set_rate(program, 0.5, actor="browser-test")
    for _ in range(3):  # the first passes with the room's one admission
        Room().join(program)
    return live_saml.url


@pytest.fixture
def page_without_js(browser):
    context = browser.new_context(locale="de-DE", java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def assert_waiting_page(page):
    expect(page.get_by_role("heading", level=1)).to_have_text("Warteraum")
    expect(page.locator("[data-field=position]")).to_have_text("4")
    expect(page.locator("[data-field=ahead]")).to_have_text("2")
    expect(page.locator("[data-field=wait]")).to_have_text("weniger als eine Minute")
    assert "Bitte lassen Sie diese Seite geöffnet" in page.locator("main").inner_text()


def test_with_javascript_the_page_updates_itself_and_lets_the_visitor_in(page, crowded):
    page.goto(f"{crowded}/eppsg-2023/")
    page.wait_for_url("**/warteraum/eppsg-2023/**")
    assert_waiting_page(page)

    # The first poll (after 5 s) finds the two ahead admitted, without a reload.
    expect(page.locator("[data-field=ahead]")).to_have_text("0", timeout=9_000)
    assert "/warteraum/" in page.url

    page.wait_for_url(f"{crowded}/eppsg-2023/", timeout=20_000)
    expect(page.locator("input[name=access_code]")).to_be_visible()


def test_without_javascript_the_page_reloads_itself_until_the_visitor_is_in(
    page_without_js, crowded
):
    page = page_without_js
    page.goto(f"{crowded}/eppsg-2023/")
    page.wait_for_url("**/warteraum/eppsg-2023/**")
    assert_waiting_page(page)
    refresh = page.locator("noscript meta[http-equiv=refresh]")
    assert int(refresh.get_attribute("content")) == 5

    page.wait_for_url(f"{crowded}/eppsg-2023/", timeout=25_000)
    expect(page.locator("input[name=access_code]")).to_be_visible()
