"""Domain actions on access codes (Zugangscodes) and their PINs.

A code is a random UUID4 in its 36-character form; the whole string is the secret.
Codes and PINs are bearer secrets: the database holds only their keyed hashes, and
the clear values exist once, in the CSV file handed to the institution. Never pass
them to a logger, an audit record or an exception message.
"""

import csv
import enum
import re
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TextIO

from django.db import transaction
from django.db.models import F

from pauschale.audit.services import record
from pauschale.common import clock
from pauschale.common.hashing import constant_time_equal, keyed_hash
from pauschale.common.lands import LANDS
from pauschale.common.log import get_logger
from pauschale.programs.models import Program

from .models import AccessCode, AccessCodeBatch, Institution, Land

log = get_logger(__name__)

MAX_BATCH_SIZE = 1_000_000
_CHUNK = 5_000
# What people type between the groups of a code: hyphens of any width, spaces.
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212]+")
_UUID4_HEX = re.compile(r"[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{15}")
_PIN = re.compile(r"[0-9]{6}")


@dataclass(frozen=True)
class IssuedCode:
    """A code as handed out, with its PIN. Its repr hides both secrets."""

    code_id: int
    code: str = field(repr=False)
    pin: str = field(default="", repr=False)


class PinResult(enum.StrEnum):
    OK = "ok"
    WRONG = "wrong"
    """Wrong PIN; more attempts are left."""
    LOCKED = "locked"
    """Too many wrong PINs in a row: the code accepts no PIN any more."""


def normalise_code(text: str) -> str | None:
    """The canonical form of a typed code, or None if it cannot be a code.

    Case, surrounding blanks and hyphens or spaces between the groups do not
    matter, so "  3F2504E0 4F89 41D3 9A0C 0305E82C3301 " finds its code.
    """
    if not isinstance(text, str) or len(text) > 100:
        return None
    compact = _SEPARATORS.sub("", text).lower()
    if not _UUID4_HEX.fullmatch(compact):
        return None
    return str(uuid.UUID(hex=compact))


def code_hash(code: str) -> str:
    """The stored hash of a code in canonical form (see ``normalise_code``)."""
    return keyed_hash("access-code", code)


def _pin_hash(code_hash_value: str, pin: str) -> str:
    # Bound to its code, so that a PIN hash means nothing on another row.
    return keyed_hash("pin", f"{code_hash_value}:{pin}")


# --- issuing -------------------------------------------------------------------


def ensure_lands() -> None:
    """Create the 16 Länder if they are missing (a migration seeds them too)."""
    for code, (name, name_en) in LANDS.items():
        Land.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en}
        )


def issue_codes(
    program: Program,
    institution: Institution,
    count: int,
    *,
    with_pins: bool,
    created_by: str,
    expected_person_keys: Sequence[str] = (),
) -> tuple[AccessCodeBatch, list[IssuedCode]]:
    """Create a batch of ``count`` codes for an institution, in one transaction.

    ``expected_person_keys``, if given, holds one person key per code (in order):
    the person the institution named for it (see ``common.hashing.person_key``).
    Returns the batch and the clear codes, which are not stored anywhere.
    """
    _check_can_issue(program, institution, count)
    if expected_person_keys and len(expected_person_keys) != count:
        raise ValueError("one expected person key per code, or none")
    expected = list(expected_person_keys) or [""] * count

    with transaction.atomic():
        batch = AccessCodeBatch.objects.create(
            program=program,
            institution=institution,
            size=count,
            with_pins=with_pins,
            created_at=clock.now(),
            created_by=created_by,
        )
        secrets_and_rows = [_new_code(batch, with_pins, key) for key in expected]
        rows = [row for _, _, row in secrets_and_rows]
        AccessCode.objects.bulk_create(rows, batch_size=_CHUNK)
        ids = _ids_of(batch, rows)
        record(
            created_by,
            "access_codes_issued",
            batch,
            land=institution.land_id,
            institution=institution.pk,
            program=program.slug,
            institution_id=institution.pk,
            size=count,
            with_pins=with_pins,
        )

    log.info(
        "access_codes_issued",
        batch_id=batch.pk,
        institution_id=institution.pk,
        land=institution.land_id,
        size=count,
        with_pins=with_pins,
    )
    issued = [
        IssuedCode(code_id=ids[row.code_hash], code=code, pin=pin)
        for code, pin, row in secrets_and_rows
    ]
    return batch, issued


def _check_can_issue(program: Program, institution: Institution, count: int) -> None:
    if not 1 <= count <= MAX_BATCH_SIZE:
        raise ValueError(f"count must be between 1 and {MAX_BATCH_SIZE}")
    if not institution.is_active:
        raise ValueError(f"institution {institution.pk} is not active")
    if institution.land_id not in program.spec.lands:
        raise ValueError(
            f"program {program.slug} does not run in {institution.land_id}"
        )


def _new_code(
    batch: AccessCodeBatch, with_pins: bool, expected_person_key: str = ""
) -> tuple[str, str, AccessCode]:
    code = str(uuid.uuid4())
    hashed = code_hash(code)
    pin = f"{secrets.randbelow(10**6):06d}" if with_pins else ""
    row = AccessCode(
        # Ids rather than objects: it saves a third of the time for 100,000 codes.
        program_id=batch.program_id,
        institution_id=batch.institution_id,
        batch_id=batch.pk,
        code_hash=hashed,
        pin_hash=_pin_hash(hashed, pin) if pin else "",
        expected_person_key=expected_person_key,
    )
    return code, pin, row


def _ids_of(batch: AccessCodeBatch, rows: list[AccessCode]) -> dict[str, int]:
    """Primary keys by code hash; read back where the database did not return them."""
    if all(row.pk is not None for row in rows):
        return {row.code_hash: row.pk for row in rows}
    return dict(AccessCode.objects.filter(batch=batch).values_list("code_hash", "pk"))


# --- the CSV for the institution -----------------------------------------------

CSV_COLUMNS = ["code_id", "zugangscode", "pin", "land", "institution"]


def write_codes_csv(
    batch: AccessCodeBatch, issued: list[IssuedCode], file: TextIO
) -> None:
    """Write the one file in which the institution receives its clear codes.

    ``file`` is a text stream opened with ``encoding="utf-8"`` and ``newline=""``.
    Semicolon-separated with a byte order mark, so that Excel opens it directly.
    """
    institution = batch.institution
    file.write("\ufeff")
    writer = csv.writer(file, delimiter=";")
    writer.writerow(CSV_COLUMNS)
    land = institution.land_id
    name = _excel_safe(institution.name)
    for item in issued:
        writer.writerow([item.code_id, item.code, item.pin, land, name])


def _excel_safe(text: str) -> str:
    # A cell starting with one of these would be run as a formula by Excel.
    return f"'{text}" if text[:1] in ("=", "+", "-", "@") else text


# --- looking up and checking ---------------------------------------------------


def find_code(
    program: Program, text: str, *, include_revoked: bool = False
) -> AccessCode | None:
    """The code that ``text`` denotes in this program, or None.

    Revoked codes are not found unless ``include_revoked`` is set (to tell the
    applicant why a code no longer works).
    """
    code = normalise_code(text)
    if code is None:
        return None
    codes = AccessCode.objects.select_related("institution").filter(
        program=program, code_hash=code_hash(code)
    )
    if not include_revoked:
        codes = codes.filter(revoked_at__isnull=True)
    return codes.first()


def verify_pin(code: AccessCode, pin: str, max_attempts: int) -> PinResult:
    """Check the PIN of a code; after ``max_attempts`` wrong PINs in a row it is locked.

    Each attempt first claims one of the remaining attempts in the database, so
    that parallel guesses cannot exceed the limit; a right PIN gives the attempts
    back.
    """
    if not code.has_pin:
        raise ValueError(f"access code {code.pk} has no PIN")
    claimed = AccessCode.objects.filter(
        pk=code.pk, pin_failures__lt=max_attempts
    ).update(pin_failures=F("pin_failures") + 1)
    if not claimed:
        code.pin_failures = max_attempts
        log.info("access_code_pin_refused", code_id=code.pk, reason="locked")
        return PinResult.LOCKED

    typed = _SEPARATORS.sub("", pin or "")
    given = _pin_hash(code.code_hash, typed) if _PIN.fullmatch(typed) else ""
    if given and constant_time_equal(given, code.pin_hash):
        AccessCode.objects.filter(pk=code.pk).update(pin_failures=0)
        code.pin_failures = 0
        return PinResult.OK

    code.refresh_from_db(fields=["pin_failures"])
    if code.pin_failures >= max_attempts:
        log.warning(
            "access_code_pin_locked", code_id=code.pk, failures=code.pin_failures
        )
        return PinResult.LOCKED
    log.info("access_code_pin_wrong", code_id=code.pk, failures=code.pin_failures)
    return PinResult.WRONG


# --- revoking ------------------------------------------------------------------


@transaction.atomic
def revoke_code(code: AccessCode, actor: str) -> bool:
    """Revoke one code; False if it was revoked already."""
    now = clock.now()
    changed = AccessCode.objects.filter(pk=code.pk, revoked_at__isnull=True).update(
        revoked_at=now
    )
    if not changed:
        return False
    code.revoked_at = now
    record(
        actor,
        "access_code_revoked",
        code,
        land=code.institution.land_id,
        institution=code.institution_id,
        batch_id=code.batch_id,
    )
    log.info("access_code_revoked", code_id=code.pk, batch_id=code.batch_id)
    return True


@transaction.atomic
def revoke_batch(batch: AccessCodeBatch, actor: str) -> int:
    """Revoke a batch and every code in it not revoked yet; returns how many."""
    now = clock.now()
    count = batch.codes.filter(revoked_at__isnull=True).update(revoked_at=now)
    if batch.revoked_at is not None and not count:
        return 0
    if batch.revoked_at is None:
        batch.revoked_at = now
        batch.save(update_fields=["revoked_at"])
    record(
        actor,
        "access_code_batch_revoked",
        batch,
        land=batch.institution.land_id,
        institution=batch.institution_id,
        codes=count,
    )
    log.info("access_code_batch_revoked", batch_id=batch.pk, codes=count)
    return count
