from django.db import models
from django.db.models import Q

from encrypted_fields.fields import EncryptedCharField, EncryptedDateField

from pauschale.programs.models import Program
from pauschale.registry.models import AccessCode, Land


class Application(models.Model):
    """An Antrag: what one applicant submitted with one access code.

    Personal data (names, birth date, account) is encrypted at rest; the keys used
    to find the same person again are keyed hashes.
    """

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "eingereicht"
        APPROVED = "approved", "bewilligt"
        REJECTED = "rejected", "abgelehnt"
        REFERRED = "referred", "zur Prüfung"

    class Channel(models.TextChoices):
        ONLINE = "online", "online"
        PAPER = "paper", "Papierantrag"

    program = models.ForeignKey(Program, on_delete=models.PROTECT)
    access_code = models.OneToOneField(
        AccessCode, on_delete=models.PROTECT, related_name="application"
    )
    land = models.ForeignKey(Land, on_delete=models.PROTECT)
    channel = models.CharField(
        max_length=10, choices=Channel.choices, default=Channel.ONLINE
    )
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.SUBMITTED
    )
    submitted_at = models.DateTimeField()

    subject_key = models.CharField(max_length=64, blank=True)
    """Keyed hash of the identity provider's subject (BundID bPK2); empty on paper."""
    person_key = models.CharField(max_length=64)
    """Keyed hash of folded family name, given names and birth date."""
    trust_level = models.PositiveSmallIntegerField()
    pin_verified = models.BooleanField(default=False)

    given_names = EncryptedCharField(max_length=200)
    family_name = EncryptedCharField(max_length=200)
    birth_date = EncryptedDateField()
    account_holder = EncryptedCharField(max_length=200)
    iban = EncryptedCharField(max_length=34)
    declarations = models.JSONField(default=list)
    """Ids of the declarations the applicant confirmed."""

    class Meta:
        indexes = [
            models.Index(fields=["program", "person_key"]),
            models.Index(fields=["program", "subject_key"]),
            models.Index(fields=["land", "status"]),
        ]
        constraints = [
            # One payment per person (EPPSG § 1): at most one approved application
            # per person and program, whichever key finds them.
            models.UniqueConstraint(
                fields=["program", "person_key"],
                condition=Q(status="approved"),
                name="one_approval_per_person_key",
            ),
            models.UniqueConstraint(
                fields=["program", "subject_key"],
                condition=Q(status="approved") & ~Q(subject_key=""),
                name="one_approval_per_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"application {self.pk}"


class EntryRefusal(models.Model):
    """One refused attempt to start an application (wrong code, Land or PIN).

    Holds no personal data and no code: only what went wrong, where and when, so
    that operators can see refusals per hour and spot guessing.
    """

    class Reason(models.TextChoices):
        UNKNOWN_CODE = "unknown_code", "Zugangscode unbekannt"
        CODE_REVOKED = "code_revoked", "Zugangscode gesperrt"
        WRONG_LAND = "wrong_land", "falsches Land"
        WINDOW_CLOSED = "window_closed", "Antragszeitraum geschlossen"
        PIN_MISSING = "pin_missing", "PIN fehlt"
        PIN_WRONG = "pin_wrong", "PIN falsch"
        PIN_LOCKED = "pin_locked", "PIN gesperrt"
        PIN_NOT_ISSUED = "pin_not_issued", "Anmeldung ohne PIN nicht ausreichend"
        OTHER_PERSON = "other_person", "Zugangscode von anderer Person eingelöst"

    program = models.ForeignKey(Program, on_delete=models.PROTECT)
    land = models.ForeignKey(Land, on_delete=models.PROTECT, null=True)
    reason = models.CharField(max_length=20, choices=Reason.choices)
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["program", "at"])]

    def __str__(self) -> str:
        return f"{self.reason} at {self.at:%Y-%m-%d %H:%M}"
