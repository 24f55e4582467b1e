from django.db import models


class AuditEvent(models.Model):
    """Who did what to which record, when. Rows are only ever added."""

    at = models.DateTimeField()
    actor = models.CharField(max_length=150)
    """Staff user name, ``applicant`` or the command that acted."""
    action = models.CharField(max_length=60)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=64)
    land = models.CharField(max_length=5, blank=True)
    details = models.JSONField(default=dict)
    """Identifiers and counts only, never personal data."""

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["land", "at"]),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("audit events cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("audit events cannot be deleted")
