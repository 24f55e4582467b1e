"""What the applicant reads when an entry is refused."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import EntryRefusal

Reason = EntryRefusal.Reason

REFUSAL_TEXTS = {
    Reason.UNKNOWN_CODE: _(
        "This access code is not valid. Please check it against the letter from your "
        "institution."
    ),
    Reason.CODE_REVOKED: _(
        "This access code has been revoked. Please ask your institution for a new one."
    ),
    Reason.WRONG_LAND: _(
        "This access code belongs to another federal state. Please choose the federal "
        "state of the institution that gave you the code."
    ),
    Reason.WINDOW_CLOSED: _(
        "Applications from this federal state are not accepted at the moment."
    ),
    Reason.PIN_MISSING: _(
        "You logged in with user name and password. Please also enter the PIN from "
        "your institution, or log in with your ID card or ELSTER certificate."
    ),
    # Only the PIN entry is locked: a login that needs no PIN (the eID always is
    # one) still opens the code (services.needs_pin).
    Reason.PIN_LOCKED: _(
        "The PIN entry for this access code is locked after too many wrong PINs. "
        "You can still apply with this access code if you log in to BundID with the "
        "online ID function of your ID card (eID) or with your ELSTER certificate. "
        "If you cannot, please contact your institution."
    ),
    Reason.PIN_NOT_ISSUED: _(
        "Your institution issued this access code without a PIN. A login with user "
        "name and password is therefore not enough: please log in with your ID card "
        "(eID) or your ELSTER certificate."
    ),
    Reason.OTHER_PERSON: _(
        "This access code has already been used by another person. If this was not "
        "you, please contact your institution."
    ),
}


def refusal_text(reason: str, attempts_left: int | None = None) -> str:
    if reason == Reason.PIN_WRONG:
        return ngettext(
            "The PIN is not correct. You have %(n)d more try.",
            "The PIN is not correct. You have %(n)d more tries.",
            attempts_left or 0,
        ) % {"n": attempts_left or 0}
    return str(REFUSAL_TEXTS[Reason(reason)])
