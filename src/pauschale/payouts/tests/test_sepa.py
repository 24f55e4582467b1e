from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from pauschale.payouts import sepa
from pauschale.payouts.sepa import (
    SEPA_CHARACTERS,
    Debtor,
    Message,
    SepaFileError,
    SepaValidationError,
    Transfer,
    format_amount,
    parse_amount,
    to_sepa_text,
    validate_pain001,
    write_pain001,
)

from .factories import invented_iban

NS = {"p": sepa.PAIN_001_NAMESPACE}
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Jörg Müller-Lüdenscheidt", "Joerg Mueller-Luedenscheidt"),
        ("ÄRGER ÖL ÜBER", "AeRGER OeL UeBER"),
        ("Straße", "Strasse"),
        ("Meier & Söhne", "Meier + Soehne"),
        ("José Łukasz Øster Ångström", "Jose Lukasz Oster Angstroem"),
        ("Seán O’Brien", "Sean O'Brien"),
        ("  Anna \t Maria\n Schmidt ", "Anna Maria Schmidt"),
        ("Li 李 Wei_€#", "Li Wei"),
        ("a/b-c?d:e(f)g.h,i'j+k", "a/b-c?d:e(f)g.h,i'j+k"),
    ],
)
def test_to_sepa_text_transliterates(text, expected):
    assert to_sepa_text(text, 70) == expected


def test_to_sepa_text_cuts_without_trailing_space():
    assert to_sepa_text("Müller Meier", 7) == "Mueller"
    assert to_sepa_text("ß" * 50, 70) == "s" * 70


@given(st.text(), st.integers(min_value=1, max_value=200))
def test_to_sepa_text_stays_in_the_sepa_set_and_length(text, max_len):
    result = to_sepa_text(text, max_len)

    assert len(result) <= max_len
    assert set(result) <= SEPA_CHARACTERS
    assert result == result.strip()
    assert "  " not in result


@given(st.text(alphabet=sorted(SEPA_CHARACTERS - {" "}), min_size=1, max_size=70))
def test_to_sepa_text_keeps_text_that_is_already_allowed(text):
    assert to_sepa_text(text, 70) == text


@given(st.integers(min_value=0, max_value=10**15))
def test_amounts_round_trip_through_text(cents):
    assert parse_amount(format_amount(cents)) == cents


def test_amount_text_has_two_decimals():
    assert format_amount(20_000) == "200.00"
    assert format_amount(5) == "0.05"
    with pytest.raises(ValueError):
        parse_amount("1.005")


def _message(count: int, total: int, **changes) -> Message:
    fields = {
        "message_id": "EPP-BY-1-1",
        "created_at": datetime(2023, 3, 20, 9, 0, tzinfo=BERLIN),
        "initiating_party": "Landeshauptkasse Bayern",
        "debtor": Debtor(
            "Landeshauptkasse Bayern", "DE12700000000020230001", "MARKDEF1700"
        ),
        "execution_date": date(2023, 3, 21),
        "transaction_count": count,
        "total_cents": total,
    }
    return Message(**(fields | changes))


def _transfers(count: int, **changes) -> list[Transfer]:
    return [
        Transfer(
            **{
                "end_to_end_id": f"EPP-BY-{n}-1",
                "amount_cents": 20_000,
                "creditor_name": "Jörg Müller-Lüdenscheidt",
                "creditor_iban": invented_iban(n),
                "remittance": f"Energiepreispauschale EPPSG EPP-BY-{n}-1",
            }
            | (changes if n == 2 else {})
        )
        for n in range(1, count + 1)
    ]


def test_written_file_is_valid_utf8_without_bom(tmp_path):
    path = tmp_path / "EPP-BY-1-1.xml"

    summary = write_pain001(path, _message(3, 60_000), _transfers(3))

    data = path.read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf")
    data.decode("utf-8")
    assert validate_pain001(path).sha256 == summary.sha256
    assert (summary.transaction_count, summary.total_cents) == (3, 60_000)
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    root = etree.parse(path).getroot()
    assert (
        root.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:CtrlSum", namespaces=NS)
        == "600.00"
    )
    names = root.xpath("//p:Cdtr/p:Nm/text()", namespaces=NS)
    assert names == ["Joerg Mueller-Luedenscheidt"] * 3
    assert not root.xpath("//p:CdtrAgt | //p:Cdtr/p:PstlAdr", namespaces=NS)


def test_36_character_end_to_end_id_is_rejected_and_file_removed(tmp_path):
    path = tmp_path / "broken.xml"

    with pytest.raises(SepaValidationError) as error:
        write_pain001(path, _message(3, 60_000), _transfers(3, end_to_end_id="E" * 36))

    assert "EndToEndId" in str(error.value)
    assert str(path) in str(error.value)
    assert error.value.errors[0][0] > 1  # a line number
    assert list(tmp_path.iterdir()) == []


def test_schema_errors_do_not_quote_the_iban(tmp_path):
    path = tmp_path / "broken.xml"

    with pytest.raises(SepaValidationError) as error:
        write_pain001(
            path, _message(3, 60_000), _transfers(3, creditor_iban="DE00 Jörg")
        )

    assert "IBAN" in str(error.value)
    assert "Jörg" not in str(error.value)
    assert "DE00" not in str(error.value)


def test_validator_rejects_a_hand_broken_document_with_its_line(tmp_path):
    path = tmp_path / "good.xml"
    write_pain001(path, _message(3, 60_000), _transfers(3))
    lines = path.read_text().splitlines()
    line = next(i for i, text in enumerate(lines) if "EPP-BY-2-1</EndToEndId>" in text)
    lines[line] = lines[line].replace("EPP-BY-2-1", "X" * 36)
    broken = tmp_path / "broken.xml"
    broken.write_text("\n".join(lines))

    with pytest.raises(SepaValidationError) as error:
        validate_pain001(broken)

    assert error.value.errors[0][0] == line + 1
    assert "maximum length of '35'" in error.value.errors[0][1]


def test_validator_checks_count_and_sum_of_the_header(tmp_path):
    path = tmp_path / "good.xml"
    write_pain001(path, _message(3, 60_000), _transfers(3))
    broken = tmp_path / "broken.xml"
    broken.write_text(
        path.read_text().replace("<CtrlSum>600.00<", "<CtrlSum>600.01<", 1)
    )

    with pytest.raises(SepaValidationError, match="GrpHdr/CtrlSum"):
        validate_pain001(broken)


def test_stated_totals_must_match_the_transfers(tmp_path):
    with pytest.raises(SepaFileError, match="stated 3 transfers"):
        write_pain001(tmp_path / "x.xml", _message(3, 60_001), _transfers(3))

    assert list(tmp_path.iterdir()) == []


def test_existing_file_is_never_overwritten(tmp_path):
    path = tmp_path / "EPP-BY-1-1.xml"
    path.write_text("sent already")

    with pytest.raises(SepaFileError, match="exists"):
        write_pain001(path, _message(3, 60_000), _transfers(3))

    assert path.read_text() == "sent already"


def test_not_well_formed_file_is_reported(tmp_path):
    path = tmp_path / "x.xml"
    path.write_text("<Document>")

    with pytest.raises(SepaValidationError, match="not well-formed"):
        validate_pain001(path)


def test_name_without_latin_letters_goes_out_as_not_provided(tmp_path, caplog):
    path = tmp_path / "EPP-BY-1-1.xml"

    write_pain001(path, _message(3, 60_000), _transfers(3, creditor_name="李小龙"))

    root = etree.parse(path).getroot()
    names = root.xpath("//p:Cdtr/p:Nm/text()", namespaces=NS)
    assert names[1] == "NOTPROVIDED"
    assert "sepa_creditor_name_empty" in caplog.text
    assert "李" not in caplog.text
