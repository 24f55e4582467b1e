"""Importing the bank's returns and rejects (Rückläufer) and what staff do with them.

``import_bank_file`` records every return or reject of a camt.054 or pain.002
file and matches it by EndToEndId to its payment:

- a payment that was sent becomes ``returned`` (camt.054) or ``rejected``
  (pain.002) with the reason code; the applicant is then asked for a corrected
  account on the status page if the reason allows it;
- a return that matches no payment is kept as ``unmatched``;
- a return for a payment that was not sent, has come back already or belongs
  to another Land, or whose amount is not the payment's, is kept as
  ``flagged`` and changes nothing: a clerk looks at it.

A file must belong to one Land: a camt.054 about an account that is no payer
account, or a pain.002 about a message we did not send, is refused as a whole.
A file imported a second time (same SHA-256) changes nothing at all; another
file with the MsgId of one imported before (same Land and kind) is refused,
because a bank never sends two messages with one MsgId.
"""

import hashlib
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_noop

from pauschale.audit import services as audit
from pauschale.common import clock
from pauschale.common.log import get_logger
from pauschale.programs.models import Program

from . import reasons
from .bank_files import (
    CAMT_054,
    PAIN_002,
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
    by_flag: dict[str, int] = field(default_factory=dict)
    """Flagged returns per flag (``amount_differs``, ``other_land``, …)."""


def import_bank_file(
    data: bytes, *, name: str, actor: str, land: str | None = None
) -> ImportResult:
    """Import one camt.054.001.08 or pain.002.001.10 file from the bank.

    With ``land`` (a clerk's own Land), a file about another Land's account or
    messages is refused. Raises BankFileError (file, line, field) for a file
    that is not valid, that belongs to no Land or to several, or whose MsgId
    came before in another file; then nothing is stored.
    """
    name = Path(name).name or "bank-file.xml"
    digest = hashlib.sha256(data).hexdigest()
    existing = BankFile.objects.filter(sha256=digest).first()
    if existing is not None:
        _refuse_other_land(name, existing.land_id, land)
        return _repeated(existing, actor)

    content = read_bank_file(data, name)
    file_land = _land_of(content, name)
    _refuse_other_land(name, file_land, land)
    _refuse_reused_message_id(content, file_land, name)

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
            by_reason, by_flag = _record_returns(bank_file, content, file_land)
            _audit_import(bank_file, actor, by_reason, by_flag)
    except IntegrityError:
        # The same file, or another with its MsgId, imported at the same
        # moment by someone else.
        existing = BankFile.objects.filter(sha256=digest).first()
        if existing is None:
            path.unlink(missing_ok=True)
            _refuse_reused_message_id(content, file_land, name)
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
    return ImportResult(
        bank_file=bank_file, created=True, by_reason=by_reason, by_flag=by_flag
    )


def _refuse_other_land(name: str, file_land: str | None, land: str | None) -> None:
    """With ``land`` (a clerk's own), refuse a file of another Land, whether it
    is new or was imported before by that Land's staff."""
    if land is not None and file_land != land:
        message = gettext_noop(
            "the file is not about an account or payment run of %(detail)s"
        )
        raise BankFileError(name, [Problem(0, "", message, land)])


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


def _land_of(content: BankFileContent, name: str) -> str:
    """The Land whose payer account (camt.054) or payment files (pain.002) the
    file is about.

    Raises BankFileError for a camt.054 that names an account which is no
    payer account (by its line; that IBAN may be anyone's), for a pain.002
    about a message we did not send, and for a file about several Länder.
    """
    if content.kind == CAMT_054:
        lands = _lands_of_accounts(content, name)
    else:
        lands = set(
            PaymentFile.objects.filter(
                message_id__in=content.original_message_ids
            ).values_list("run__land_id", flat=True)
        )
    if not lands and content.kind == PAIN_002:
        log.warning("bank_file_refused", kind=content.kind, reason="unknown_message")
        message = gettext_noop(
            "the report is about the message %(detail)s, which is no payment file "
            "of this platform"
        )
        where = "CstmrPmtStsRpt/OrgnlGrpInfAndSts/OrgnlMsgId"
        detail = ", ".join(sorted(content.original_message_ids))
        problem = Problem(content.original_message_line, where, message, detail)
        raise BankFileError(name, [problem])
    if len(lands) > 1:
        log.warning("bank_file_refused", kind=content.kind, reason="several_lands")
        message = gettext_noop(
            "the file is about more than one Land (%(detail)s); the bank sends "
            "one file per payer account"
        )
        raise BankFileError(name, [Problem(0, "", message, ", ".join(sorted(lands)))])
    return lands.pop()


def _lands_of_accounts(content: BankFileContent, name: str) -> set[str]:
    """The Länder of the accounts a camt.054 names; refused if one is no payer
    account (such a file's returns could be applied to no Land's payments)."""
    payer_accounts = _payer_accounts()
    lands, problems = set(), []
    for account in content.accounts:
        land = payer_accounts.get(account.iban)
        if land is not None:
            lands.add(land)
            continue
        message = gettext_noop(
            "the account is no payer account of a Land; only files of a payer "
            "account are imported"
        )
        where = "BkToCstmrDbtCdtNtfctn/Ntfctn/Acct"
        problems.append(Problem(account.line, where, message))
    if problems:
        log.warning("bank_file_refused", kind=content.kind, reason="not_payer_account")
        raise BankFileError(name, problems)
    return lands


def _refuse_reused_message_id(content: BankFileContent, land: str, name: str) -> None:
    """A bank never sends two different messages with one MsgId: a second file
    with the MsgId of an imported one (same Land and kind) is refused whole."""
    earlier = BankFile.objects.filter(
        land_id=land, kind=content.kind, message_id=content.message_id
    ).first()
    if earlier is None:
        return
    log.warning(
        "bank_file_refused",
        kind=content.kind,
        land=land,
        reason="message_id_reused",
        message_id=content.message_id,
        earlier_bank_file_id=earlier.pk,
    )
    message = gettext_noop(
        "the message id %(detail)s came before in another file (bank file "
        "%(bank_file)s, imported %(imported_at)s); a bank never sends two "
        "messages with one id, so nothing of this file was imported"
    )
    imported_at = timezone.localtime(earlier.imported_at)
    values = {
        "bank_file": str(earlier.pk),
        "imported_at": imported_at.strftime("%Y-%m-%d %H:%M"),
    }
    problem = Problem(0, "GrpHdr/MsgId", message, content.message_id, values)
    raise BankFileError(name, [problem])


def _payer_accounts() -> dict[str, str]:
    accounts = {}
    for program in Program.objects.all():
        for code, land in program.spec.lands.items():
            accounts[land.payer.iban.replace(" ", "")] = code
    return accounts


# --- matching ------------------------------------------------------------------------------


def _record_returns(
    bank_file: BankFile, content: BankFileContent, land: str
) -> tuple[dict[str, int], dict[str, int]]:
    """Store every return of the file and apply those that match a sent
    payment; the applied ones per reason code and the flagged ones per flag."""
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
    rows, applied, flagged, outcomes = [], Counter(), Counter(), Counter()
    for entry in reported:
        payment = payments.get(entry.end_to_end_id)
        outcome, flag = _outcome(entry, payment, land, bank_file.kind)
        if outcome == BankReturn.Outcome.APPLIED:
            payment.status = ended_status
            payment.return_reason = entry.reason_code
            payment.returned_at = now
            payment.save(update_fields=["status", "return_reason", "returned_at"])
            applied[entry.reason_code or "none"] += 1
            _warn_if_unknown(entry, bank_file)
        elif outcome == BankReturn.Outcome.FLAGGED:
            flagged[flag] += 1
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
    return dict(sorted(applied.items())), dict(sorted(flagged.items()))


def _outcome(
    entry: ReportedReturn, payment: Payment | None, land: str, kind: str
) -> tuple[str, str]:
    if payment is None:
        return BankReturn.Outcome.UNMATCHED, BankReturn.Flag.NONE
    if payment.land_id != land:
        return BankReturn.Outcome.FLAGGED, BankReturn.Flag.OTHER_LAND
    if payment.status == Payment.Status.SENT:
        if not _amount_agrees(entry, payment, kind):
            return BankReturn.Outcome.FLAGGED, BankReturn.Flag.AMOUNT_DIFFERS
        return BankReturn.Outcome.APPLIED, BankReturn.Flag.NONE
    if payment.has_ended:
        return BankReturn.Outcome.FLAGGED, BankReturn.Flag.ALREADY_RETURNED
    return BankReturn.Outcome.FLAGGED, BankReturn.Flag.NOT_SENT


def _amount_agrees(entry: ReportedReturn, payment: Payment, kind: str) -> bool:
    """Money that comes back in another amount than was paid is a case for a
    person, not a return. A pain.002 may leave the amount out (nothing was
    paid); a camt.054 return whose amount cannot be told is checked by a person."""
    if entry.amount_cents is None:
        return kind == BankFile.Kind.PAIN002
    return entry.amount_cents == payment.amount_cents


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


def _audit_import(
    bank_file: BankFile,
    actor: str,
    by_reason: dict[str, int],
    by_flag: dict[str, int],
) -> None:
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
        flagged_by_flag=by_flag,
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
