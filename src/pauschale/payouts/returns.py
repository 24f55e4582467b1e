"""Importing the bank's returns and rejects (Rückläufer) and what staff do with them.

``import_bank_file`` records every return or reject of a camt.054 or pain.002
file and matches it by EndToEndId to its payment:

- a payment that was sent becomes ``returned`` (camt.054) or ``rejected``
  (pain.002) with the reason code; the applicant is then asked for a corrected
  account on the status page if the reason allows it;
- a return that matches no payment is kept as ``unmatched``;
- a return for a payment that was not sent, or has come back already, is kept
  as ``flagged`` and changes nothing.

A file imported a second time (same SHA-256) changes nothing at all.
"""

import hashlib
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_noop

from pauschale.audit import services as audit
from pauschale.common import clock
from pauschale.common.log import get_logger
from pauschale.programs.models import Program

from . import reasons
from .bank_files import (
    CAMT_054,
    BankFileContent,
    BankFileError,
    Problem,
    ReportedReturn,
    read_bank_file,
)
from .models import BankFile, BankReturn, Payment, PaymentFile

log = get_logger(__name__)


@dataclass
class ImportResult:
    bank_file: BankFile
    created: bool
    """False if the same file had been imported before: nothing changed."""
    by_reason: dict[str, int] = field(default_factory=dict)
    """Applied returns per reason code."""


def import_bank_file(
    data: bytes, *, name: str, actor: str, land: str | None = None
) -> ImportResult:
    """Import one camt.054.001.08 or pain.002.001.10 file from the bank.

    With ``land`` (a clerk's own Land), a file about another Land's account or
    messages is refused. Raises BankFileError (file, line, field) for a file
    that is not valid; then nothing is stored.
    """
    name = Path(name).name or "bank-file.xml"
    digest = hashlib.sha256(data).hexdigest()
    existing = BankFile.objects.filter(sha256=digest).first()
    if existing is not None:
        return _repeated(existing, actor)

    content = read_bank_file(data, name)
    file_land = _land_of(content)
    if land is not None and file_land != land:
        message = gettext_noop(
            "the file is not about an account or payment run of %(detail)s"
        )
        raise BankFileError(name, [Problem(0, "", message, land)])

    path = _keep_copy(data, digest)
    try:
        with transaction.atomic():
            bank_file = BankFile.objects.create(
                kind=content.kind,
                sha256=digest,
                name=name[:255],
                path=str(path),
                message_id=content.message_id,
                created_at_bank=content.created_at,
                land_id=file_land,
                imported_at=clock.now(),
                imported_by=actor,
                other_count=content.other_entries,
            )
            by_reason = _record_returns(bank_file, content, file_land)
            _audit_import(bank_file, actor, by_reason)
    except IntegrityError:
        # The same file, imported at the same moment by someone else.
        existing = BankFile.objects.filter(sha256=digest).first()
        if existing is None:
            raise
        return _repeated(existing, actor)

    log.info(
        "bank_file_imported",
        bank_file_id=bank_file.pk,
        kind=bank_file.kind,
        land=bank_file.land_id,
        entries=bank_file.entry_count,
        applied=bank_file.applied_count,
        unmatched=bank_file.unmatched_count,
        flagged=bank_file.flagged_count,
    )
    return ImportResult(bank_file=bank_file, created=True, by_reason=by_reason)


def _repeated(bank_file: BankFile, actor: str) -> ImportResult:
    log.info("bank_file_import_repeated", bank_file_id=bank_file.pk)
    audit.record(
        actor,
        "bank_file_import_repeated",
        bank_file,
        land=bank_file.land_id or "",
        sha256=bank_file.sha256,
    )
    return ImportResult(bank_file=bank_file, created=False)


def _keep_copy(data: bytes, digest: str) -> Path:
    """The file as received, readable by the platform only (it holds names and IBANs)."""
    directory = Path(settings.PAUSCHALE_BANK_FILE_DIR)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = directory / f"{digest}.xml"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with open(fd, "wb") as out:
            out.write(data)
    return path.resolve()


def _land_of(content: BankFileContent) -> str | None:
    """The Land whose payer account (camt.054) or payment files (pain.002) the
    file is about; None if it names none we know or several."""
    if content.kind == CAMT_054:
        lands = {_payer_accounts().get(iban) for iban in content.account_ibans}
    else:
        lands = set(
            PaymentFile.objects.filter(
                message_id__in=content.original_message_ids
            ).values_list("run__land_id", flat=True)
        )
    lands.discard(None)
    return lands.pop() if len(lands) == 1 else None


def _payer_accounts() -> dict[str, str]:
    accounts = {}
    for program in Program.objects.all():
        for code, land in program.spec.lands.items():
            accounts[land.payer.iban.replace(" ", "")] = code
    return accounts


# --- matching ------------------------------------------------------------------------------


def _record_returns(
    bank_file: BankFile, content: BankFileContent, land: str | None
) -> dict[str, int]:
    reported = list(content.returns)
    for rejected in content.rejected_messages:
        reported += _expand_rejected_message(rejected, start=len(reported))

    payments = {
        p.end_to_end_id: p
        for p in Payment.objects.select_for_update().filter(
            end_to_end_id__in={r.end_to_end_id for r in reported if r.end_to_end_id}
        )
    }
    ended_status = (
        Payment.Status.RETURNED
        if bank_file.kind == BankFile.Kind.CAMT054
        else Payment.Status.REJECTED
    )
    now = clock.now()
    rows, applied, outcomes = [], Counter(), Counter()
    for entry in reported:
        payment = payments.get(entry.end_to_end_id)
        outcome, flag = _outcome(payment, land)
        if outcome == BankReturn.Outcome.APPLIED:
            payment.status = ended_status
            payment.return_reason = entry.reason_code
            payment.returned_at = now
            payment.save(update_fields=["status", "return_reason", "returned_at"])
            applied[entry.reason_code or "none"] += 1
            _warn_if_unknown(entry, bank_file)
        outcomes[outcome] += 1
        rows.append(_return_row(bank_file, entry, payment, outcome, flag))
    BankReturn.objects.bulk_create(rows, batch_size=2_000)

    bank_file.entry_count = len(rows)
    bank_file.applied_count = outcomes[BankReturn.Outcome.APPLIED]
    bank_file.unmatched_count = outcomes[BankReturn.Outcome.UNMATCHED]
    bank_file.flagged_count = outcomes[BankReturn.Outcome.FLAGGED]
    bank_file.save(
        update_fields=[
            "entry_count",
            "applied_count",
            "unmatched_count",
            "flagged_count",
        ]
    )
    return dict(sorted(applied.items()))


def _outcome(payment: Payment | None, land: str | None) -> tuple[str, str]:
    if payment is None:
        return BankReturn.Outcome.UNMATCHED, BankReturn.Flag.NONE
    if land is not None and payment.land_id != land:
        return BankReturn.Outcome.FLAGGED, BankReturn.Flag.OTHER_LAND
    if payment.status == Payment.Status.SENT:
        return BankReturn.Outcome.APPLIED, BankReturn.Flag.NONE
    if payment.has_ended:
        return BankReturn.Outcome.FLAGGED, BankReturn.Flag.ALREADY_RETURNED
    return BankReturn.Outcome.FLAGGED, BankReturn.Flag.NOT_SENT


def _expand_rejected_message(rejected, start: int) -> list[ReportedReturn]:
    """Every transfer of a message that the bank rejected as a whole."""
    references = Payment.objects.filter(
        run_item__file__message_id=rejected.message_id
    ).values_list("end_to_end_id", "amount_cents")
    expanded = [
        ReportedReturn(
            position=start + number,
            line=rejected.line,
            end_to_end_id=reference,
            reason_code=rejected.reason_code,
            amount_cents=cents,
        )
        for number, (reference, cents) in enumerate(references.order_by("id"), start=1)
    ]
    if not expanded:
        # A message we do not know: kept, so that staff see it.
        expanded.append(
            ReportedReturn(start + 1, rejected.line, "", rejected.reason_code)
        )
    return expanded


def _return_row(bank_file, entry: ReportedReturn, payment, outcome, flag) -> BankReturn:
    return BankReturn(
        bank_file=bank_file,
        position=entry.position,
        line=entry.line,
        end_to_end_id=entry.end_to_end_id[:35],
        reason_code=entry.reason_code,
        amount_cents=entry.amount_cents,
        booking_date=entry.booking_date,
        bank_reference=entry.bank_reference[:35],
        payment=payment,
        outcome=outcome,
        flag=flag,
    )


def _warn_if_unknown(entry: ReportedReturn, bank_file: BankFile) -> None:
    if not reasons.is_known(entry.reason_code):
        log.warning(
            "bank_return_reason_unknown",
            bank_file_id=bank_file.pk,
            position=entry.position,
            reason_code=entry.reason_code,
        )


def _audit_import(bank_file: BankFile, actor: str, by_reason: dict[str, int]) -> None:
    audit.record(
        actor,
        "bank_file_imported",
        bank_file,
        land=bank_file.land_id or "",
        kind=bank_file.kind,
        message_id=bank_file.message_id,
        sha256=bank_file.sha256,
        entries=bank_file.entry_count,
        applied=bank_file.applied_count,
        unmatched=bank_file.unmatched_count,
        flagged=bank_file.flagged_count,
        applied_by_reason=by_reason,
    )


# --- what staff look at and do ----------------------------------------------------------


def returns_to_check(lands: list[str] | None = None) -> QuerySet[BankReturn]:
    """Unmatched and flagged returns nobody has resolved yet, oldest first.

    ``lands`` limits them to files of those Länder (files whose Land is unknown
    are only listed without a limit, for operators).
    """
    pending = BankReturn.objects.filter(
        outcome__in=[BankReturn.Outcome.UNMATCHED, BankReturn.Outcome.FLAGGED],
        resolved_at__isnull=True,
    ).select_related("bank_file", "payment")
    if lands is not None:
        pending = pending.filter(
            Q(bank_file__land_id__in=lands) | Q(payment__land_id__in=lands)
        )
    return pending.order_by("bank_file__imported_at", "bank_file_id", "position")


def payments_for_case_handling(lands: list[str] | None = None) -> QuerySet[Payment]:
    """Payments that came back for a reason a new account does not fix (MD07,
    unknown codes, …) and have not been replaced: a clerk decides."""
    correctable = [c for c, r in reasons.REASONS.items() if r.new_account_helps]
    pending = Payment.objects.filter(
        status__in=Payment.ENDED, replacement__isnull=True
    ).exclude(return_reason__in=correctable)
    if lands is not None:
        pending = pending.filter(land_id__in=lands)
    return pending.order_by("returned_at", "id")


def payments_awaiting_new_account(lands: list[str] | None = None) -> QuerySet[Payment]:
    """Returned payments whose applicant has been asked for a corrected account."""
    correctable = [c for c, r in reasons.REASONS.items() if r.new_account_helps]
    pending = Payment.objects.filter(
        status__in=Payment.ENDED,
        replacement__isnull=True,
        return_reason__in=correctable,
    )
    if lands is not None:
        pending = pending.filter(land_id__in=lands)
    return pending.order_by("returned_at", "id")


def resolve_return(bank_return: BankReturn, *, actor: str, note: str) -> BankReturn:
    """Mark an unmatched or flagged return as dealt with by ``actor``.

    ``note`` is a short code of what was done (e.g. ``booked_elsewhere``), not
    free text: it goes into the audit trail.
    """
    if bank_return.outcome == BankReturn.Outcome.APPLIED:
        raise ValueError(
            f"bank return {bank_return.pk} was applied; nothing to resolve"
        )
    updated = BankReturn.objects.filter(
        pk=bank_return.pk, resolved_at__isnull=True
    ).update(resolved_at=clock.now(), resolved_by=actor)
    if not updated:
        raise ValueError(f"bank return {bank_return.pk} is resolved already")
    bank_return.refresh_from_db()
    audit.record(
        actor,
        "bank_return_resolved",
        bank_return,
        land=bank_return.bank_file.land_id or "",
        bank_file_id=bank_return.bank_file_id,
        outcome=bank_return.outcome,
        flag=bank_return.flag,
        note=note[:40],
    )
    return bank_return
