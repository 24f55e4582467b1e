"""Four eyes, immutability after release, cancellation and the checked download."""

import hashlib
from pathlib import Path

from django.db import DatabaseError, IntegrityError, transaction

import pytest

from pauschale.audit.models import AuditEvent
from pauschale.payouts.models import (
    FrozenError,
    Payment,
    PaymentFile,
    PaymentRun,
    PaymentRunItem,
)
from pauschale.payouts.services import (
    ChecksumMismatch,
    RunRefused,
    cancel_run,
    create_payment_runs,
    open_payment_file,
    release_run,
)

from .factories import approved_applications

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("monday_morning")]

CLERK = "clerk-anna"
APPROVER = "approver-ben"


@pytest.fixture
def prepared(program, out_dir):
    approved_applications(program, "DE-BY", 3)
    (run,) = create_payment_runs(program, out_dir=out_dir, actor=CLERK)
    return run


def _statuses() -> set[str]:
    return set(Payment.objects.values_list("status", flat=True))


def test_approver_releases_and_payments_are_sent(prepared):
    run = release_run(prepared, approver=APPROVER)

    assert run.status == PaymentRun.Status.RELEASED
    assert (run.created_by, run.released_by) == (CLERK, APPROVER)
    assert run.released_at is not None
    assert _statuses() == {"sent"}
    event = AuditEvent.objects.get(action="payment_run_released")
    assert (event.actor, event.object_id, event.land) == (
        APPROVER,
        str(run.pk),
        "DE-BY",
    )
    assert event.details["prepared_by"] == CLERK
    assert event.details["payment_count"] == 3
    assert event.details["total_cents"] == 60_000
    assert event.details["files"][0]["sha256"] == run.files.get().sha256


def test_the_preparer_cannot_release_their_own_run(prepared):
    with pytest.raises(RunRefused, match="prepared it cannot release"):
        release_run(prepared, approver=CLERK)

    prepared.refresh_from_db()
    assert prepared.status == PaymentRun.Status.PREPARED
    assert _statuses() == {"in_run"}
    assert not AuditEvent.objects.filter(action="payment_run_released").exists()
    refused = AuditEvent.objects.get(action="payment_run_release_refused")
    assert (refused.actor, refused.object_id) == (CLERK, str(prepared.pk))
    assert refused.details["reason"] == "FourEyesRefused"


def test_database_refuses_a_release_by_the_preparer(prepared):
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentRun.objects.filter(pk=prepared.pk).update(
            status="released", released_by=CLERK, released_at=prepared.created_at
        )


def test_a_run_is_released_once(prepared):
    release_run(prepared, approver=APPROVER)

    with pytest.raises(RunRefused, match="is released"):
        release_run(prepared, approver="approver-cem")
    assert PaymentRun.objects.get().released_by == APPROVER


def test_release_refuses_a_file_changed_since_preparation(prepared):
    payment_file = prepared.files.get()
    with open(payment_file.path, "ab") as out:
        out.write(b"\n")

    with pytest.raises(ChecksumMismatch, match=payment_file.message_id):
        release_run(prepared, approver=APPROVER)
    assert PaymentRun.objects.get().status == PaymentRun.Status.PREPARED


def test_download_is_refused_before_release(prepared):
    payment_file = prepared.files.get()

    with pytest.raises(RunRefused, match="only after release"):
        open_payment_file(payment_file, actor=CLERK)
    assert not AuditEvent.objects.filter(action="payment_file_downloaded").exists()


def test_download_after_release_is_the_checked_file(prepared):
    release_run(prepared, approver=APPROVER)
    payment_file = prepared.files.get()

    download = open_payment_file(payment_file.pk, actor=CLERK)
    content = download.content.read()
    download.content.close()

    assert content == open(payment_file.path, "rb").read()
    assert download.sha256 == payment_file.sha256 == hashlib.sha256(content).hexdigest()
    assert download.name == f"{payment_file.message_id}.xml"
    assert download.size == len(content)
    event = AuditEvent.objects.get(action="payment_file_downloaded")
    assert (event.actor, event.details["sha256"]) == (CLERK, payment_file.sha256)


def test_download_refuses_a_file_changed_after_release(prepared, caplog):
    release_run(prepared, approver=APPROVER)
    payment_file = prepared.files.get()
    data = open(payment_file.path, "rb").read()
    with open(payment_file.path, "wb") as out:
        out.write(data.replace(b"200.00", b"900.00", 1))

    with pytest.raises(ChecksumMismatch):
        open_payment_file(payment_file, actor=CLERK)
    assert "payment_file_checksum_mismatch" in caplog.text
    assert not AuditEvent.objects.filter(action="payment_file_downloaded").exists()
    assert AuditEvent.objects.filter(
        action="payment_file_download_refused", actor=CLERK
    ).exists()


def test_released_run_refuses_changes_in_code(prepared):
    release_run(prepared, approver=APPROVER)
    run = PaymentRun.objects.get()
    item = PaymentRunItem.objects.first()
    payment_file = PaymentFile.objects.get()

    run.total_cents = 1
    with pytest.raises(FrozenError):
        run.save()
    with pytest.raises(FrozenError):
        run.delete()
    with pytest.raises(FrozenError):
        item.delete()
    payment_file.sha256 = "0" * 64
    with pytest.raises(FrozenError):
        payment_file.save()
    payment = Payment.objects.first()
    payment.amount_cents = 1
    with pytest.raises(FrozenError):
        payment.save()
    assert PaymentRun.objects.get().total_cents == 60_000


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE payouts_paymentrun SET total_cents = 1",
        "UPDATE payouts_paymentfile SET sha256 = 'x'",
        "UPDATE payouts_paymentrunitem SET file_id = NULL",
        "UPDATE payouts_payment SET amount_cents = 1",
        "UPDATE payouts_payment SET end_to_end_id = 'EPP-BY-0-9'",
    ],
)
def test_released_run_refuses_changes_in_the_database(prepared, statement):
    from django.db import connection

    release_run(prepared, approver=APPROVER)

    with pytest.raises(DatabaseError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(statement)
    assert PaymentRun.objects.get().total_cents == 60_000


def test_released_run_takes_no_new_items_in_the_database(program, prepared, out_dir):
    release_run(prepared, approver=APPROVER)
    approved_applications(program, "DE-BY", 1)
    late = Payment.objects.get(status="open")

    with pytest.raises(DatabaseError), transaction.atomic():
        PaymentRunItem.objects.bulk_create([PaymentRunItem(run=prepared, payment=late)])


def test_a_sent_payment_may_still_come_back(prepared):
    release_run(prepared, approver=APPROVER)

    Payment.objects.update(status="returned", return_reason="AC04")

    assert _statuses() == {"returned"}


def test_cancelled_run_frees_its_payments_for_the_next_run(
    program, prepared, out_dir, django_capture_on_commit_callbacks
):
    paths = list(prepared.files.values_list("path", flat=True))

    with django_capture_on_commit_callbacks(execute=True):
        cancel_run(prepared, actor=CLERK)

    run = PaymentRun.objects.get(pk=prepared.pk)
    assert run.status == PaymentRun.Status.CANCELLED
    assert run.cancelled_by == CLERK
    assert not run.items.exists()
    assert _statuses() == {"open"}
    (again,) = create_payment_runs(program, out_dir=out_dir, actor=CLERK)
    assert again.payment_count == 3
    assert AuditEvent.objects.filter(action="payment_run_cancelled").count() == 1
    with pytest.raises(RunRefused):
        release_run(run, approver=APPROVER)
    with pytest.raises(RunRefused):
        cancel_run(run, actor=CLERK)
    assert paths and not any(Path(path).exists() for path in paths)


def test_a_released_run_cannot_be_cancelled(prepared):
    release_run(prepared, approver=APPROVER)

    with pytest.raises(RunRefused):
        cancel_run(prepared, actor=APPROVER)
    assert _statuses() == {"sent"}
