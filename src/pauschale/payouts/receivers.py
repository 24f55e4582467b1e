"""What the payouts module does when the modules to its left hand something on."""

from pauschale.applications.corrections import CorrectionRefused

from .services import ReissueRefused, create_payment, reissue_payment


def on_decision_recorded(sender, *, decision, **kwargs) -> None:
    """An approval yields its payment, in the transaction that stored the decision."""
    create_payment(decision)


def on_account_corrected(sender, *, application, payment, **kwargs):
    """A corrected account yields a new payment for the next run, in the same
    transaction; the returned payment stays as it is."""
    try:
        return reissue_payment(
            payment,
            account_holder=application.account_holder,
            iban=application.iban,
            actor="applicant",
        )
    except ReissueRefused as refused:
        raise CorrectionRefused(refused.reason) from None
