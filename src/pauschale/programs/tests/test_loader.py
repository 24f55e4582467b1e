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
        (
            'timezone = "Europe/Berlin"',
            'timezone = "Mars/Olympus"',
            "timezone: unknown time zone 'Mars/Olympus'; use an IANA name",
        ),
        (
            'timezone = "Europe/Berlin"',
            'timezone = "Europe"',
            "timezone: unknown time zone 'Europe'",
        ),
        (
            'timezone = "Europe/Berlin"',
            'timezone = "../../etc/passwd"',
            "timezone: unknown time zone '../../etc/passwd'",
        ),
        (
            "EPPSG {reference}",
            "EPPSG {nope}",
            "payment.remittance: unknown placeholder(s) {nope}; use {reference}",
        ),
        (
            "EPPSG {reference}",
            "EPPSG {reference} {}",
            "payment.remittance: unknown placeholder(s) {}; use {reference}",
        ),
        (
            "EPPSG {reference}",
            "EPPSG {reference:>40}",
            "payment.remittance: write the placeholders as {reference}, "
            "without a format",
        ),
        (
            "EPPSG {reference}",
            "EPPSG {reference",
            "payment.remittance: expected '}' before end of string; "
            "write a literal brace twice",
        ),
        (
            "EPPSG {reference}",
            "EPPSG " + "x" * 78 + " {reference}",
            "payment.remittance: the text can reach 142 characters in the SEPA file",
        ),
        (
            "EPPSG {reference}",
            "EPPSG " + "Ä" * 50 + " {reference}",
            # 22 + 6 + 100 + 1 + 35: each Ä is written Ae.
            "payment.remittance: the text can reach 164 characters in the SEPA file",
        ),
        (
            "EPPSG {reference}",
            "EPPSG € 漢 {reference}",
            "payment.remittance: € 漢 is not in the SEPA character set",
        ),
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


def test_a_latin1_file_names_the_line_and_column_of_the_first_foreign_byte(
    tmp_path,
):
    path = tmp_path / "latin1.toml"
    path.write_bytes(REAL.encode("latin-1"))
    first = REAL.index("ü")
    line = REAL.count("\n", 0, first) + 1
    column = first - REAL.rfind("\n", 0, first)

    with pytest.raises(ProgramConfigError) as refused:
        load_program_file(path)

    assert refused.value.problems == [
        f"line {line}, column {column}: not UTF-8 (save the file as UTF-8)"
    ]


def test_the_column_counts_characters_not_bytes(tmp_path):
    path = tmp_path / "mixed.toml"
    path.write_bytes('slug = "x"\nlaw = "Gesetz über ä'.encode() + b"\xfc" + b'"\n')

    with pytest.raises(ProgramConfigError, match="line 2, column 21: not UTF-8"):
        load_program_file(path)


def test_the_remittance_names_the_payment_reference():
    payment = load_program_file(EPPSG_TOML).payment
    assert (
        payment.remittance_text(reference="EPP-BY-1-1")
        == "Energiepreispauschale EPPSG EPP-BY-1-1"
    )


def test_a_missing_file_is_named():
    with pytest.raises(ProgramConfigError, match="nowhere.toml: file not found"):
        load_program_file("nowhere.toml")


def test_the_eppsg_definition_has_a_waiting_room_open_from_the_start():
    room = load_program_file(EPPSG_TOML).waiting_room
    assert room.admission_rate_per_s == 50
    assert room.opens_at is None and room.slots == []
    assert room.adaptive.max_failure_ratio == 0.2
    assert room.grace_seconds >= 3 * room.poll_seconds


def test_a_program_without_a_waiting_room_table_has_none():
    start = REAL.index("[waiting_room]")
    end = REAL.index("[[declarations]]")
    assert parse_program(REAL[:start] + REAL[end:]).waiting_room is None


def _with_room(table: str):
    start = REAL.index("[waiting_room]")
    end = REAL.index("[[declarations]]")
    return REAL[:start] + table + "\n" + REAL[end:]


def test_time_slots_by_land_give_their_cohorts_an_opening():
    spec = parse_program(
        _with_room(
            """[waiting_room]
admission_rate_per_s = 20
opens_at = 2023-03-15T10:00:00+01:00

[[waiting_room.slots]]
lands = ["DE-BY", "DE-BW"]
opens_at = 2023-03-15T08:00:00+01:00
"""
        )
    )
    room = spec.waiting_room
    assert room.cohort_kind == "land"
    openings = room.openings()
    assert openings["DE-BY"].hour == 8 and openings[""].hour == 10
    assert "DE-HH" not in openings


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        (
            "[waiting_room]\nadmission_rate_per_s = 0",
            "waiting_room.admission_rate_per_s: Input should be greater than 0",
        ),
        (
            "[waiting_room]\nadmission_rate_per_s = 5\ngrace_seconds = 10\npoll_seconds = 5",
            "waiting_room: grace_seconds must be at least three poll_seconds",
        ),
        (
            "[waiting_room]\nadmission_rate_per_s = 5\nopens_at = 2023-03-15T10:00:00",
            "waiting_room.opens_at: Input should have timezone info",
        ),
        (
            "[waiting_room]\nadmission_rate_per_s = 5\n[[waiting_room.slots]]\n"
            'lands = ["DE-BY"]\nbirth_months = [1]\nopens_at = 2023-03-15T08:00:00+01:00',
            "waiting_room.slots[0]: a slot names either lands or birth_months",
        ),
        (
            "[waiting_room]\nadmission_rate_per_s = 5\n[[waiting_room.slots]]\n"
            'lands = ["DE-BY"]\nopens_at = 2023-03-15T08:00:00+01:00\n'
            "[[waiting_room.slots]]\nbirth_months = [3]\n"
            "opens_at = 2023-03-15T09:00:00+01:00",
            "waiting_room: all slots must be of one kind",
        ),
        (
            "[waiting_room]\nadmission_rate_per_s = 5\n[[waiting_room.slots]]\n"
            "birth_months = [13]\nopens_at = 2023-03-15T08:00:00+01:00",
            "waiting_room.slots[0].birth_months[0]: Input should be less than or equal to 12",
        ),
        (
            "[waiting_room]\nadmission_rate_per_s = 5\n[waiting_room.adaptive]\n"
            "decrease_factor = 1.5",
            "waiting_room.adaptive.decrease_factor: Input should be less than 1",
        ),
        (
            "[waiting_room]\nadmission_rate_per_s = 5\nrate = 3",
            "waiting_room.rate: Extra inputs are not permitted",
        ),
    ],
)
def test_a_bad_waiting_room_table_is_named(table, expected):
    problems = _problems(_with_room(table))
    assert any(p.startswith(expected) for p in problems), problems


def test_a_slot_for_a_land_outside_the_program_is_refused():
    text = _with_room(
        "[waiting_room]\nadmission_rate_per_s = 5\n[[waiting_room.slots]]\n"
        'lands = ["DE-BY"]\nopens_at = 2023-03-15T08:00:00+01:00\n'
    )
    # A program for every Land but Bavaria.
    without_bavaria = (
        text[: text.index("[lands.DE-BY]")] + text[text.index("[lands.DE-BE]") :]
    )
    problems = _problems(without_bavaria)
    assert "waiting_room.slots: DE-BY not among the lands" in " ".join(problems)


def test_a_payer_account_outside_the_sepa_area_is_refused():
    text = REAL.replace(
        REAL[REAL.index('iban = "DE', REAL.index("[lands.")) :].split("\n", 1)[0],
        'iban = "TR330006100519786457841326"',
        1,
    )
    assert _problems(text) == [
        "lands.DE-BW.payer.iban: the IBAN's country TR is not in the SEPA area"
    ]
