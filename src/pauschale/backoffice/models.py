from django.conf import settings
from django.db import models
from django.db.models import Q

from pauschale.registry.models import Institution, Land


class Role(models.TextChoices):
    """What a staff member does; each role sees one institution, one Land or all."""

    INSTITUTION = "institution", "Ausbildungsstätte"
    """Staff of one institution: access codes and lists of eligible people."""
    CLERK = "clerk", "Sachbearbeitung"
    """Land authority clerk: applications, exceptions, paper applications, runs."""
    APPROVER = "approver", "Freigabe"
    """Land authority approver: everything a clerk reads, and releases runs."""
    OPERATOR = "operator", "Betrieb"
    """Platform operator: dashboards and audit trail of every Land, no case data."""


LAND_ROLES = (Role.CLERK, Role.APPROVER)


class StaffProfile(models.Model):
    """The role of a staff user and the institution or Land it is bound to."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff"
    )
    role = models.CharField(max_length=12, choices=Role.choices)
    land = models.ForeignKey(Land, on_delete=models.PROTECT, null=True, blank=True)
    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, null=True, blank=True
    )
    failed_logins = models.PositiveSmallIntegerField(default=0)
    """Wrong logins in a row; at the limit the account is locked for a while."""
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="staff_scope_fits_role",
                condition=(
                    Q(role="institution", institution__isnull=False, land__isnull=True)
                    | Q(
                        role__in=["clerk", "approver"],
                        land__isnull=False,
                        institution__isnull=True,
                    )
                    | Q(role="operator", land__isnull=True, institution__isnull=True)
                ),
            )
        ]

    def __str__(self) -> str:
        return f"staff {self.user_id} ({self.role})"

    @property
    def is_land_staff(self) -> bool:
        return self.role in LAND_ROLES
