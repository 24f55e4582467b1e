"""The audit trail only grows: neither the ORM nor SQL may change or delete it."""

from django.db import DatabaseError, connection, transaction

import pytest

from pauschale.audit.models import AuditEvent
from pauschale.audit.services import record
from pauschale.registry.models import Land

pytestmark = pytest.mark.django_db


@pytest.fixture
def event():
    return record(
        "clerk-by", "application_viewed", Land.objects.get(code="DE-BY"), land="DE-BY"
    )


def test_an_event_cannot_be_saved_again_or_deleted(event):
    event.action = "nothing_happened"
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()

    assert AuditEvent.objects.get(pk=event.pk).action == "application_viewed"


def test_bulk_update_and_delete_are_refused(event):
    with pytest.raises(ValueError):
        AuditEvent.objects.filter(pk=event.pk).update(actor="someone-else")
    with pytest.raises(ValueError):
        AuditEvent.objects.all().delete()

    assert AuditEvent.objects.get(pk=event.pk).actor == "clerk-by"


@pytest.mark.postgres
def test_postgresql_refuses_update_and_delete_in_sql(event):
    if connection.vendor != "postgresql":
        pytest.skip("the trigger exists on PostgreSQL only")
    for sql in (
        "UPDATE audit_auditevent SET actor = 'x' WHERE id = %s",
        "DELETE FROM audit_auditevent WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="cannot be changed"):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql, [event.pk])

    assert AuditEvent.objects.get(pk=event.pk).actor == "clerk-by"
