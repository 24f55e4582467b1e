"""Signals of the identity module."""

from django.dispatch import Signal

saml_round_trip = Signal()
"""Sent when a SAML response reaches the assertion consumer service.

Keyword arguments: ``outcome`` (``"success"`` or ``"failure"``),
``failure_class`` (a short reason such as ``"signature"``, or None on success)
and ``latency`` (seconds from our AuthnRequest to this response, or None when
the session held no AuthnRequest). The waiting room adapts its admission rate
to it; it carries nothing about the person.
"""
