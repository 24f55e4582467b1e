"""Institution staff: code batches, one-time download, revoking, never applicants."""

import csv
import io

import pytest
from pypdf import PdfReader

from pauschale.audit.models import AuditEvent
from pauschale.registry.models import AccessCode, AccessCodeBatch, CodeDelivery

pytestmark = pytest.mark.django_db


def _request_batch(client, count=3, with_pins=True):
    from pauschale.programs.models import Program

    data = {"count": count, "program": Program.objects.get().pk}
    if with_pins:
        data["with_pins"] = "on"
    response = client.post("/backoffice/codes/new/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return AccessCodeBatch.objects.latest("pk")


def _csv_rows(content: bytes) -> list[dict]:
    text = content.decode("utf-8").lstrip("\ufeff")
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


def test_institution_requests_a_batch_and_downloads_the_csv_once(
    as_user, staff_by, uni_by
):
    client = as_user(staff_by)
    batch = _request_batch(client, count=3)

    first = client.post(f"/backoffice/codes/{batch.pk}/download/csv/")
    second = client.post(f"/backoffice/codes/{batch.pk}/download/csv/")

    assert batch.institution == uni_by and batch.size == 3 and batch.with_pins
    rows = _csv_rows(first.content)
    assert len(rows) == 3
    assert {int(row["code_id"]) for row in rows} == set(
        AccessCode.objects.filter(batch=batch).values_list("pk", flat=True)
    )
    assert all(len(row["pin"]) == 6 for row in rows)
    assert second.status_code == 302  # back to the batch page: gone
    assert AuditEvent.objects.filter(action="access_codes_downloaded_csv").count() == 1


def test_pin_letters_are_a_tagged_pdf_with_one_page_per_code(as_user, staff_by):
    client = as_user(staff_by)
    batch = _request_batch(client, count=3)
    code_ids = list(AccessCode.objects.filter(batch=batch).values_list("pk", flat=True))

    response = client.post(f"/backoffice/codes/{batch.pk}/download/letters/1/")

    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 3
    texts = [page.extract_text() for page in reader.pages]
    for code_id, text in zip(sorted(code_ids), texts, strict=True):
        assert f"Code-Nummer {code_id}" in text
        assert "PIN" in text
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "de"
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root


def test_clear_codes_are_deleted_after_both_downloads(as_user, staff_by):
    client = as_user(staff_by)
    batch = _request_batch(client, count=2)

    client.post(f"/backoffice/codes/{batch.pk}/download/csv/")
    client.post(f"/backoffice/codes/{batch.pk}/download/letters/1/")

    delivery = CodeDelivery.objects.get(batch=batch)
    assert delivery.destroyed_at is not None and not delivery.payload
    page = client.get(f"/backoffice/codes/{batch.pk}/").content.decode()
    assert 'data-delivery="gone"' in page


def test_the_csv_codes_are_the_ones_that_work(as_user, staff_by, program):
    from pauschale.registry.services import find_code

    client = as_user(staff_by)
    batch = _request_batch(client, count=2, with_pins=False)
    rows = _csv_rows(client.post(f"/backoffice/codes/{batch.pk}/download/csv/").content)

    for row in rows:
        assert find_code(program, row["zugangscode"]).pk == int(row["code_id"])
        assert row["pin"] == ""


def test_revoking_a_single_code_and_a_whole_batch(as_user, staff_by):
    client = as_user(staff_by)
    batch = _request_batch(client, count=3)
    first, *rest = AccessCode.objects.filter(batch=batch).order_by("pk")

    client.post("/backoffice/codes/revoke/", {"code_id": first.pk})
    first.refresh_from_db()
    assert first.revoked_at is not None
    assert not AccessCode.objects.filter(
        pk__in=[c.pk for c in rest], revoked_at__isnull=False
    ).exists()

    client.post(f"/backoffice/codes/{batch.pk}/revoke/", {"confirm": "yes"})
    assert not AccessCode.objects.filter(batch=batch, revoked_at__isnull=True).exists()
    assert AuditEvent.objects.filter(
        action="access_code_revoked", actor="staff-uni-by"
    ).exists()


def test_redeemed_codes_are_counted_without_showing_who(
    as_user, staff_by, program, spring_day
):
    from pauschale.payouts.tests.factories import ApplicationFactory

    client = as_user(staff_by)
    batch = _request_batch(client, count=2)
    code = AccessCode.objects.filter(batch=batch).first()
    ApplicationFactory(program=program, access_code=code, family_name="Zwiebelhuber")
    AccessCode.objects.filter(pk=code.pk).update(redeemed_at=code.batch.created_at)

    page = client.get(f"/backoffice/codes/{batch.pk}/").content.decode()

    assert '<dd class="kern-description-list-item__value" data-redeemed>1</dd>' in page
    assert "Zwiebelhuber" not in page


def test_large_batches_come_as_several_letter_files_each_once(
    as_user, staff_by, monkeypatch
):
    from pauschale.registry import delivery

    monkeypatch.setattr(delivery, "LETTERS_PER_PART", 2)
    client = as_user(staff_by)
    batch = _request_batch(client, count=3)

    page = client.get(f"/backoffice/codes/{batch.pk}/").content.decode()
    second = client.post(f"/backoffice/codes/{batch.pk}/download/letters/2/")
    first = client.post(f"/backoffice/codes/{batch.pk}/download/letters/1/")
    again = client.post(f"/backoffice/codes/{batch.pk}/download/letters/2/")
    client.post(f"/backoffice/codes/{batch.pk}/download/csv/")

    assert "1–2" in page and "3–3" in page
    assert len(PdfReader(io.BytesIO(second.content)).pages) == 1
    assert len(PdfReader(io.BytesIO(first.content)).pages) == 2
    assert again.status_code == 302
    assert CodeDelivery.objects.get(batch=batch).destroyed_at is not None


def test_clear_codes_past_their_deadline_are_deleted_by_the_daily_command(
    as_user, staff_by
):
    from datetime import timedelta

    from django.core.management import call_command

    from pauschale.common import clock

    client = as_user(staff_by)
    batch = _request_batch(client, count=1)
    clock.set_now(clock.now() + timedelta(days=15))
    client = as_user(staff_by)  # a new session after two weeks
    out = io.StringIO()

    refused = client.post(f"/backoffice/codes/{batch.pk}/download/csv/")
    call_command("destroy_expired_codes", stdout=out)

    delivery = CodeDelivery.objects.get(batch=batch)
    assert refused["Location"] == f"/backoffice/codes/{batch.pk}/"
    assert delivery.destroyed_at is not None and not delivery.payload
    assert "1 batch" in out.getvalue()
    assert AuditEvent.objects.filter(
        action="access_codes_destroyed", details__reason="expired"
    ).exists()
