"""The applicant's corrected bank account after the bank sent the payment back.

The status page asks for it when the latest payment came back for a reason a
new account helps with (the payment says so: ``accepts_new_account``). The
account is stored on the application and handed to the payouts module through
``account_corrected``, which makes the new payment in the same transaction.
"""

from django.db import transaction

from pauschale.common.log import get_logger

from .models import Application
from .signals import account_corrected

log = get_logger(__name__)


class CorrectionRefused(Exception):
    """No corrected account can be taken now; ``reason`` says why. No input values."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


def payment_to_correct(application: Application):
    """The application's latest payment if it waits for a corrected account."""
    payment = application.payments.order_by("-pk").first()
    if payment is not None and payment.accepts_new_account:
        return payment
    return None


@transaction.atomic
def correct_account(application: Application, *, account_holder: str, iban: str):
    """Store the corrected account and have the payment made again.

    Raises CorrectionRefused if the latest payment does not wait for one (none
    came back, it was corrected already, or the reason needs case handling).
    Returns the new payment.
    """
    application = Application.objects.select_for_update().get(pk=application.pk)
    payment = payment_to_correct(application)
    if payment is None:
        raise CorrectionRefused("no_payment_to_correct")

    application.account_holder = account_holder
    application.iban = iban
    application.save(update_fields=["account_holder", "iban"])
    replies = account_corrected.send(
        sender=Application, application=application, payment=payment
    )
    log.info("account_corrected", application_id=application.pk, payment_id=payment.pk)
    new_payments = [reply for _receiver, reply in replies if reply is not None]
    return new_payments[0] if new_payments else None
