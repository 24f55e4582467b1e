from django.db import models

from encrypted_fields.fields import EncryptedTextField

from pauschale.applications.models import Application


class Decision(models.Model):
    """The Bescheid on one application, with the reasons that led to it."""

    class Outcome(models.TextChoices):
        APPROVED = "approved", "bewilligt"
        REJECTED = "rejected", "abgelehnt"
        REFERRED = "referred", "zur Prüfung"
        """The rules found only reasons that a person must weigh (program TOML,
        ``review.refer``); a clerk of the Land authority decides."""

    application = models.OneToOneField(
        Application, on_delete=models.PROTECT, related_name="decision"
    )
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    reasons = models.JSONField(default=list)
    """Machine-readable reason codes (``ReasonCode``) of every rule that failed."""
    decided_at = models.DateTimeField()
    decided_by = models.CharField(max_length=150, default="rules")
    """``rules`` for the automatic decision, else the staff member's user name."""
    amount_cents = models.PositiveIntegerField(default=0)
    program_sha256 = models.CharField(max_length=64)
    """Version of the program definition the rules ran against."""
    referral_reasons = models.JSONField(default=list)
    """The reasons for which the rules referred the application, once a clerk
    has decided it; empty for decisions the rules took alone."""
    note = EncryptedTextField(null=True, blank=True)
    """The clerk's reasoning on a referred application (may name the person)."""

    class Meta:
        indexes = [models.Index(fields=["outcome", "decided_at"])]

    def __str__(self) -> str:
        return f"decision {self.pk} ({self.outcome})"
