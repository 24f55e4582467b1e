from django.db import models

from encrypted_fields.fields import EncryptedTextField

from pauschale.programs.models import Program


class Land(models.Model):
    """A federal state, keyed by its ISO 3166-2 code (``DE-ST``)."""

    code = models.CharField(primary_key=True, max_length=5)
    name = models.CharField(max_length=64)
    name_en = models.CharField(max_length=64)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Authority(models.Model):
    """The zuständige Stelle of a Land: decides and pays for one program."""

    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, related_name="authorities"
    )
    land = models.ForeignKey(Land, on_delete=models.PROTECT, related_name="authorities")
    name = models.CharField(max_length=200)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["program", "land"], name="one_authority_per_land"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Institution(models.Model):
    """An Ausbildungsstätte that vouches for eligibility by issuing access codes."""

    class Kind(models.TextChoices):
        HOCHSCHULE = "hochschule", "Hochschule"
        BERUFSAKADEMIE = "berufsakademie", "Berufsakademie"
        BERUFSKOLLEG = "berufskolleg", "Berufskolleg"
        FACHSCHULE = "fachschule", "Berufsfach-/Fachschule"

    land = models.ForeignKey(
        Land, on_delete=models.PROTECT, related_name="institutions"
    )
    name = models.CharField(max_length=300)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    city = models.CharField(max_length=100, blank=True)
    source = models.CharField(max_length=40)
    """Which list the record was imported from (``hsk-destatis``, ``nrw-schulen``…)."""
    external_id = models.CharField(max_length=300)
    """The institution's number in that list (the name where the list has none)."""
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["land", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"], name="institution_source_key"
            )
        ]

    def __str__(self) -> str:
        return self.name


class AccessCodeBatch(models.Model):
    """One request of an institution for a number of access codes."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT)
    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="batches"
    )
    size = models.PositiveIntegerField()
    with_pins = models.BooleanField()
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=150)
    """User name of the staff member or name of the command that issued it."""
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"batch {self.pk} ({self.size} codes)"


class AccessCode(models.Model):
    """A Zugangscode: one eligible person's right to apply.

    The code and its PIN are bearer secrets; only their keyed hashes are stored.
    """

    program = models.ForeignKey(Program, on_delete=models.PROTECT)
    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="access_codes"
    )
    batch = models.ForeignKey(
        AccessCodeBatch, on_delete=models.PROTECT, related_name="codes"
    )
    code_hash = models.CharField(max_length=64, unique=True)
    pin_hash = models.CharField(max_length=64, blank=True)
    pin_failures = models.PositiveSmallIntegerField(default=0)
    """Wrong PINs in a row; at the program's limit the code is locked."""
    expected_person_key = models.CharField(max_length=64, blank=True)
    """Keyed hash of name and birth date given by the institution, if it gave them."""
    revoked_at = models.DateTimeField(null=True, blank=True)
    redeemed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["institution", "redeemed_at"])]

    def __str__(self) -> str:
        return f"access code {self.pk}"

    @property
    def has_pin(self) -> bool:
        return bool(self.pin_hash)

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def land_id(self) -> str:
        return self.institution.land_id


class CodeDelivery(models.Model):
    """The clear codes (and PINs) of one batch, encrypted, until the institution
    has downloaded them.

    Codes are stored only as hashes; the clear values must reach the institution
    somehow. They wait here, encrypted at rest, until both files (CSV and PIN
    letters) have been downloaded once, or until ``expires_at``; then ``payload``
    is emptied for good (``registry.delivery``).
    """

    batch = models.OneToOneField(
        AccessCodeBatch, on_delete=models.PROTECT, related_name="delivery"
    )
    payload = EncryptedTextField(null=True, blank=True)
    """JSON list of the codes with PIN and, for a list upload, the person's name."""
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    csv_downloaded_at = models.DateTimeField(null=True, blank=True)
    letters_downloaded_at = models.DateTimeField(null=True, blank=True)
    """When the last part of the PIN letters was downloaded."""
    letter_parts_taken = models.JSONField(default=list)
    """Numbers of the PIN letter parts downloaded so far (1, 2, …)."""
    destroyed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"delivery of batch {self.batch_id}"

    @property
    def is_destroyed(self) -> bool:
        return self.destroyed_at is not None
