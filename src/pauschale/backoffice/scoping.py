"""What a staff member may see: the one place that answers it.

Every view takes its records from these querysets and looks single records up
with ``get_object_or_404`` on them, so that an id from another institution or
Land is simply not found (404) instead of being refused with a hint that it
exists. Roles:

- institution staff: their institution's batches and codes, nothing of
  applicants;
- Land clerk and approver: their Land's applications, decisions, payments,
  runs and bank files;
- operator: figures and audit trail of every Land, no case data.
"""

from django.db.models import QuerySet

from pauschale.applications.models import Application
from pauschale.payouts.models import (
    BankFile,
    BankReturn,
    Payment,
    PaymentFile,
    PaymentRun,
)
from pauschale.registry.models import AccessCode, AccessCodeBatch, Institution

from .models import Role, StaffProfile


def applications(staff: StaffProfile) -> QuerySet[Application]:
    if staff.is_land_staff:
        return Application.objects.filter(land_id=staff.land_id)
    return Application.objects.none()


def payments(staff: StaffProfile) -> QuerySet[Payment]:
    if staff.is_land_staff:
        return Payment.objects.filter(land_id=staff.land_id)
    return Payment.objects.none()


def payment_runs(staff: StaffProfile) -> QuerySet[PaymentRun]:
    if staff.is_land_staff:
        return PaymentRun.objects.filter(land_id=staff.land_id)
    return PaymentRun.objects.none()


def payment_files(staff: StaffProfile) -> QuerySet[PaymentFile]:
    return PaymentFile.objects.filter(run__in=payment_runs(staff))


def bank_files(staff: StaffProfile) -> QuerySet[BankFile]:
    """Bank files about the Land's account; files of unknown Land go to operators."""
    if staff.is_land_staff:
        return BankFile.objects.filter(land_id=staff.land_id)
    return BankFile.objects.none()


def bank_returns(staff: StaffProfile) -> QuerySet[BankReturn]:
    if staff.is_land_staff:
        return BankReturn.objects.filter(bank_file__land_id=staff.land_id)
    return BankReturn.objects.none()


def batches(staff: StaffProfile) -> QuerySet[AccessCodeBatch]:
    if staff.role == Role.INSTITUTION:
        return AccessCodeBatch.objects.filter(institution_id=staff.institution_id)
    return AccessCodeBatch.objects.none()


def access_codes(staff: StaffProfile) -> QuerySet[AccessCode]:
    if staff.role == Role.INSTITUTION:
        return AccessCode.objects.filter(institution_id=staff.institution_id)
    return AccessCode.objects.none()


def institutions(staff: StaffProfile) -> QuerySet[Institution]:
    """Institutions whose code figures the staff member may see."""
    if staff.role == Role.INSTITUTION:
        return Institution.objects.filter(pk=staff.institution_id)
    if staff.is_land_staff:
        return Institution.objects.filter(land_id=staff.land_id)
    return Institution.objects.all()


def audit_scope(staff: StaffProfile) -> dict:
    """The filter of the audit events a staff member may read (the audit
    module, to the right, applies it to its own table)."""
    if staff.role == Role.OPERATOR:
        return {}
    if staff.is_land_staff:
        return {"land": staff.land_id}
    return {"institution_id": staff.institution_id}


def dashboard_lands(staff: StaffProfile) -> list[str] | None:
    """The Länder whose figures the staff member sees; None means all."""
    if staff.is_land_staff:
        return [staff.land_id]
    if staff.role == Role.OPERATOR:
        return None
    return []
