"""What the decisions module hands on to the modules to its right."""

from django.dispatch import Signal

decision_recorded = Signal()
"""Sent inside the transaction that stored a decision; ``decision`` as keyword.
The payouts module creates the payment of an approval."""
