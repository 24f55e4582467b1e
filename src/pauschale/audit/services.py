"""Writing the audit trail. Every module may call ``record``; audit uses none of them."""

from pauschale.common import clock

from .models import AuditEvent


def record(actor: str, action: str, obj, *, land: str = "", **details) -> AuditEvent:
    return AuditEvent.objects.create(
        at=clock.now(),
        actor=actor,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        land=land,
        details=details,
    )
