"""Issuing, finding, checking and revoking access codes and their PINs."""

import io
import logging
import uuid

from django.db import connection

import pytest

from pauschale.audit.models import AuditEvent
from pauschale.common.hashing import keyed_hash
from pauschale.registry.models import AccessCode
from pauschale.registry.services import (
    PinResult,
    find_code,
    issue_codes,
    normalise_code,
    revoke_batch,
    revoke_code,
    verify_pin,
    write_codes_csv,
)

from .factories import InstitutionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def institution():
    return InstitutionFactory(name="Beispiel-Fachschule Halle", land_id="DE-ST")


@pytest.fixture
def issued(program, institution):
    return issue_codes(program, institution, 3, with_pins=True, created_by="tester")


def _all_database_values():
    """Every value of every row of every table, as text."""
    values = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            values.extend(str(value) for row in cursor.fetchall() for value in row)
    return values


def test_issued_codes_are_uuid4_and_stored_only_as_hashes(issued):
    batch, codes = issued

    assert (batch.size, batch.with_pins, batch.created_by) == (3, True, "tester")
    for item in codes:
        assert uuid.UUID(item.code).version == 4 and len(item.code) == 36
        assert len(item.pin) == 6 and item.pin.isdigit()
        row = AccessCode.objects.get(pk=item.code_id)
        assert row.code_hash == keyed_hash("access-code", item.code)
        assert row.pin_hash == keyed_hash("pin", f"{row.code_hash}:{item.pin}")


def test_clear_codes_and_pins_are_nowhere_in_the_database(issued):
    _, codes = issued

    text = "\n".join(_all_database_values()).casefold()
    values = set(_all_database_values())

    for item in codes:
        assert item.code not in text
        assert item.code.replace("-", "") not in text
        assert item.pin not in values


def test_issuing_is_audited_with_ids_and_counts(issued, institution):
    batch, codes = issued

    event = AuditEvent.objects.get(action="access_codes_issued")
    assert (event.object_id, event.land, event.actor) == (
        str(batch.pk),
        "DE-ST",
        "tester",
    )
    assert event.details == {
        "program": "eppsg-2023",
        "institution_id": institution.pk,
        "size": 3,
        "with_pins": True,
    }


def test_issued_code_repr_hides_the_secrets(issued):
    _, codes = issued

    assert codes[0].code not in repr(codes[0]) and codes[0].pin not in repr(codes[0])


def test_codes_without_pins(program, institution):
    _, codes = issue_codes(program, institution, 2, with_pins=False, created_by="t")

    assert [item.pin for item in codes] == ["", ""]
    assert not AccessCode.objects.filter(pin_hash__gt="").exists()


def test_issuing_many_codes_inserts_them_in_chunks(
    program, institution, django_assert_max_num_queries
):
    # SQLite allows 999 parameters per statement, i.e. about 140 rows; PostgreSQL
    # takes a chunk of 5,000 in one statement.
    with django_assert_max_num_queries(20_000 // 100 + 10):
        batch, codes = issue_codes(
            program, institution, 20_000, with_pins=True, created_by="t"
        )

    assert batch.codes.count() == 20_000
    assert len({item.code_id for item in codes}) == 20_000


@pytest.mark.parametrize("count", [0, -1])
def test_issuing_refuses_a_nonsense_count(program, institution, count):
    with pytest.raises(ValueError, match="count"):
        issue_codes(program, institution, count, with_pins=False, created_by="t")


def test_issuing_refuses_an_inactive_institution(program):
    closed = InstitutionFactory(is_active=False)

    with pytest.raises(ValueError, match="not active"):
        issue_codes(program, closed, 1, with_pins=False, created_by="t")


def test_code_is_found_however_it_is_typed(program, issued):
    _, codes = issued
    code = codes[0].code
    typings = [
        code,
        code.upper(),
        code.replace("-", ""),
        f"  {code.replace('-', ' ').upper()} ",
        code.replace("-", "\u2013"),  # en dash, as word processors print it
    ]

    for typed in typings:
        found = find_code(program, typed)
        assert found is not None and found.pk == codes[0].code_id


def test_lookup_brings_its_institution_in_the_same_query(
    program, issued, django_assert_num_queries
):
    _, codes = issued

    with django_assert_num_queries(1):
        assert find_code(program, codes[1].code).institution.land_id == "DE-ST"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hello",
        str(uuid.uuid1()),  # a UUID, but not of version 4
        str(uuid.uuid4())[:-1],
        str(uuid.uuid4()) + "0",
        "-" * 200,
    ],
)
def test_text_that_cannot_be_a_code_is_refused(program, text):
    assert normalise_code(text) is None
    assert find_code(program, text) is None


def test_unknown_code_is_not_found(program, issued):
    assert find_code(program, str(uuid.uuid4())) is None


def test_revoked_code_is_not_found(program, issued):
    _, codes = issued
    code = find_code(program, codes[0].code)

    assert revoke_code(code, "tester") is True
    assert revoke_code(code, "tester") is False

    assert find_code(program, codes[0].code) is None
    assert find_code(program, codes[0].code, include_revoked=True).is_revoked
    assert find_code(program, codes[1].code) is not None
    assert AuditEvent.objects.filter(action="access_code_revoked").count() == 1


def test_revoking_a_batch_revokes_all_its_codes(program, issued):
    batch, codes = issued
    revoke_code(find_code(program, codes[0].code), "tester")

    assert revoke_batch(batch, "tester") == 2

    batch.refresh_from_db()
    assert batch.revoked_at is not None
    assert all(find_code(program, item.code) is None for item in codes)
    event = AuditEvent.objects.get(action="access_code_batch_revoked")
    assert event.details == {"codes": 2}


def test_right_pin_is_accepted_with_or_without_blanks(program, issued):
    _, codes = issued
    code = find_code(program, codes[0].code)
    pin = codes[0].pin

    assert verify_pin(code, pin, max_attempts=5) is PinResult.OK
    assert verify_pin(code, f" {pin[:3]} {pin[3:]} ", max_attempts=5) is PinResult.OK


def test_pin_of_another_code_is_wrong(program, issued):
    _, codes = issued
    code = find_code(program, codes[0].code)
    other_pin = codes[1].pin if codes[1].pin != codes[0].pin else "x"

    assert verify_pin(code, other_pin, max_attempts=5) is PinResult.WRONG


def test_wrong_pins_lock_the_code_after_max_attempts(program, issued):
    _, codes = issued
    code = find_code(program, codes[0].code)
    wrong = f"{(int(codes[0].pin) + 1) % 10**6:06d}"

    results = [verify_pin(code, wrong, max_attempts=3) for _ in range(3)]

    assert results == [PinResult.WRONG, PinResult.WRONG, PinResult.LOCKED]
    assert verify_pin(code, codes[0].pin, max_attempts=3) is PinResult.LOCKED
    code.refresh_from_db()
    assert code.pin_failures == 3


def test_right_pin_resets_the_failure_count(program, issued):
    _, codes = issued
    code = find_code(program, codes[0].code)
    for wrong in ["", "12345", "abcdef", "1234567"]:
        if wrong != codes[0].pin:
            assert verify_pin(code, wrong, max_attempts=5) is PinResult.WRONG

    assert verify_pin(code, codes[0].pin, max_attempts=5) is PinResult.OK

    code.refresh_from_db()
    assert code.pin_failures == 0


def test_failures_are_counted_on_the_row_not_in_the_object(program, issued):
    _, codes = issued
    wrong = f"{(int(codes[0].pin) + 1) % 10**6:06d}"
    for _ in range(2):
        # A fresh object each time, as in separate requests.
        assert (
            verify_pin(find_code(program, codes[0].code), wrong, 2) is not PinResult.OK
        )

    assert (
        verify_pin(find_code(program, codes[0].code), codes[0].pin, 2)
        is PinResult.LOCKED
    )


def test_code_without_pin_cannot_be_checked(program, institution):
    _, codes = issue_codes(program, institution, 1, with_pins=False, created_by="t")

    with pytest.raises(ValueError, match="no PIN"):
        verify_pin(find_code(program, codes[0].code), "123456", max_attempts=5)


def test_csv_for_the_institution(issued, institution):
    batch, codes = issued
    out = io.StringIO(newline="")

    write_codes_csv(batch, codes, out)

    text = out.getvalue()
    assert text.startswith("\ufeffcode_id;zugangscode;pin;land;institution\r\n")
    lines = text.removeprefix("\ufeff").splitlines()[1:]
    assert lines == [
        f"{item.code_id};{item.code};{item.pin};DE-ST;Beispiel-Fachschule Halle"
        for item in codes
    ]


def test_csv_is_utf8_with_bom_and_keeps_names_out_of_excel_formulas(program):
    school = InstitutionFactory(name="-Schule für Gestaltung; Köln", land_id="DE-NW")
    batch, codes = issue_codes(program, school, 1, with_pins=False, created_by="t")
    out = io.StringIO(newline="")

    write_codes_csv(batch, codes, out)

    data = out.getvalue().encode("utf-8")
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8").endswith(';;DE-NW;"\'-Schule für Gestaltung; Köln"\r\n')


def test_no_code_or_pin_reaches_the_log(program, institution, caplog):
    caplog.set_level(logging.DEBUG)

    batch, codes = issue_codes(program, institution, 5, with_pins=True, created_by="t")
    write_codes_csv(batch, codes, io.StringIO(newline=""))
    for item in codes:
        code = find_code(program, item.code.upper())
        verify_pin(code, "000000" if item.pin != "000000" else "111111", 5)
        verify_pin(code, item.pin, 5)
    revoke_code(find_code(program, codes[0].code), "t")
    revoke_batch(batch, "t")

    logged = caplog.text + "".join(str(r.msg) + str(r.args) for r in caplog.records)
    assert "access_codes_issued" in logged and "access_code_revoked" in logged
    for item in codes:
        assert item.code not in logged
        assert item.code.replace("-", "") not in logged
        assert item.pin not in logged
