"""Installing a program file, and loading it again once the program is in use."""

from io import StringIO

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
        (
            'timezone = "Europe/Berlin"',
            'timezone = "America/New_York"',
            "timezone: Europe/Berlin cannot become America/New_York",
        ),
    ],
)
def test_the_amount_cutoff_and_timezone_stay_once_codes_were_issued(
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
    stored = Program.objects.get(slug="eppsg-2023").spec
    assert (stored.amount_cents, stored.timezone) == (200_00, "Europe/Berlin")


def test_a_program_in_use_may_still_change_its_window(program, tmp_path):
    issue_codes(
        program, InstitutionFactory(land_id="DE-BE"), 1, with_pins=False, created_by="t"
    )
    install_program(changed_file(tmp_path, "end = 2023-09-30", "end = 2023-10-31"))
    assert str(Program.objects.get(slug="eppsg-2023").spec.window.end) == "2023-10-31"


def test_an_unknown_reason_to_refer_is_refused_when_loading(program, tmp_path):
    path = changed_file(
        tmp_path,
        'refer = ["identity_mismatch"]',
        'refer = ["identity_mismatch", "nonsense", "typo"]',
    )

    with pytest.raises(CommandError) as refused:
        call_command("load_program", str(path))

    message = str(refused.value)
    assert "review.refer: unknown reason code(s) nonsense, typo; use one of " in message
    assert "identity_mismatch" in message.split("use one of ")[1]
    assert Program.objects.get(slug="eppsg-2023").spec.review.refer == [
        "identity_mismatch"
    ]


def test_a_time_zone_stored_before_it_was_checked_can_be_corrected(program):
    """An unknown zone stored by an earlier version made every submission fail,
    so no application depends on it: loading the corrected file replaces it."""
    issue_codes(
        program, InstitutionFactory(land_id="DE-BE"), 1, with_pins=False, created_by="t"
    )
    Program.objects.filter(pk=program.pk).update(
        spec_json={**program.spec_json, "timezone": "Mars/Olympus"}
    )

    call_command("load_program", str(EPPSG_TOML), stdout=StringIO())

    assert Program.objects.get(pk=program.pk).spec.timezone == "Europe/Berlin"
