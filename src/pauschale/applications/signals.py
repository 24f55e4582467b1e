"""What the applications module hands on to the modules to its right."""

from django.dispatch import Signal

application_submitted = Signal()
"""Sent inside the submission's transaction; ``application`` and ``context``
(a ``SubmissionContext``) as keywords. The decisions module decides on it."""

account_corrected = Signal()
"""Sent inside the transaction that stored an applicant's corrected bank account;
``application`` and ``payment`` (the returned payment it corrects) as keywords.
The payouts module makes the new payment, or raises ``CorrectionRefused``."""
