"""Domain actions of the payouts module: payments on approval, payment runs.

A run is prepared (``create_payment_runs``), then released by a second person
(``release_run``) or cancelled (``cancel_run``); only a released run's files
can be had (``open_payment_file``). Bank returns are in ``returns``.
"""

import hashlib
import tempfile
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from itertools import islice
from pathlib import Path
from typing import BinaryIO

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Sum
from django.utils import timezone

from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from pauschale.applications.models import Application
from pauschale.audit import services as audit
from pauschale.common import clock
from pauschale.common.log import get_logger
from pauschale.decisions.models import Decision
from pauschale.programs.models import Program

from . import reasons, sepa
from .banking_days import execution_date
from .models import Payment, PaymentFile, PaymentRun, PaymentRunItem

log = get_logger(__name__)

CLAIM_BATCH = 2_000
"""Payments claimed and inserted as run items per statement."""


class PaymentError(Exception):
    """A payment cannot be created from the data it is given."""


# --- payments -------------------------------------------------------------------


def end_to_end_id(application: Application, attempt: int) -> str:
    """The EndToEndId of an application's ``attempt``-th payment: ``EPP-BY-4711-1``.

    Program prefix, the Land's letters, the application id and the attempt, so
    that a return or a question from a bank leads straight to the application.
    """
    prefix = application.program.spec.payment.end_to_end_prefix
    land_letters = application.land_id.removeprefix("DE-")
    value = f"{prefix}-{land_letters}-{application.pk}-{attempt}"
    if not sepa.IDENTIFIER_PATTERN.fullmatch(value):
        raise PaymentError(f"EndToEndId {value} is not 1-35 characters of [A-Za-z0-9-]")
    return value


def create_payment(decision: Decision) -> Payment | None:
    """The payment of an approved decision; None for a rejection.

    Runs inside the transaction that stored the decision. An application that
    already has a payment that did not come back keeps that one.
    """
    if decision.outcome != Decision.Outcome.APPROVED:
        return None
    application = decision.application
    live = Payment.objects.filter(application=application).exclude(
        status__in=Payment.ENDED
    )
    existing = live.first()
    if existing is not None:
        log.info(
            "payment_exists", payment_id=existing.pk, application_id=application.pk
        )
        return existing
    if decision.amount_cents <= 0:
        raise PaymentError(f"decision {decision.pk} approves no amount")

    attempt = Payment.objects.filter(application=application).count() + 1
    payment = Payment.objects.create(
        program=application.program,
        application=application,
        land_id=application.land_id,
        amount_cents=decision.amount_cents,
        creditor_name=application.account_holder,
        iban=_compact_iban(application),
        end_to_end_id=end_to_end_id(application, attempt),
        created_at=clock.now(),
        attempt=attempt,
    )
    log.info(
        "payment_created",
        payment_id=payment.pk,
        application_id=application.pk,
        land=payment.land_id,
        amount_cents=payment.amount_cents,
        attempt=attempt,
    )
    return payment


def _compact_iban(application: Application) -> str:
    try:
        return IBAN(application.iban).compact
    except SchwiftyException:
        # The message of schwifty's exception may quote the IBAN.
        raise PaymentError(f"application {application.pk} has no valid IBAN") from None


# --- payment runs ---------------------------------------------------------------


def create_payment_runs(
    program: Program,
    *,
    lands: Iterable[str] | None = None,
    out_dir: Path | str,
    actor: str,
    dry_run: bool = False,
) -> list[PaymentRun]:
    """One payment run per Land with open payments, with its pain.001 files.

    Each run is its own transaction: it claims the Land's open payments, writes
    and validates the files and records them, or leaves nothing behind. With
    ``dry_run`` the runs are only counted and returned unsaved; nothing is
    written. A Land whose payments another run has claimed meanwhile gets no run.
    """
    codes = _lands_to_pay(program, lands)
    due = execution_date(clock.today(), program.spec.payment.execution_days_after_run)
    if dry_run:
        previews = (_preview_run(program, code, due, actor) for code in codes)
        return [run for run in previews if run.payment_count]

    out_dir = Path(out_dir)
    out_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    runs = []
    for code in codes:
        run = _create_run(program, code, due, out_dir=out_dir, actor=actor)
        if run is not None:
            runs.append(run)
    return runs


def _lands_to_pay(program: Program, lands: Iterable[str] | None) -> list[str]:
    configured = program.spec.lands
    if lands is not None:
        codes = list(dict.fromkeys(code.upper() for code in lands))
        unknown = [code for code in codes if code not in configured]
        if unknown:
            raise ValueError(
                f"{', '.join(unknown)}: no payer account in program {program.slug}"
            )
        return codes

    with_open = (
        Payment.objects.filter(program=program, status=Payment.Status.OPEN)
        .values_list("land_id", flat=True)
        .distinct()
        .order_by("land_id")
    )
    codes = []
    for code in with_open:
        if code in configured:
            codes.append(code)
        else:
            log.warning(
                "payment_run_land_without_payer", program=program.slug, land=code
            )
    return codes


def _preview_run(program: Program, land: str, due: date, actor: str) -> PaymentRun:
    totals = Payment.objects.filter(
        program=program, land_id=land, status=Payment.Status.OPEN
    ).aggregate(count=Count("id"), total=Sum("amount_cents"))
    return PaymentRun(
        program=program,
        land_id=land,
        created_at=clock.now(),
        created_by=actor,
        execution_date=due,
        payment_count=totals["count"],
        total_cents=totals["total"] or 0,
    )


def _create_run(
    program: Program, land: str, due: date, *, out_dir: Path, actor: str
) -> PaymentRun | None:
    written: list[Path] = []
    try:
        with transaction.atomic():
            run = PaymentRun.objects.create(
                program=program,
                land_id=land,
                created_at=clock.now(),
                created_by=actor,
                execution_date=due,
            )
            claimed = _claim_open_payments(run)
            if not claimed.ids:
                # Someone else's run holds them, or there were none: no empty run.
                transaction.set_rollback(True)
                log.info("payment_run_skipped", land=land, reason="no_open_payments")
                return None

            Payment.objects.filter(run_item__run=run).update(
                status=Payment.Status.IN_RUN
            )
            files = _write_files(run, claimed, out_dir, written)
            run.payment_count = len(claimed.ids)
            run.total_cents = sum(claimed.amounts)
            run.save(update_fields=["payment_count", "total_cents"])
            _audit_run(run, files, actor)
    except BaseException:
        # The transaction is rolled back; files of its run must not survive it.
        for path in written:
            path.unlink(missing_ok=True)
        raise

    log.info(
        "payment_run_created",
        run_id=run.pk,
        land=land,
        payment_count=run.payment_count,
        total_cents=run.total_cents,
        file_count=len(files),
    )
    return run


class _Claimed:
    """Ids and amounts of the payments a run holds, in id order."""

    def __init__(self):
        self.ids = array("q")
        self.amounts = array("q")

    def add(self, rows: Iterable[tuple[int, int]]) -> None:
        for payment_id, cents in rows:
            self.ids.append(payment_id)
            self.amounts.append(cents)


def _claim_open_payments(run: PaymentRun) -> _Claimed:
    """Put the Land's open payments into ``run`` through PaymentRunItem rows.

    The unique payment column of PaymentRunItem is what guarantees that nobody
    is paid twice. On PostgreSQL, rows locked by a concurrent run are skipped
    so that two runs divide the payments between them instead of waiting; on
    SQLite the database's single writer serialises runs. A payment whose item
    insert fails on the unique column belongs to another run and is left out.
    """
    open_payments = Payment.objects.filter(
        program_id=run.program_id, land_id=run.land_id, status=Payment.Status.OPEN
    ).order_by("id")
    if connection.features.has_select_for_update_skip_locked:
        open_payments = open_payments.select_for_update(skip_locked=True)

    claimed = _Claimed()
    rows = open_payments.values_list("id", "amount_cents").iterator(
        chunk_size=CLAIM_BATCH
    )
    while batch := tuple(islice(rows, CLAIM_BATCH)):
        claimed.add(_insert_items(run, batch))
    return claimed


def _insert_items(
    run: PaymentRun, batch: tuple[tuple[int, int], ...]
) -> Iterable[tuple[int, int]]:
    try:
        with transaction.atomic():
            PaymentRunItem.objects.bulk_create(
                PaymentRunItem(run=run, payment_id=payment_id)
                for payment_id, _ in batch
            )
        return batch
    except IntegrityError:
        pass

    taken = []
    for payment_id, cents in batch:
        try:
            with transaction.atomic():
                PaymentRunItem.objects.create(run=run, payment_id=payment_id)
        except IntegrityError:
            log.warning(
                "payment_claimed_elsewhere", run_id=run.pk, payment_id=payment_id
            )
            continue
        taken.append((payment_id, cents))
    return taken


def message_id(run: PaymentRun, sequence: int) -> str:
    """The MsgId of a run's ``sequence``-th file: ``EPP-BY-230330101500-12-1``.

    Banks refuse a MsgId they have seen (duplicate-submission check). The run's
    creation time keeps it unique even where run ids start again, as in a new
    database of the same payer.
    """
    prefix = run.program.spec.payment.end_to_end_prefix
    created = timezone.localtime(run.created_at).strftime("%y%m%d%H%M%S")
    land = run.land_id.removeprefix("DE-")
    value = f"{prefix}-{land}-{created}-{run.pk}-{sequence}"
    if not sepa.IDENTIFIER_PATTERN.fullmatch(value):
        raise sepa.SepaFileError(
            f"MsgId {value} is not 1-35 characters of [A-Za-z0-9-]"
        )
    return value


def _write_files(
    run: PaymentRun, claimed: _Claimed, out_dir: Path, written: list[Path]
) -> list[PaymentFile]:
    spec = run.program.spec
    payer = spec.lands[run.land_id].payer
    debtor = sepa.Debtor(name=payer.name, iban=payer.iban, bic=payer.bic)
    per_file = spec.payment.max_transactions_per_file
    created_at = timezone.localtime(clock.now())

    files = []
    for sequence, start in enumerate(range(0, len(claimed.ids), per_file), start=1):
        ids = claimed.ids[start : start + per_file]
        message = sepa.Message(
            message_id=message_id(run, sequence),
            created_at=created_at,
            initiating_party=payer.name,
            debtor=debtor,
            execution_date=run.execution_date,
            transaction_count=len(ids),
            total_cents=sum(claimed.amounts[start : start + per_file]),
        )
        path = out_dir / f"{message.message_id}.xml"
        summary = sepa.write_pain001(path, message, _transfers(run, ids[0], ids[-1]))
        written.append(path)

        payment_file = PaymentFile.objects.create(
            run=run,
            message_id=message.message_id,
            sequence=sequence,
            path=str(path.resolve()),
            sha256=summary.sha256,
            transaction_count=summary.transaction_count,
            total_cents=summary.total_cents,
        )
        PaymentRunItem.objects.filter(
            run=run, payment__id__range=(ids[0], ids[-1])
        ).update(file=payment_file)
        files.append(payment_file)
        log.info(
            "payment_file_written",
            run_id=run.pk,
            file_id=payment_file.pk,
            message_id=payment_file.message_id,
            transaction_count=payment_file.transaction_count,
            total_cents=payment_file.total_cents,
            sha256=payment_file.sha256,
        )
    return files


def _transfers(run: PaymentRun, first_id: int, last_id: int) -> Iterator[sepa.Transfer]:
    """The run's payments with ids from ``first_id`` to ``last_id`` as transfers."""
    payment_spec = run.program.spec.payment
    rows = (
        Payment.objects.filter(run_item__run=run, id__range=(first_id, last_id))
        .order_by("id")
        .values_list("end_to_end_id", "amount_cents", "creditor_name", "iban")
        .iterator(chunk_size=CLAIM_BATCH)
    )
    for reference, cents, name, iban in rows:
        yield sepa.Transfer(
            end_to_end_id=reference,
            amount_cents=cents,
            creditor_name=name,
            creditor_iban=iban,
            remittance=payment_spec.remittance_text(reference=reference),
        )


def _audit_run(run: PaymentRun, files: list[PaymentFile], actor: str) -> None:
    audit.record(
        actor,
        "payment_run_created",
        run,
        land=run.land_id,
        program=run.program.slug,
        execution_date=run.execution_date.isoformat(),
        payment_count=run.payment_count,
        total_cents=run.total_cents,
        files=[
            {
                "id": f.pk,
                "message_id": f.message_id,
                "transaction_count": f.transaction_count,
                "total_cents": f.total_cents,
                "sha256": f.sha256,
            }
            for f in files
        ],
    )


# --- release, cancellation and download ------------------------------------------


class RunRefused(Exception):
    """A payment run cannot be released, cancelled or downloaded as asked.

    The message names the run and the rule, never personal data.
    """


class ChecksumMismatch(RunRefused):
    """A payment file on disk is not the file that was prepared and checked."""


class FourEyesRefused(RunRefused):
    """The person who prepared a run tried to release it."""


def _locked_run(run: PaymentRun | int) -> PaymentRun:
    run_id = run.pk if isinstance(run, PaymentRun) else run
    return (
        PaymentRun.objects.select_for_update().select_related("program").get(pk=run_id)
    )


def release_run(run: PaymentRun | int, *, approver: str) -> PaymentRun:
    """Release a prepared run: the second pair of eyes. Its payments become ``sent``.

    Refuses a run that is not prepared, an approver who prepared it (four eyes)
    and files whose SHA-256 is no longer the one recorded at preparation. The
    caller checks that ``approver`` may release runs of this Land. A refused
    release is audited too.
    """
    try:
        return _release(run, approver)
    except RunRefused as refused:
        _audit_refusal(run, approver, "payment_run_release_refused", refused)
        raise


def _audit_refusal(run: PaymentRun | int, actor: str, action: str, refused) -> None:
    """Record a refused step after its transaction has been rolled back."""
    run_id = run.pk if isinstance(run, PaymentRun) else run
    stored = PaymentRun.objects.filter(pk=run_id).first()
    if stored is None:
        return
    audit.record(
        actor,
        action,
        stored,
        land=stored.land_id,
        status=stored.status,
        reason=type(refused).__name__,
    )


def _release(run: PaymentRun | int, approver: str) -> PaymentRun:
    with transaction.atomic():
        run = _locked_run(run)
        if run.status != PaymentRun.Status.PREPARED:
            raise RunRefused(f"payment run {run.pk} is {run.status}, not prepared")
        if not approver.strip():
            raise RunRefused("a release needs the approver's user name")
        if approver == run.created_by:
            raise FourEyesRefused(
                f"payment run {run.pk}: the person who prepared it cannot release it"
            )
        files = list(run.files.order_by("sequence"))
        for payment_file in files:
            _verify_file(payment_file)

        PaymentRun.objects.filter(pk=run.pk).update(
            status=PaymentRun.Status.RELEASED,
            released_by=approver,
            released_at=clock.now(),
        )
        sent = Payment.objects.filter(
            run_item__run=run, status=Payment.Status.IN_RUN
        ).update(status=Payment.Status.SENT)
        run.refresh_from_db()
        audit.record(
            approver,
            "payment_run_released",
            run,
            land=run.land_id,
            program=run.program.slug,
            prepared_by=run.created_by,
            payment_count=run.payment_count,
            total_cents=run.total_cents,
            payments_sent=sent,
            files=[{"id": f.pk, "sha256": f.sha256} for f in files],
        )
    log.info(
        "payment_run_released",
        run_id=run.pk,
        land=run.land_id,
        payment_count=run.payment_count,
        total_cents=run.total_cents,
    )
    return run


def cancel_run(run: PaymentRun | int, *, actor: str) -> PaymentRun:
    """Discard a prepared run: its payments go back to the next run, its files
    are deleted from disk, and the run stays on record as ``cancelled``."""
    with transaction.atomic():
        run = _locked_run(run)
        if run.status != PaymentRun.Status.PREPARED:
            raise RunRefused(f"payment run {run.pk} is {run.status}, not prepared")
        payment_ids = list(run.items.values_list("payment_id", flat=True))
        PaymentRunItem.objects.filter(run=run).delete()
        Payment.objects.filter(pk__in=payment_ids, status=Payment.Status.IN_RUN).update(
            status=Payment.Status.OPEN
        )
        paths = list(run.files.values_list("path", flat=True))
        PaymentRun.objects.filter(pk=run.pk).update(
            status=PaymentRun.Status.CANCELLED,
            cancelled_by=actor,
            cancelled_at=clock.now(),
        )
        run.refresh_from_db()
        audit.record(
            actor,
            "payment_run_cancelled",
            run,
            land=run.land_id,
            program=run.program.slug,
            payment_count=run.payment_count,
            total_cents=run.total_cents,
        )
        # Only once the database agrees: a file of a cancelled run must never go out.
        transaction.on_commit(lambda: _delete_files(paths))
    log.info(
        "payment_run_cancelled",
        run_id=run.pk,
        land=run.land_id,
        payment_count=run.payment_count,
    )
    return run


def _delete_files(paths: list[str]) -> None:
    for path in paths:
        Path(path).unlink(missing_ok=True)


@dataclass
class PaymentFileDownload:
    """A released run's file, checked, ready to hand to the bank or a browser."""

    name: str
    sha256: str
    size: int
    content: BinaryIO
    """A private copy of the file, positioned at its start; the caller closes it."""


def open_payment_file(payment_file: PaymentFile | int, *, actor: str):
    """The file of a released run for download, after checking its SHA-256.

    Refuses a file whose run is not released (RunRefused) and a file that differs
    from the one prepared (ChecksumMismatch). The content handed out is a copy
    taken while checking, so what is served is exactly what was checked. Every
    download is audited.
    """
    file_id = payment_file.pk if isinstance(payment_file, PaymentFile) else payment_file
    # Read afresh: the caller's objects may predate the release.
    payment_file = PaymentFile.objects.select_related("run").get(pk=file_id)
    run = payment_file.run
    if run.status != PaymentRun.Status.RELEASED:
        raise RunRefused(
            f"payment run {run.pk} is {run.status}: its files can be downloaded "
            "only after release"
        )

    copy = tempfile.TemporaryFile()
    try:
        digest, size = _copy_and_hash(payment_file, copy)
        if digest != payment_file.sha256:
            _report_mismatch(payment_file, actor)
        copy.seek(0)
    except ChecksumMismatch as refused:
        copy.close()
        _audit_refusal(run, actor, "payment_file_download_refused", refused)
        raise
    except BaseException:
        copy.close()
        raise

    audit.record(
        actor,
        "payment_file_downloaded",
        payment_file,
        land=run.land_id,
        run_id=run.pk,
        message_id=payment_file.message_id,
        sha256=digest,
    )
    log.info(
        "payment_file_downloaded",
        run_id=run.pk,
        file_id=payment_file.pk,
        message_id=payment_file.message_id,
    )
    return PaymentFileDownload(
        name=f"{payment_file.message_id}.xml", sha256=digest, size=size, content=copy
    )


def _copy_and_hash(payment_file: PaymentFile, target: BinaryIO) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    try:
        with open(payment_file.path, "rb") as source:
            while chunk := source.read(1 << 20):
                digest.update(chunk)
                target.write(chunk)
                size += len(chunk)
    except FileNotFoundError:
        _report_mismatch(payment_file, "", missing=True)
    return digest.hexdigest(), size


def _verify_file(payment_file: PaymentFile) -> None:
    digest = hashlib.sha256()
    try:
        with open(payment_file.path, "rb") as source:
            while chunk := source.read(1 << 20):
                digest.update(chunk)
    except FileNotFoundError:
        _report_mismatch(payment_file, "", missing=True)
    if digest.hexdigest() != payment_file.sha256:
        _report_mismatch(payment_file, "")


def _report_mismatch(payment_file: PaymentFile, actor: str, missing=False) -> None:
    log.error(
        "payment_file_checksum_mismatch",
        run_id=payment_file.run_id,
        file_id=payment_file.pk,
        message_id=payment_file.message_id,
        missing=missing,
    )
    what = "is missing" if missing else "does not match its recorded SHA-256"
    raise ChecksumMismatch(
        f"payment file {payment_file.message_id} of run {payment_file.run_id} {what}"
    )


# --- a new payment after a return ------------------------------------------------


class ReissueRefused(Exception):
    """No new payment can be made for this returned payment; ``reason`` says why."""

    def __init__(self, reason: str, message: str):
        self.reason = reason
        super().__init__(message)


@transaction.atomic
def reissue_payment(
    returned: Payment,
    *,
    account_holder: str,
    iban: str,
    actor: str,
    any_reason: bool = False,
) -> Payment:
    """A new open payment to a corrected account for a payment that came back.

    The new payment has the next attempt number and EndToEndId and goes into the
    next run; the old one stays ``returned`` or ``rejected``. Refuses a payment
    that has not come back, one already replaced, an application that has a live
    payment, and, unless ``any_reason`` (a clerk's decision after case handling),
    a reason a new account does not help with (MD07). Joins the caller's
    transaction, if any.
    """
    returned = Payment.objects.select_for_update().get(pk=returned.pk)
    _check_reissue(returned, any_reason)
    try:
        compact = IBAN(iban).compact
    except SchwiftyException:
        raise ReissueRefused(
            "iban_invalid", "the corrected IBAN is not valid"
        ) from None

    application = returned.application
    attempt = Payment.objects.filter(application=application).count() + 1
    try:
        with transaction.atomic():
            payment = Payment.objects.create(
                program_id=returned.program_id,
                application=application,
                land_id=returned.land_id,
                amount_cents=returned.amount_cents,
                creditor_name=account_holder,
                iban=compact,
                end_to_end_id=end_to_end_id(application, attempt),
                created_at=clock.now(),
                attempt=attempt,
                replaces=returned,
            )
    except IntegrityError:
        # A concurrent correction or decision created the live payment first.
        raise ReissueRefused(
            "payment_live", f"application {application.pk} has a live payment"
        ) from None

    audit.record(
        actor,
        "payment_reissued",
        payment,
        land=payment.land_id,
        application_id=application.pk,
        replaces=returned.pk,
        return_reason=returned.return_reason,
        attempt=attempt,
    )
    log.info(
        "payment_reissued",
        payment_id=payment.pk,
        replaces=returned.pk,
        application_id=application.pk,
        attempt=attempt,
    )
    return payment


def _check_reissue(returned: Payment, any_reason: bool) -> None:
    if not returned.has_ended:
        raise ReissueRefused("not_returned", f"payment {returned.pk} has not come back")
    if Payment.objects.filter(replaces=returned).exists():
        raise ReissueRefused(
            "already_corrected", f"payment {returned.pk} has been replaced already"
        )
    if not any_reason and not reasons.new_account_helps(returned.return_reason):
        raise ReissueRefused(
            "needs_case_handling",
            f"payment {returned.pk} came back for a reason a new account does not fix",
        )
    live = Payment.objects.filter(application_id=returned.application_id).exclude(
        status__in=Payment.ENDED
    )
    if live.exists():
        raise ReissueRefused(
            "payment_live", f"application {returned.application_id} has a live payment"
        )
