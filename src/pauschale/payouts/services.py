"""Domain actions of the payouts module: payments on approval, payment runs."""

from array import array
from collections.abc import Iterable, Iterator
from datetime import date
from itertools import islice
from pathlib import Path

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

from . import sepa
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
        status=Payment.Status.RETURNED
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
    """The MsgId of a run's ``sequence``-th file: ``EPP-BY-12-1``."""
    prefix = run.program.spec.payment.end_to_end_prefix
    value = f"{prefix}-{run.land_id.removeprefix('DE-')}-{run.pk}-{sequence}"
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
    remittance = run.program.spec.payment.remittance
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
            remittance=remittance.replace("{reference}", reference),
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
