from django.db import models


class AuditEventQuerySet(models.QuerySet):
    """Refuses bulk changes: the ORM's update() and delete() bypass save()."""

    def update(self, **kwargs):
        raise ValueError("audit events cannot be changed")

    def delete(self):
        raise ValueError("audit events cannot be deleted")

    def bulk_update(self, *args, **kwargs):
        raise ValueError("audit events cannot be changed")


class AuditEvent(models.Model):
    """Who did what to which record, when. Rows are only ever added.

    On PostgreSQL a trigger refuses UPDATE and DELETE as well (migration 0003).
    """

    at = models.DateTimeField()
    actor = models.CharField(max_length=150)
    """Staff user name, ``applicant`` or the command that acted."""
    action = models.CharField(max_length=60)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=64)
    land = models.CharField(max_length=5, blank=True)
    institution_id = models.BigIntegerField(null=True, blank=True)
    """The institution the event belongs to, so that its staff can read it."""
    details = models.JSONField(default=dict)
    """Identifiers and counts only, never personal data."""

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["land", "at"]),
            models.Index(fields=["institution_id", "at"]),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("audit events cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("audit events cannot be deleted")
