"""What the payouts module does when the modules to its left hand something on."""

from .services import create_payment


def on_decision_recorded(sender, *, decision, **kwargs) -> None:
    """An approval yields its payment, in the transaction that stored the decision."""
    create_payment(decision)
