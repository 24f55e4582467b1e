"""The issue_codes and revoke_codes commands."""

import csv
import stat

from django.core.management import CommandError, call_command

import pytest

from pauschale.registry.models import AccessCode, AccessCodeBatch
from pauschale.registry.services import find_code

from .factories import InstitutionFactory

pytestmark = pytest.mark.django_db

TOO_LARGE = str(2**63)
TOO_SMALL = str(-(2**63) - 1)


@pytest.fixture
def institution():
    return InstitutionFactory(land_id="DE-HB")


def _issue(institution, out, *extra):
    call_command(
        "issue_codes",
        "--program=eppsg-2023",
        f"--institution={institution.pk}",
        "--count=4",
        f"--out={out}",
        *extra,
    )


def _read(out):
    with out.open(encoding="utf-8-sig", newline="") as file:
        return list(csv.DictReader(file, delimiter=";"))


def test_issue_codes_writes_a_private_file(program, institution, tmp_path, capsys):
    out = tmp_path / "codes.csv"

    _issue(institution, out, "--pins")

    rows = _read(out)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert len(rows) == 4 and all(len(row["pin"]) == 6 for row in rows)
    assert {row["land"] for row in rows} == {"DE-HB"}
    for row in rows:
        assert find_code(program, row["zugangscode"]).pk == int(row["code_id"])
    printed = capsys.readouterr().out
    assert "Issued 4 codes with PINs" in printed
    assert not any(row["zugangscode"] in printed for row in rows)


def test_issue_codes_refuses_to_overwrite(program, institution, tmp_path):
    out = tmp_path / "codes.csv"
    out.write_text("keep me")

    with pytest.raises(CommandError, match="exists already"):
        _issue(institution, out)

    assert out.read_text() == "keep me"
    assert not AccessCodeBatch.objects.exists()


def test_issue_codes_leaves_no_file_when_it_cannot_issue(program, tmp_path):
    closed = InstitutionFactory(is_active=False)
    out = tmp_path / "codes.csv"

    with pytest.raises(CommandError, match="not active"):
        _issue(closed, out)

    assert not out.exists()
    assert not AccessCode.objects.exists()


def test_revoke_codes_by_id_and_by_batch(program, institution, tmp_path, capsys):
    out = tmp_path / "codes.csv"
    _issue(institution, out)
    rows = _read(out)
    batch = AccessCodeBatch.objects.get()

    call_command(
        "revoke_codes", "--program=eppsg-2023", "--code-id", rows[0]["code_id"]
    )
    assert find_code(program, rows[0]["zugangscode"]) is None
    assert find_code(program, rows[1]["zugangscode"]) is not None

    call_command("revoke_codes", "--program=eppsg-2023", f"--batch={batch.pk}")
    assert "3 code(s) revoked" in capsys.readouterr().out
    assert all(find_code(program, row["zugangscode"]) is None for row in rows)


def test_revoke_codes_refuses_unknown_ids_and_revokes_nothing(
    program, institution, tmp_path
):
    out = tmp_path / "codes.csv"
    _issue(institution, out)
    known = _read(out)[0]["code_id"]

    with pytest.raises(CommandError, match="no access code"):
        call_command(
            "revoke_codes", "--program=eppsg-2023", "--code-id", known, "999999"
        )

    assert not AccessCode.objects.filter(revoked_at__isnull=False).exists()


def test_revoke_codes_names_ids_out_of_the_database_range(
    program, institution, tmp_path
):
    out = tmp_path / "codes.csv"
    _issue(institution, out)
    known = _read(out)[0]["code_id"]

    with pytest.raises(CommandError, match=f"no access code\\(s\\) {TOO_LARGE} in"):
        call_command(
            "revoke_codes", "--program=eppsg-2023", "--code-id", known, TOO_LARGE
        )
    with pytest.raises(CommandError, match=f"no access code\\(s\\) {TOO_SMALL} in"):
        call_command("revoke_codes", "--program=eppsg-2023", "--code-id", TOO_SMALL)

    assert not AccessCode.objects.filter(revoked_at__isnull=False).exists()


def test_revoke_codes_names_a_batch_id_too_large_for_the_database(program):
    with pytest.raises(CommandError, match=f"no batch {TOO_LARGE} in program"):
        call_command("revoke_codes", "--program=eppsg-2023", f"--batch={TOO_LARGE}")


def test_issue_codes_names_an_institution_id_too_large_for_the_database(
    program, tmp_path
):
    out = tmp_path / "codes.csv"

    with pytest.raises(CommandError, match=f"no institution {TOO_LARGE}$"):
        call_command(
            "issue_codes",
            "--program=eppsg-2023",
            f"--institution={TOO_LARGE}",
            "--count=1",
            f"--out={out}",
        )

    assert not out.exists()
