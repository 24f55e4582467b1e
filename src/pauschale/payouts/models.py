from django.db import models
from django.db.models import Q

from encrypted_fields.fields import EncryptedCharField

from pauschale.applications.models import Application
from pauschale.programs.models import Program
from pauschale.registry.models import Land


class Payment(models.Model):
    """An Auszahlung: one transfer to one applicant.

    A transfer that the bank sends back stays as it is (status ``returned``); the
    corrected account gets a new payment with a new EndToEndId.
    """

    class Status(models.TextChoices):
        OPEN = "open", "offen"
        IN_RUN = "in_run", "im Zahllauf"
        RETURNED = "returned", "zurückgekommen"

    program = models.ForeignKey(Program, on_delete=models.PROTECT)
    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="payments"
    )
    land = models.ForeignKey(Land, on_delete=models.PROTECT)
    amount_cents = models.PositiveIntegerField()
    creditor_name = EncryptedCharField(max_length=200)
    iban = EncryptedCharField(max_length=34)
    end_to_end_id = models.CharField(max_length=35, unique=True)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.OPEN
    )
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["land", "status"])]
        constraints = [
            # Pay exactly once: an application has at most one payment that is
            # not a returned one.
            models.UniqueConstraint(
                fields=["application"],
                condition=~Q(status="returned"),
                name="one_live_payment_per_application",
            ),
            models.CheckConstraint(
                condition=Q(amount_cents__gt=0), name="payment_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.end_to_end_id


class PaymentRun(models.Model):
    """A Zahllauf: the open payments of one Land, written to pain.001 files."""

    class Status(models.TextChoices):
        PREPARED = "prepared", "vorbereitet"
        RELEASED = "released", "freigegeben"

    program = models.ForeignKey(Program, on_delete=models.PROTECT)
    land = models.ForeignKey(Land, on_delete=models.PROTECT)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PREPARED
    )
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=150)
    execution_date = models.DateField()
    payment_count = models.PositiveIntegerField(default=0)
    total_cents = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"payment run {self.pk} ({self.land_id})"


class PaymentRunItem(models.Model):
    """Puts one payment into one run. The unique payment column is the database's
    guarantee that no payment is ever in two runs."""

    run = models.ForeignKey(PaymentRun, on_delete=models.PROTECT, related_name="items")
    payment = models.OneToOneField(
        Payment, on_delete=models.PROTECT, related_name="run_item"
    )
    file = models.ForeignKey(
        "PaymentFile", on_delete=models.PROTECT, null=True, related_name="items"
    )

    def __str__(self) -> str:
        return f"payment {self.payment_id} in run {self.run_id}"


class PaymentFile(models.Model):
    """One pain.001.001.09 message of a run (at most the program's file limit)."""

    run = models.ForeignKey(PaymentRun, on_delete=models.PROTECT, related_name="files")
    message_id = models.CharField(max_length=35, unique=True)
    sequence = models.PositiveIntegerField()
    path = models.CharField(max_length=500)
    sha256 = models.CharField(max_length=64)
    transaction_count = models.PositiveIntegerField()
    total_cents = models.PositiveBigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["run", "sequence"], name="file_sequence_per_run"
            )
        ]

    def __str__(self) -> str:
        return self.message_id
