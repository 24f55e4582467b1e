from django.db import models
from django.db.models import F, Q

from encrypted_fields.fields import EncryptedCharField

from pauschale.applications.models import Application
from pauschale.programs.models import Program
from pauschale.registry.models import Land

from . import reasons


class FrozenError(Exception):
    """A released payment run, its items and files, or a paid-out payment's
    amount and account, cannot change."""


class Payment(models.Model):
    """An Auszahlung: one transfer to one applicant.

    A transfer that the bank sends back stays as it is (status ``returned`` or
    ``rejected``); a corrected account gets a new payment with the next attempt
    number in a new EndToEndId, linked through ``replaces``.
    """

    class Status(models.TextChoices):
        OPEN = "open", "offen"
        """Waits for the next payment run."""
        IN_RUN = "in_run", "im Zahllauf"
        """In a prepared run whose files are written, not yet released."""
        SENT = "sent", "freigegeben"
        """In a released run: its file may go to the bank."""
        RETURNED = "returned", "zurückgekommen"
        """The bank sent the money back (camt.054); ``return_reason`` says why."""
        REJECTED = "rejected", "von der Bank abgelehnt"
        """The bank did not execute it (pain.002 RJCT); ``return_reason`` says why."""

    ENDED = (Status.RETURNED, Status.REJECTED)
    """Statuses of a payment that will not pay: the application may get another."""

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
    attempt = models.PositiveSmallIntegerField(default=1)
    """1 for the payment of the decision, 2 for the first corrected account, …"""
    replaces = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replacement",
    )
    """The returned payment whose account this one corrects; one correction each."""
    return_reason = models.CharField(max_length=4, blank=True)
    """ISO reason code of the return or reject (AC01, MD07, …)."""
    returned_at = models.DateTimeField(null=True, blank=True)

    # Fields that may still change once a payment is in a run.
    MUTABLE_AFTER_RUN = frozenset({"status", "return_reason", "returned_at"})

    class Meta:
        indexes = [models.Index(fields=["land", "status"])]
        constraints = [
            # Pay exactly once: an application has at most one payment that did
            # not come back.
            models.UniqueConstraint(
                fields=["application"],
                condition=~Q(status__in=["returned", "rejected"]),
                name="one_live_payment_per_application",
            ),
            models.CheckConstraint(
                condition=Q(amount_cents__gt=0), name="payment_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.end_to_end_id

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        changes_only_status = update_fields is not None and set(update_fields) <= (
            self.MUTABLE_AFTER_RUN
        )
        if self.pk is not None and not changes_only_status:
            stored = Payment.objects.filter(pk=self.pk).values_list("status", flat=True)
            if stored.first() not in (None, self.Status.OPEN):
                raise FrozenError(
                    f"payment {self.pk} is in a run: only its status may change"
                )
        super().save(*args, **kwargs)

    @property
    def has_ended(self) -> bool:
        return self.status in self.ENDED

    @property
    def reason(self) -> reasons.ReturnReason | None:
        """Why the bank sent it back, or None while it has not come back."""
        return reasons.reason(self.return_reason) if self.has_ended else None

    @property
    def accepts_new_account(self) -> bool:
        """True if the applicant may give a corrected account for this payment:
        it came back for a reason a new account helps with, and nothing has
        replaced it yet."""
        if not self.has_ended or not reasons.new_account_helps(self.return_reason):
            return False
        return not Payment.objects.filter(replaces=self).exists()


class PaymentRun(models.Model):
    """A Zahllauf: the open payments of one Land, written to pain.001 files.

    Prepared by one staff member, released by another (four eyes); only a
    released run's files may be downloaded and sent. A released or cancelled
    run, its items and its files never change: ``save`` refuses, and database
    triggers refuse what bypasses ``save`` (migration 0002).
    """

    class Status(models.TextChoices):
        PREPARED = "prepared", "vorbereitet"
        """Files written and checked; waiting for a second person's release."""
        RELEASED = "released", "freigegeben"
        """Released by a second person; the files may go to the bank."""
        CANCELLED = "cancelled", "verworfen"
        """Not released; its payments went back to the next run."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT)
    land = models.ForeignKey(Land, on_delete=models.PROTECT)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PREPARED
    )
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=150)
    """User name of whoever prepared the run."""
    execution_date = models.DateField()
    payment_count = models.PositiveIntegerField(default=0)
    total_cents = models.PositiveBigIntegerField(default=0)
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.CharField(max_length=150, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.CharField(max_length=150, blank=True)

    class Meta:
        permissions = [
            ("prepare_paymentrun", "Can prepare payment runs"),
            ("release_paymentrun", "Can release payment runs"),
        ]
        constraints = [
            # Four eyes: a released run names a releaser who is not its preparer.
            models.CheckConstraint(
                condition=~Q(status="released")
                | (
                    Q(released_at__isnull=False)
                    & ~Q(released_by="")
                    & ~Q(released_by=F("created_by"))
                ),
                name="payment_run_released_by_a_second_person",
            ),
        ]

    def __str__(self) -> str:
        return f"payment run {self.pk} ({self.land_id})"

    def save(self, *args, **kwargs):
        if self.pk is not None and _run_is_frozen(self.pk):
            raise FrozenError(f"payment run {self.pk} is {self.status}")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.pk is not None and _run_is_frozen(self.pk):
            raise FrozenError(f"payment run {self.pk} is {self.status}")
        return super().delete(*args, **kwargs)

    @property
    def is_frozen(self) -> bool:
        return self.status != self.Status.PREPARED


def _run_is_frozen(run_id: int) -> bool:
    return (
        PaymentRun.objects.filter(pk=run_id)
        .exclude(status=PaymentRun.Status.PREPARED)
        .exists()
    )


class _PartOfRun(models.Model):
    """Rows that belong to one run and freeze with it."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self._refuse_if_frozen()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self._refuse_if_frozen()
        return super().delete(*args, **kwargs)

    def _refuse_if_frozen(self) -> None:
        if self.run_id is not None and _run_is_frozen(self.run_id):
            raise FrozenError(f"payment run {self.run_id} cannot change")


class PaymentRunItem(_PartOfRun):
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


class PaymentFile(_PartOfRun):
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


class BankFile(models.Model):
    """A file the bank sent back: camt.054 (returns) or pain.002 (status report).

    Imported once: the SHA-256 of its content is unique, so a second import of
    the same file finds this row and changes nothing. Its MsgId is unique per
    Land and kind: a bank never sends two different messages with one MsgId.
    """

    class Kind(models.TextChoices):
        CAMT054 = "camt.054", "camt.054 (Rückläufer)"
        PAIN002 = "pain.002", "pain.002 (Statusbericht)"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    sha256 = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=255)
    """The file name as delivered or uploaded."""
    path = models.CharField(max_length=500)
    """Where the platform keeps its copy of the file."""
    message_id = models.CharField(max_length=35)
    created_at_bank = models.DateTimeField(null=True, blank=True)
    land = models.ForeignKey(Land, on_delete=models.PROTECT, null=True, blank=True)
    """The Land whose payer account the file is about, when the file says so."""
    imported_at = models.DateTimeField()
    imported_by = models.CharField(max_length=150)
    entry_count = models.PositiveIntegerField(default=0)
    """Returns or rejects found in the file."""
    applied_count = models.PositiveIntegerField(default=0)
    unmatched_count = models.PositiveIntegerField(default=0)
    flagged_count = models.PositiveIntegerField(default=0)
    other_count = models.PositiveIntegerField(default=0)
    """Entries that are no return or reject (e.g. the run's own debit), not used."""

    class Meta:
        indexes = [models.Index(fields=["land", "imported_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["land", "kind", "message_id"],
                name="one_bank_message_id_per_land_and_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.message_id}"


class BankReturn(models.Model):
    """A Rückläufer: one transfer the bank returned or rejected, as the file says.

    Every return or reject of a file is kept, whether it matched a payment or
    not; ``outcome`` says what the import did with it.
    """

    class Outcome(models.TextChoices):
        APPLIED = "applied", "zugeordnet"
        """Matched a sent payment, which is now returned or rejected."""
        UNMATCHED = "unmatched", "nicht zuzuordnen"
        """No payment has this EndToEndId."""
        FLAGGED = "flagged", "zu prüfen"
        """Matched a payment but not applied; ``flag`` says why."""

    class Flag(models.TextChoices):
        NONE = "", "—"
        NOT_SENT = "not_sent", "Zahlung war nicht freigegeben"
        ALREADY_RETURNED = "already_returned", "Zahlung war schon zurückgekommen"
        OTHER_LAND = "other_land", "Zahlung eines anderen Landes"
        AMOUNT_DIFFERS = (
            "amount_differs",
            "Betrag fehlt oder weicht von der Zahlung ab",
        )
        """The returned amount is not the payment's (or the file does not say it)."""

    bank_file = models.ForeignKey(
        BankFile, on_delete=models.PROTECT, related_name="returns"
    )
    position = models.PositiveIntegerField()
    """1 for the first return or reject in the file, 2 for the next, …"""
    line = models.PositiveIntegerField(default=0)
    """Line of the entry in the file, for whoever checks it."""
    end_to_end_id = models.CharField(max_length=35, blank=True)
    reason_code = models.CharField(max_length=4, blank=True)
    amount_cents = models.PositiveBigIntegerField(null=True, blank=True)
    booking_date = models.DateField(null=True, blank=True)
    bank_reference = models.CharField(max_length=35, blank=True)
    """The bank's own reference of the entry (AcctSvcrRef), if it gave one."""
    payment = models.ForeignKey(
        Payment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bank_returns",
    )
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    flag = models.CharField(max_length=20, choices=Flag.choices, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.CharField(max_length=150, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["outcome", "resolved_at"]),
            models.Index(fields=["end_to_end_id"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["bank_file", "position"], name="one_return_per_file_position"
            )
        ]

    def __str__(self) -> str:
        return f"return {self.position} of bank file {self.bank_file_id}"

    @property
    def reason(self) -> reasons.ReturnReason:
        return reasons.reason(self.reason_code)
