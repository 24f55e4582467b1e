"""Handing the clear codes of a batch to its institution: once, then never again.

The platform stores codes and PINs only as keyed hashes. Between issuing and the
institution's download the clear values wait in ``CodeDelivery.payload``,
encrypted at rest. Each of the two files (CSV, PIN letters) can be downloaded
once; when both have been, or when the delivery expires, or when staff say so,
the payload is emptied for good. Nothing here logs or audits a code, a PIN or a
name.
"""

import csv
import io
import json
from dataclasses import asdict, dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import transaction

from pauschale.audit.services import record
from pauschale.common import clock
from pauschale.common.log import get_logger

from .eligible import EligiblePerson
from .models import AccessCodeBatch, CodeDelivery
from .services import CSV_COLUMNS, IssuedCode

log = get_logger(__name__)

CSV = "csv"
LETTERS = "letters"
LETTERS_PER_PART = 250
"""PIN letters per PDF file: WeasyPrint writes about 20-35 pages a second on two
cores, so a part stays well inside a web request's time limit."""
PERSON_COLUMNS = ["zeile", "familienname", "vornamen", "referenz"]


class DeliveryGone(Exception):
    """The clear codes were downloaded already, destroyed or have expired."""


@dataclass(frozen=True)
class DeliveredCode:
    """One code as the institution receives it. Its repr hides every secret."""

    code_id: int
    code: str = field(repr=False)
    pin: str = field(default="", repr=False)
    line: int | None = None
    family_name: str = field(default="", repr=False)
    given_names: str = field(default="", repr=False)
    reference: str = field(default="", repr=False)


def store_delivery(
    batch: AccessCodeBatch,
    issued: list[IssuedCode],
    people: list[EligiblePerson] | None = None,
) -> CodeDelivery:
    """Keep the clear codes of a new batch, encrypted, for their download."""
    codes = [
        DeliveredCode(code_id=item.code_id, code=item.code, pin=item.pin)
        for item in issued
    ]
    if people is not None:
        codes = [
            DeliveredCode(
                code_id=item.code_id,
                code=item.code,
                pin=item.pin,
                line=person.line,
                family_name=person.family_name,
                given_names=person.given_names,
                reference=person.reference,
            )
            for item, person in zip(issued, people, strict=True)
        ]
    now = clock.now()
    return CodeDelivery.objects.create(
        batch=batch,
        payload=json.dumps([asdict(code) for code in codes]),
        created_at=now,
        expires_at=now + timedelta(days=settings.PAUSCHALE_CODE_DELIVERY_DAYS),
    )


def letter_parts(delivery: CodeDelivery) -> int:
    """How many PDF files the letters come in (``LETTERS_PER_PART`` pages each)."""
    return max(1, -(-delivery.batch.size // LETTERS_PER_PART))


def is_available(delivery: CodeDelivery, kind: str, part: int = 1) -> bool:
    """Whether the file of this ``kind`` (and letters ``part``) can still be had."""
    if delivery.is_destroyed or delivery.expires_at <= clock.now():
        return False
    if kind == CSV:
        return delivery.csv_downloaded_at is None
    return (
        1 <= part <= letter_parts(delivery) and part not in delivery.letter_parts_taken
    )


@transaction.atomic
def take(
    delivery: CodeDelivery, kind: str, actor: str, part: int = 1
) -> list[DeliveredCode]:
    """The clear codes for one download of ``kind``; DeliveryGone if not available.

    Letters come in parts of ``LETTERS_PER_PART`` codes, so that no PDF takes
    longer to write than a web request may last. Marks the download; the last
    of all files destroys the clear codes. The caller writes the file inside
    the same transaction, so that a failure leaves the download available.
    """
    delivery = CodeDelivery.objects.select_for_update().get(pk=delivery.pk)
    if not is_available(delivery, kind, part):
        raise DeliveryGone(f"delivery {delivery.pk} has no {kind} {part} any more")
    codes = [DeliveredCode(**item) for item in json.loads(delivery.payload)]

    now = clock.now()
    if kind == CSV:
        delivery.csv_downloaded_at = now
    else:
        codes = codes[(part - 1) * LETTERS_PER_PART : part * LETTERS_PER_PART]
        delivery.letter_parts_taken = sorted([*delivery.letter_parts_taken, part])
        if len(delivery.letter_parts_taken) == letter_parts(delivery):
            delivery.letters_downloaded_at = now
    delivery.save(
        update_fields=[
            "csv_downloaded_at",
            "letters_downloaded_at",
            "letter_parts_taken",
        ]
    )
    batch = delivery.batch
    record(
        actor,
        f"access_codes_downloaded_{kind}",
        batch,
        land=batch.institution.land_id,
        institution=batch.institution_id,
        codes=len(codes),
        part=part if kind == LETTERS else None,
    )
    log.info(
        "access_codes_downloaded",
        batch_id=batch.pk,
        kind=kind,
        part=part,
        codes=len(codes),
    )
    if delivery.csv_downloaded_at and delivery.letters_downloaded_at:
        _destroy(delivery, actor, reason="downloaded")
    return codes


@transaction.atomic
def destroy(delivery: CodeDelivery, actor: str, reason: str = "by_staff") -> bool:
    """Empty the clear codes now; False if they were gone already."""
    delivery = CodeDelivery.objects.select_for_update().get(pk=delivery.pk)
    if delivery.is_destroyed:
        return False
    _destroy(delivery, actor, reason)
    return True


def _destroy(delivery: CodeDelivery, actor: str, reason: str) -> None:
    delivery.payload = None
    delivery.destroyed_at = clock.now()
    delivery.save(update_fields=["payload", "destroyed_at"])
    batch = delivery.batch
    record(
        actor,
        "access_codes_destroyed",
        batch,
        land=batch.institution.land_id,
        institution=batch.institution_id,
        reason=reason,
    )
    log.info("access_codes_destroyed", batch_id=batch.pk, reason=reason)


def destroy_expired(actor: str = "destroy_expired_codes") -> int:
    """Empty every delivery past its deadline; returns how many."""
    expired = CodeDelivery.objects.filter(
        destroyed_at__isnull=True, expires_at__lte=clock.now()
    )
    count = 0
    for delivery in expired:
        count += destroy(delivery, actor, reason="expired")
    return count


def codes_csv(batch: AccessCodeBatch, codes: list[DeliveredCode]) -> bytes:
    """The CSV the institution receives: UTF-8 with BOM, semicolons (Excel)."""
    with_people = any(code.line is not None for code in codes)
    buffer = io.StringIO(newline="")
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(CSV_COLUMNS + (PERSON_COLUMNS if with_people else []))
    institution = batch.institution
    for code in codes:
        row = [code.code_id, code.code, code.pin, institution.land_id, institution.name]
        if with_people:
            row += [code.line, code.family_name, code.given_names, code.reference]
        writer.writerow([_excel_safe(str(value)) for value in row])
    return buffer.getvalue().encode("utf-8")


def _excel_safe(text: str) -> str:
    # A cell starting with one of these would be run as a formula by Excel.
    return f"'{text}" if text[:1] in ("=", "+", "-", "@") else text
