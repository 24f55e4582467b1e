"""Writing and reading the audit trail.

Every module may call ``record``; audit uses none of the domain modules. Reading
is scoped by the caller (``backoffice.scoping``), never here.
"""

from pauschale.common import clock

from .models import AuditEvent


def record(
    actor: str,
    action: str,
    obj,
    *,
    land: str = "",
    institution: int | None = None,
    **details,
) -> AuditEvent:
    """Add one event: ``actor`` did ``action`` to ``obj``.

    ``land`` and ``institution`` (an id) say whose staff may read it; ``details``
    hold identifiers and counts only, never personal data.
    """
    return AuditEvent.objects.create(
        at=clock.now(),
        actor=actor,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        land=land or "",
        institution_id=institution,
        details=details,
    )
