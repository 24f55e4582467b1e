"""Loading program definitions: the real file, and what a bad one is told."""

import pytest

from conftest import EPPSG_TOML
from pauschale.programs.loader import (
    ProgramConfigError,
    load_program_file,
    parse_program,
)
from pauschale.programs.spec import TrustLevel

REAL = EPPSG_TOML.read_text(encoding="utf-8")


def test_the_eppsg_definition_describes_the_real_scheme():
    spec = load_program_file(EPPSG_TOML)
    assert spec.slug == "eppsg-2023"
    assert spec.amount_cents == 200_00
    assert str(spec.cutoff_date) == "2022-12-01"
    assert (str(spec.window.start), str(spec.window.end)) == (
        "2023-03-15",
        "2023-09-30",
    )
    assert len(spec.lands) == 16
    assert {d.id for d in spec.declarations} >= {"residence", "truthful"}
    assert "EPPSG" in spec.payment.remittance
    assert spec.trust.needs_pin(TrustLevel.BASIS)
    assert not spec.trust.needs_pin(TrustLevel.SUBSTANTIELL)


def test_a_land_may_open_earlier_for_a_pilot():
    spec = load_program_file(EPPSG_TOML)
    assert spec.land_start("DE-ST") < spec.window.start
    assert spec.land_start("DE-BY") == spec.window.start


def _problems(text: str) -> list[str]:
    with pytest.raises(ProgramConfigError) as info:
        parse_program(text, "programs/broken.toml")
    assert str(info.value).startswith("programs/broken.toml: ")
    return info.value.problems


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            'amount_eur = "200.00"',
            "amount_eur = 200.0",
            "amount_eur: write the amount as a string",
        ),
        (
            'amount_eur = "200.00"',
            'amount_eur = "-5"',
            "amount_eur: Input should be greater than 0",
        ),
        ("end = 2023-09-30", "end = 2023-01-01", "window: end lies before start"),
        (
            'pin_required_below = "substantiell"',
            'pin_required_below = "mittel"',
            "trust.pin_required_below: unknown trust level 'mittel'",
        ),
        (
            'payer.iban = "DE12700000000020230001"',
            'payer.iban = "DE13700000000020230001"',
            "lands.DE-BY.payer.iban: not a valid IBAN",
        ),
        ("[lands.DE-BY]", "[lands.DE-XY]", "lands: unknown Land code(s) DE-XY"),
        ('law = "', 'lawx = "', "law: Field required"),
    ],
)
def test_an_error_names_the_key_and_the_problem(old, new, expected):
    assert old in REAL
    problems = _problems(REAL.replace(old, new, 1))
    assert any(p.startswith(expected) for p in problems), problems


def test_an_unknown_key_is_refused_rather_than_ignored():
    problems = _problems(REAL.replace("[window]", "[window]\nstrat = 2023-03-15", 1))
    assert problems == ["window.strat: Extra inputs are not permitted"]


def test_broken_toml_names_the_line():
    problems = _problems(REAL.replace("slug = ", "slug == ", 1))
    assert len(problems) == 1 and "line" in problems[0]


def test_a_missing_file_is_named():
    with pytest.raises(ProgramConfigError, match="nowhere.toml: file not found"):
        load_program_file("nowhere.toml")
