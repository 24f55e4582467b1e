"""Why a bank sent a transfer back: ISO 20022 return and reject reason codes.

Meanings follow the ISO external code set and the EPC's SCT guidance
(REFERENCE.md §2.6), said in words an applicant and a clerk understand. Each
code also says whether a new account can help: then the applicant is asked for
one on the status page; otherwise the return goes to case handling (MD07, a
deceased account holder, above all).
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class ReturnReason:
    code: str
    text: Promise
    """What happened, for the applicant and for staff (English msgid, German first)."""
    new_account_helps: bool
    """True if the applicant may give a corrected account for a new payment."""


def _reason(code: str, text: Promise, new_account_helps: bool) -> ReturnReason:
    return ReturnReason(code, text, new_account_helps)


REASONS: dict[str, ReturnReason] = {
    r.code: r
    for r in (
        _reason("AC01", _("The IBAN is wrong or the account does not exist."), True),
        _reason("AC03", _("The account of the recipient is wrong."), True),
        _reason("AC04", _("The account has been closed."), True),
        _reason("AC06", _("The account is blocked."), True),
        _reason("AC13", _("Transfers to this type of account are not possible."), True),
        _reason(
            "AG01",
            _(
                "Transfers to this kind of account are not allowed (e.g. a savings account)."
            ),
            True,
        ),
        _reason("AG02", _("The bank could not process the transfer."), False),
        _reason("AM05", _("The transfer was made twice."), False),
        _reason("BE04", _("The address of the recipient is missing or wrong."), False),
        _reason(
            "CNOR", _("The bank of this account cannot receive SEPA transfers."), True
        ),
        _reason("DNOR", _("The paying bank could not be reached."), False),
        _reason("FF01", _("The payment file was not in a valid format."), False),
        _reason("FOCR", _("The transfer was returned after a recall."), False),
        _reason(
            "FRAD", _("The transfer was returned because of suspected fraud."), False
        ),
        _reason("MD07", _("The account holder has died."), False),
        _reason(
            "MS02",
            _("The recipient refused the transfer without giving a reason."),
            True,
        ),
        _reason(
            "MS03", _("The bank returned the transfer without giving a reason."), True
        ),
        _reason("RC01", _("The bank identifier (BIC) of the account is wrong."), True),
        _reason(
            "RR01", _("Regulatory information about the account is missing."), False
        ),
        _reason(
            "RR02", _("Regulatory information about the recipient is missing."), False
        ),
        _reason(
            "RR03", _("Regulatory information about the recipient is missing."), False
        ),
        _reason("RR04", _("The transfer was returned for regulatory reasons."), False),
        _reason("TM01", _("The transfer reached the bank too late."), False),
    )
}

NO_REASON = ReturnReason("", _("The bank gave no reason."), False)


def reason(code: str) -> ReturnReason:
    """The known reason for ``code``; an unknown code is kept and goes to staff."""
    code = (code or "").strip().upper()
    if not code:
        return NO_REASON
    known = REASONS.get(code)
    if known is not None:
        return known
    return ReturnReason(
        code, _("The bank gave a reason that needs to be checked by staff."), False
    )


def is_known(code: str) -> bool:
    return (code or "").strip().upper() in REASONS


def new_account_helps(code: str) -> bool:
    return reason(code).new_account_helps
