"""Reason codes of decisions and refusals, each with a sentence for the applicant."""

from enum import StrEnum

from django.utils.translation import gettext_lazy as _


class ReasonCode(StrEnum):
    """Why an application was rejected; stored in ``Decision.reasons``."""

    CODE_REVOKED = "code_revoked"
    """The access code was revoked by its institution."""
    CODE_WRONG_LAND = "code_wrong_land"
    """The code was issued in another Land than the one chosen."""
    WINDOW_CLOSED = "window_closed"
    """The application window of the Land was not open on the day of submission."""
    PIN_REQUIRED = "pin_required"
    """A login below the required trust level without a verified PIN."""
    DUPLICATE_PERSON = "duplicate_person"
    """The person already has an approved application under another code."""
    IDENTITY_MISMATCH = "identity_mismatch"
    """The institution named another person for this code."""
    IBAN_INVALID = "iban_invalid"
    """The IBAN fails its check digits or its national format."""
    IBAN_NOT_SEPA = "iban_not_sepa"
    """The account is outside the SEPA area."""
    DECLARATION_MISSING = "declaration_missing"
    """A declaration the program requires was not confirmed."""


REASON_TEXTS = {
    ReasonCode.CODE_REVOKED: _(
        "Your access code was revoked by your institution. Please contact your "
        "university or school."
    ),
    ReasonCode.CODE_WRONG_LAND: _(
        "Your access code was issued in another federal state than the one you chose."
    ),
    ReasonCode.WINDOW_CLOSED: _(
        "Applications from your federal state were not accepted on the day you "
        "submitted yours."
    ),
    ReasonCode.PIN_REQUIRED: _(
        "With a login by user name and password you also need the PIN from your "
        "institution; alternatively log in with your ID card or ELSTER certificate."
    ),
    ReasonCode.DUPLICATE_PERSON: _(
        "You have already been granted the payment with another access code. The "
        "law grants it once per person."
    ),
    ReasonCode.IDENTITY_MISMATCH: _(
        "Your institution issued this access code to another person."
    ),
    ReasonCode.IBAN_INVALID: _("The IBAN you gave is not valid."),
    ReasonCode.IBAN_NOT_SEPA: _(
        "The payment can only be made to an account in the SEPA area."
    ),
    ReasonCode.DECLARATION_MISSING: _("Not all required declarations were confirmed."),
}


REASON_LABELS = {
    ReasonCode.CODE_REVOKED: _("code revoked"),
    ReasonCode.CODE_WRONG_LAND: _("code of another Land"),
    ReasonCode.WINDOW_CLOSED: _("outside the application window"),
    ReasonCode.PIN_REQUIRED: _("PIN missing"),
    ReasonCode.DUPLICATE_PERSON: _("already paid under another code"),
    ReasonCode.IDENTITY_MISMATCH: _("issued to another person"),
    ReasonCode.IBAN_INVALID: _("IBAN invalid"),
    ReasonCode.IBAN_NOT_SEPA: _("account outside SEPA"),
    ReasonCode.DECLARATION_MISSING: _("declaration missing"),
}
"""Short names for staff pages and charts."""


def reason_text(code: str) -> str:
    return str(REASON_TEXTS[ReasonCode(code)])


def reason_label(code: str) -> str:
    return str(REASON_LABELS[ReasonCode(code)])
