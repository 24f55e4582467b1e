"""Payment runs and bank returns through the staff pages of a Land."""

import hashlib
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile

import pytest

from pauschale.audit.models import AuditEvent
from pauschale.payouts.bank_simulator import SimulatedReturn, camt054_returns
from pauschale.payouts.models import BankFile, Payment, PaymentRun
from pauschale.payouts.services import create_payment_runs
from pauschale.payouts.tests.factories import approved_applications
from pauschale.programs.models import Program

from .staff import make_staff

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def paid_by(program, spring_day):
    return approved_applications(program, "DE-BY", 3)


def _prepare(client):
    return client.post(
        "/backoffice/runs/prepare/", {"program": Program.objects.get().pk}
    )


def test_a_clerk_prepares_and_an_approver_releases_then_files_download(
    as_user, clerk_by, approver_by, paid_by
):
    response = _prepare(as_user(clerk_by))
    run = PaymentRun.objects.get()
    payment_file = run.files.get()
    download_early = as_user(approver_by).get(
        f"/backoffice/runs/files/{payment_file.pk}/download/"
    )

    released = as_user(approver_by).post(f"/backoffice/runs/{run.pk}/release/")
    download = as_user(clerk_by).get(
        f"/backoffice/runs/files/{payment_file.pk}/download/"
    )

    assert response.status_code == 302 and run.payment_count == 3
    assert download_early.status_code == 302  # refused before release
    assert released.status_code == 302
    run.refresh_from_db()
    assert (run.status, run.released_by) == ("released", "approver-by")
    content = b"".join(download.streaming_content)
    assert hashlib.sha256(content).hexdigest() == payment_file.sha256
    assert download["X-Checksum-SHA256"] == payment_file.sha256
    page = as_user(clerk_by).get(f"/backoffice/runs/{run.pk}/").content.decode()
    assert payment_file.sha256 in page
    assert AuditEvent.objects.filter(
        action="payment_file_downloaded", actor="clerk-by"
    ).exists()


def test_whoever_prepared_a_run_cannot_release_it(as_user, paid_by, program, tmp_path):
    both = make_staff("both-by", "approver", land="DE-BY")
    run = create_payment_runs(
        program, lands=["DE-BY"], out_dir=tmp_path / "p", actor="both-by"
    )[0]

    page = as_user(both).get(f"/backoffice/runs/{run.pk}/").content.decode()
    as_user(both).post(f"/backoffice/runs/{run.pk}/release/")

    run.refresh_from_db()
    assert run.status == "prepared"
    assert "data-four-eyes" in page


def test_a_clerk_cannot_release_and_an_approver_cannot_prepare(
    as_user, clerk_by, approver_by, paid_by
):
    assert _prepare(as_user(approver_by)).status_code == 403
    _prepare(as_user(clerk_by))
    run = PaymentRun.objects.get()

    assert (
        as_user(clerk_by).post(f"/backoffice/runs/{run.pk}/release/").status_code == 403
    )
    run.refresh_from_db()
    assert run.status == "prepared"


def test_another_lands_clerk_cannot_see_release_or_download_a_run(
    as_user, clerk_by, clerk_nw, approver_by, paid_by
):
    _prepare(as_user(clerk_by))
    run = PaymentRun.objects.get()
    approver_nw = make_staff("approver-nw", "approver", land="DE-NW")
    refused = as_user(approver_nw).post(f"/backoffice/runs/{run.pk}/release/")
    run.refresh_from_db()
    assert refused.status_code == 404 and run.status == "prepared"
    as_user(approver_by).post(f"/backoffice/runs/{run.pk}/release/")
    file_id = run.files.get().pk

    assert as_user(clerk_nw).get(f"/backoffice/runs/{run.pk}/").status_code == 404
    assert (
        as_user(clerk_nw).get(f"/backoffice/runs/files/{file_id}/download/").status_code
        == 404
    )
    assert (
        as_user(approver_nw).post(f"/backoffice/runs/{run.pk}/cancel/").status_code
        == 404
    )
    assert (
        f'data-run="{run.pk}"'
        not in as_user(clerk_nw).get("/backoffice/runs/").content.decode()
    )


def _camt(returns, message_id="CAMT-BY-1") -> bytes:
    payer = Program.objects.get().spec.lands["DE-BY"].payer.iban
    return camt054_returns(
        account_iban=payer,
        returns=returns,
        message_id=message_id,
        created_at=datetime(2023, 4, 6, 8, 0, tzinfo=BERLIN),
        booking_date=date(2023, 4, 6),
    )


def _upload(client, content: bytes, name="camt054.xml"):
    return client.post("/backoffice/bank/", {"file": SimpleUploadedFile(name, content)})


def test_a_camt054_upload_matches_returns_lists_unmatched_and_ignores_a_repeat(
    as_user, clerk_by, approver_by, paid_by
):
    _prepare(as_user(clerk_by))
    run = PaymentRun.objects.get()
    as_user(approver_by).post(f"/backoffice/runs/{run.pk}/release/")
    returned = Payment.objects.order_by("pk").first()
    content = _camt(
        [
            SimulatedReturn(returned.end_to_end_id, returned.amount_cents, "AC04"),
            SimulatedReturn("EPP-BY-999999-1", 20_000, "AC01"),
        ]
    )
    client = as_user(clerk_by)

    first = _upload(client, content)
    again = _upload(client, content)

    bank_file = BankFile.objects.get()
    assert first.status_code == again.status_code == 302
    assert (bank_file.applied_count, bank_file.unmatched_count) == (1, 1)
    returned.refresh_from_db()
    assert (returned.status, returned.return_reason) == ("returned", "AC04")
    page = client.get(f"/backoffice/bank/{bank_file.pk}/").content.decode()
    applied = page.split('data-returns="applied"', 1)[1].split("</table>", 1)[0]
    unmatched = page.split('data-returns="unmatched"', 1)[1].split("</table>", 1)[0]
    assert returned.end_to_end_id in applied
    assert "EPP-BY-999999-1" in unmatched
    listing = client.get("/backoffice/bank/").content.decode()
    to_check = listing.split('data-returns="to_check"', 1)[1].split("</table>", 1)[0]
    assert "EPP-BY-999999-1" in to_check


def test_a_clerk_cannot_import_another_lands_bank_file(as_user, clerk_nw, paid_by):
    response = _upload(
        as_user(clerk_nw), _camt([SimulatedReturn("EPP-BY-1-1", 20_000, "AC01")])
    )

    assert response.status_code == 400
    assert not BankFile.objects.exists()


def test_a_file_another_land_imported_is_refused_not_shown_as_a_repeat(
    as_user, clerk_by, clerk_nw, paid_by
):
    content = _camt([SimulatedReturn("EPP-BY-1-1", 20_000, "AC01")])
    assert _upload(as_user(clerk_by), content).status_code == 302

    response = _upload(as_user(clerk_nw), content)

    assert response.status_code == 400
    page = response.content.decode()
    assert "Diese Datei wurde bereits eingelesen" not in page
    assert "die Datei betrifft kein Konto und keinen Zahlungslauf von DE-NW" in page
    assert BankFile.objects.get().land_id == "DE-BY"


def test_a_broken_bank_file_is_refused_with_its_problems(as_user, clerk_by, paid_by):
    response = _upload(as_user(clerk_by), b"<Document>kaputt</Document>")

    assert response.status_code == 400
    assert not BankFile.objects.exists()
    page = response.content.decode()
    assert "Die Datei wurde nicht eingelesen: camt054.xml" in page
    assert "Zeile 1, Document: kein Dokument nach camt.054.001.08" in page


def test_a_bank_file_that_is_no_xml_is_refused_in_german(as_user, clerk_by, paid_by):
    response = _upload(as_user(clerk_by), b"<Document")

    assert response.status_code == 400
    page = response.content.decode()
    assert "<li>Zeile 1: kein wohlgeformtes XML: " in page
    assert ", :" not in page
    assert not BankFile.objects.exists()


@pytest.mark.parametrize(
    "doctype",
    [
        b'<!DOCTYPE Document [<!ENTITY x "abc">]>',
        b'<!DOCTYPE Document [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
        b"<!DOCTYPE Document>",
    ],
    ids=["internal entity", "external entity", "no entity"],
)
def test_a_bank_file_with_a_doctype_is_refused_with_a_message(
    as_user, clerk_by, paid_by, doctype
):
    declaration, rest = _camt([SimulatedReturn("EPP-BY-1-1", 20_000, "AC01")]).split(
        b"\n", 1
    )
    entity = b"&x;" if b"ENTITY" in doctype else b""
    content = b"\n".join(
        [declaration, doctype, rest.replace(b"<MsgId>", b"<MsgId>" + entity, 1)]
    )

    response = _upload(as_user(clerk_by), content, name="entity.xml")

    assert response.status_code == 400
    page = response.content.decode()
    assert "Die Datei wurde nicht eingelesen: entity.xml" in page
    assert (
        "<li>Zeile 2: die Datei enthält eine Dokumenttyp-Deklaration (DOCTYPE); "
        "Bankdateien enthalten nie eine</li>"
    ) in page
    assert "root:" not in page
    assert not BankFile.objects.exists()


def _released(as_user, clerk_by, approver_by) -> Payment:
    _prepare(as_user(clerk_by))
    run = PaymentRun.objects.get()
    as_user(approver_by).post(f"/backoffice/runs/{run.pk}/release/")
    return Payment.objects.order_by("pk").first()


def test_a_bank_file_of_an_account_that_is_no_payer_account_is_refused(
    as_user, clerk_by, approver_by, paid_by
):
    payment = _released(as_user, clerk_by, approver_by)
    iban = "DE89370400440532013000"
    content = _camt(
        [SimulatedReturn(payment.end_to_end_id, payment.amount_cents, "AC01")]
    ).replace(
        Program.objects.get().spec.lands["DE-BY"].payer.iban.encode(), iban.encode()
    )

    response = _upload(as_user(clerk_by), content)

    assert response.status_code == 400
    page = response.content.decode()
    line = content[: content.index(b"<Acct>")].count(b"\n") + 1
    assert (
        f"<li>Zeile {line}, BkToCstmrDbtCdtNtfctn/Ntfctn/Acct: das Konto ist kein "
        "Auszahlungskonto eines Landes; eingelesen werden nur Dateien eines "
        "Auszahlungskontos</li>"
    ) in page
    assert iban not in page
    assert not BankFile.objects.exists()
    payment.refresh_from_db()
    assert payment.status == "sent"


def test_a_returned_amount_that_differs_is_listed_for_checking_not_applied(
    as_user, clerk_by, approver_by, paid_by
):
    payment = _released(as_user, clerk_by, approver_by)
    client = as_user(clerk_by)

    response = _upload(
        client, _camt([SimulatedReturn(payment.end_to_end_id, 25_000, "AC01")])
    )

    bank_file = BankFile.objects.get()
    assert response.status_code == 302
    payment.refresh_from_db()
    assert payment.status == "sent"
    page = client.get(f"/backoffice/bank/{bank_file.pk}/").content.decode()
    applied = page.split('data-returns="applied"', 1)[1].split("</table>", 1)[0]
    flagged = page.split('data-returns="flagged"', 1)[1].split("</table>", 1)[0]
    assert payment.end_to_end_id not in applied
    assert payment.end_to_end_id in flagged
    assert "250,00 €" in flagged
    assert (
        "Betrag fehlt oder weicht von der Zahlung ab (ausgezahlt 200,00 €)" in flagged
    )
    listing = client.get("/backoffice/bank/").content.decode()
    to_check = listing.split('data-returns="to_check"', 1)[1].split("</table>", 1)[0]
    assert payment.end_to_end_id in to_check


def test_a_second_bank_file_with_the_same_message_id_is_refused(
    as_user, clerk_by, approver_by, paid_by
):
    _released(as_user, clerk_by, approver_by)
    first, second = Payment.objects.order_by("pk")[:2]
    client = as_user(clerk_by)
    _upload(client, _camt([SimulatedReturn(first.end_to_end_id, 20_000, "AC01")]))
    earlier = BankFile.objects.get()

    response = _upload(
        client,
        _camt([SimulatedReturn(second.end_to_end_id, 20_000, "AC04")]),
        name="camt054-neu.xml",
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "Die Datei wurde nicht eingelesen: camt054-neu.xml" in page
    assert (
        "<li>GrpHdr/MsgId: die Nachrichten-ID CAMT-BY-1 kam schon in einer anderen "
        f"Datei vor (Bankdatei {earlier.pk}, eingelesen 2023-04-03 10:00); eine Bank "
        "sendet nie zwei Nachrichten mit derselben ID, daher wurde nichts aus dieser "
        "Datei eingelesen</li>"
    ) in page
    assert list(BankFile.objects.all()) == [earlier]
    second.refresh_from_db()
    assert second.status == "sent"
    assert AuditEvent.objects.filter(action="bank_file_imported").count() == 1


def test_a_bank_file_violating_the_schema_names_line_element_and_type_in_german(
    as_user, clerk_by, paid_by
):
    payer = Program.objects.get().spec.lands["DE-BY"].payer.iban
    content = _camt([SimulatedReturn("EPP-BY-1-1", 20_000, "AC01")]).replace(
        payer.encode(), b"Erika Musterfrau"
    )

    response = _upload(as_user(clerk_by), content)

    assert response.status_code == 400
    page = response.content.decode()
    line = content[: content.index(b"Musterfrau")].count(b"\n") + 1
    assert (
        f"<li>Zeile {line}, BkToCstmrDbtCdtNtfctn/Ntfctn/Acct/Id/IBAN: entspricht "
        "nicht dem ISO-Schema (Typ IBAN2007Identifier): [facet &#x27;pattern&#x27;] "
        "The value [value] is not accepted by the pattern"
    ) in page
    assert "Musterfrau" not in page
