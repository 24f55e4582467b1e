"""Installing a program file, and loading it again once the program is in use."""

from django.core.management import call_command
from django.core.management.base import CommandError

import pytest

from conftest import EPPSG_TOML
from pauschale.programs.loader import ProgramConfigError
from pauschale.programs.models import Program
from pauschale.programs.services import install_program
from pauschale.registry.services import issue_codes
from pauschale.registry.tests.factories import InstitutionFactory

pytestmark = pytest.mark.django_db
REAL = EPPSG_TOML.read_text(encoding="utf-8")


def changed_file(tmp_path, old: str, new: str):
    assert old in REAL
    path = tmp_path / "eppsg-2023.toml"
    path.write_text(REAL.replace(old, new), encoding="utf-8")
    return path


def test_a_program_without_records_takes_a_new_amount(program, tmp_path):
    install_program(
        changed_file(tmp_path, 'amount_eur = "200.00"', 'amount_eur = "300.00"')
    )
    assert Program.objects.get(slug="eppsg-2023").spec.amount_cents == 300_00


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        (
            'amount_eur = "200.00"',
            'amount_eur = "300.00"',
            "amount_eur: 200.00 cannot become 300.00",
        ),
        (
            "cutoff_date = 2022-12-01",
            "cutoff_date = 2023-01-01",
            "cutoff_date: 2022-12-01 cannot become 2023-01-01",
        ),
    ],
)
def test_the_amount_and_the_cutoff_stay_once_codes_were_issued(
    program, tmp_path, old, new, key
):
    issue_codes(
        program, InstitutionFactory(land_id="DE-BE"), 1, with_pins=False, created_by="t"
    )
    path = changed_file(tmp_path, old, new)

    with pytest.raises(ProgramConfigError) as refused:
        install_program(path)
    with pytest.raises(CommandError, match=key):
        call_command("load_program", str(path))

    assert refused.value.problems[0].startswith(key)
    assert "new slug" in refused.value.problems[0]
    assert Program.objects.get(slug="eppsg-2023").spec.amount_cents == 200_00


def test_a_program_in_use_may_still_change_its_window(program, tmp_path):
    issue_codes(
        program, InstitutionFactory(land_id="DE-BE"), 1, with_pins=False, created_by="t"
    )
    install_program(changed_file(tmp_path, "end = 2023-09-30", "end = 2023-10-31"))
    assert str(Program.objects.get(slug="eppsg-2023").spec.window.end) == "2023-10-31"
