"""What the applications module hands on to the modules to its right."""

from django.dispatch import Signal

application_submitted = Signal()
"""Sent inside the submission's transaction; ``application`` and ``context``
(a ``SubmissionContext``) as keywords. The decisions module decides on it."""
