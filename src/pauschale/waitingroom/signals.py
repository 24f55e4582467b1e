"""Signals the waiting room listens to."""

from django.dispatch import Signal

saml_round_trip = Signal()
"""Sent by the identity module when a SAML response reaches its assertion
consumer service.

Keyword arguments: ``outcome`` (``"success"`` or ``"failure"``),
``failure_class`` (a short reason such as ``"signature"``, or None on success),
``latency`` (seconds from our AuthnRequest to this response, or None when the
session held no AuthnRequest) and ``program`` (the slug of the program whose
admission started the login, or None). The waiting room adapts the program's
admission rate to it; it carries nothing about the person.
"""
