"""Staff in a real browser: an institution requests and downloads codes; an
approver releases the payment run a clerk prepared."""

import csv
import hashlib
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from pauschale.backoffice.tests.staff import PASSWORD, current_token, make_staff
from pauschale.common import clock
from pauschale.payouts.models import PaymentRun
from pauschale.payouts.services import create_payment_runs
from pauschale.payouts.tests.factories import approved_applications
from pauschale.registry.models import AccessCode, AccessCodeBatch

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(page, base, user):
    page.goto(f"{base}/backoffice/")
    page.wait_for_url("**/backoffice/login/**")
    page.get_by_label("Benutzername").fill(user.username)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_label("Sicherheitscode").fill(current_token(user))
    page.get_by_role("button", name="Anmelden").click()


def test_an_institution_requests_a_code_batch_and_downloads_it_once(
    page, live_server, program
):
    from pauschale.applications.tests.factories import institution

    clock.set_now(datetime(2023, 3, 10, 9, 0, tzinfo=ZoneInfo("Europe/Berlin")))
    staff = make_staff("browser-uni", "institution", institution=institution("DE-HH"))
    base = live_server.url

    _log_in(page, base, staff)
    page.wait_for_url("**/backoffice/codes/")
    page.get_by_role("link", name="Codes anfordern").first.click()
    page.get_by_label("Anzahl der Codes").fill("4")
    page.get_by_role("button", name="Codes erzeugen").click()
    page.wait_for_url("**/backoffice/codes/*/")
    assert "Die Codes wurden erzeugt." in page.get_by_role("status").first.inner_text()

    with page.expect_download() as download_info:
        page.get_by_role(
            "button", name="Codes als CSV herunterladen (einmalig)"
        ).click()
    text = open(download_info.value.path(), encoding="utf-8-sig").read()
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))

    batch = AccessCodeBatch.objects.get()
    assert len(rows) == 4
    assert {int(r["code_id"]) for r in rows} == set(
        AccessCode.objects.filter(batch=batch).values_list("pk", flat=True)
    )
    page.goto(f"{base}/backoffice/codes/{batch.pk}/")
    assert (
        page.get_by_role(
            "button", name="Codes als CSV herunterladen (einmalig)"
        ).count()
        == 0
    )
    assert (
        page.get_by_role(
            "button", name="PIN-Briefe als PDF herunterladen (einmalig)"
        ).count()
        == 1
    )


def test_an_approver_releases_a_run_and_downloads_its_checked_file(
    page, live_server, program, settings, tmp_path
):
    settings.PAUSCHALE_PAYMENT_DIR = tmp_path / "payments"
    clock.set_now(datetime(2023, 3, 20, 9, 0, tzinfo=ZoneInfo("Europe/Berlin")))
    approved_applications(program, "DE-HH", 2)
    make_staff("clerk-hh", "clerk", land="DE-HH")
    approver = make_staff("approver-hh", "approver", land="DE-HH")
    run = create_payment_runs(
        program,
        lands=["DE-HH"],
        out_dir=settings.PAUSCHALE_PAYMENT_DIR,
        actor="clerk-hh",
    )[0]
    base = live_server.url

    _log_in(page, base, approver)
    page.wait_for_url("**/backoffice/applications/")
    page.get_by_role("link", name="Zahlläufe").click()
    page.get_by_role("link", name=str(run.pk), exact=True).click()
    assert "vorbereitet" in page.locator("[data-run-status]").inner_text()
    page.get_by_role("button", name="Zahllauf freigeben").click()

    assert (
        "Der Zahllauf wurde freigegeben."
        in page.get_by_role("status").first.inner_text()
    )
    assert "approver-hh" in page.locator("[data-released-by]").inner_text()
    shown = page.locator("[data-sha256]").first.inner_text().strip()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Herunterladen").first.click()
    content = open(download_info.value.path(), "rb").read()

    run.refresh_from_db()
    assert (run.status, run.released_by) == (PaymentRun.Status.RELEASED, "approver-hh")
    assert hashlib.sha256(content).hexdigest() == shown == run.files.get().sha256
