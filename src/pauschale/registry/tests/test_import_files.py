"""Checking import files: encodings, delimiters, formats and every kind of bad row."""

from django.core.management import CommandError, call_command

import pytest

from pauschale.registry.import_formats import nrw_school_name
from pauschale.registry.imports import (
    InstitutionImportError,
    RowError,
    import_institutions,
)
from pauschale.registry.models import Institution

pytestmark = pytest.mark.django_db

HSK_HEADER = "ID,Region,Name,Category,Url\n"


@pytest.fixture
def write(tmp_path):
    def write(name: str, text: str, encoding: str = "utf-8") -> str:
        path = tmp_path / name
        path.write_bytes(text.encode(encoding))
        return str(path)

    return write


def _errors(path: str, **kwargs) -> list[RowError]:
    with pytest.raises(InstitutionImportError) as caught:
        import_institutions(path, **kwargs)
    return caught.value.errors


def test_windows_1252_file_is_refused_naming_the_line(write):
    text = (
        HSK_HEADER
        + "1,Bayern,Hochschule Nord,Public,\n2,Bayern,Hochschule Süd,Public,\n"
    )
    path = write("ansi.csv", text, encoding="cp1252")

    [error] = _errors(path)

    assert (error.path, error.line) == (path, 3)
    assert "Windows-1252" in str(error) and str(error).startswith(f"{path}, line 3:")
    assert not Institution.objects.exists()


def test_missing_column_is_named(write):
    path = write("x.csv", "ID,Name,Category,Url\n1,Hochschule Nord,Public,\n")

    [error] = _errors(path, format="hsk-destatis")

    assert str(error) == (
        f'{path}, line 1, field "Region": required column is missing '
        "(format hsk-destatis)"
    )


def test_missing_column_is_found_when_the_format_is_detected(write):
    header = "Schulnummer,Schulform,Schulbezeichnung_1,Schulbetriebsschluessel\n"
    path = write("nrw.csv", header + "100001,30,Berufskolleg Beispiel,1\n")

    [error] = _errors(path)

    assert (error.line, error.field) == (1, "Ort")


def test_unknown_land_names_file_line_and_field(write):
    path = write(
        "x.csv", HSK_HEADER + "1,Bayern,H Nord,Public,\n2,Bayren,H Süd,Public,\n"
    )

    [error] = _errors(path)

    assert str(error) == f'{path}, line 3, field "Region": unknown Land "Bayren"'


def test_empty_name_and_duplicate_id_are_reported(write):
    text = (
        HSK_HEADER
        + "7,Bayern,H Nord,Public,\n8,Hessen,,Public,\n7,Hessen,H Ost,Public,\n"
    )
    path = write("x.csv", text)

    errors = _errors(path)

    assert [(e.line, e.field) for e in errors] == [(3, "Name"), (4, "ID")]
    assert errors[1].message == 'duplicate "7" (first on line 2)'


def test_every_bad_row_is_reported_and_nothing_is_imported(write):
    rows = [f"{n},Sachsen,Hochschule {n},Public," for n in range(1, 21)]
    rows[4] = "5,Saxony,Hochschule 5,Public,"
    rows[16] = "17,Sachsen,,Public,"
    path = write("x.csv", HSK_HEADER + "\n".join(rows) + "\n")

    errors = _errors(path)

    assert [(e.line, e.field) for e in errors] == [(6, "Region"), (18, "Name")]
    assert not Institution.objects.exists()


def test_bad_row_leaves_earlier_imports_untouched(write):
    good = write("good.csv", HSK_HEADER + "1,Berlin,H Spree,Public,\n")
    import_institutions(good)
    bad = write(
        "bad.csv", HSK_HEADER + "1,Berlin,H Spree neu,Public,\n2,Nirgendwo,X,,\n"
    )

    _errors(bad)

    assert list(Institution.objects.values_list("name", flat=True)) == ["H Spree"]


def test_semicolon_file_with_bom_in_the_generic_format(write):
    text = (
        "\ufeffexternal_id;name;land;kind;city\r\n"
        "BY-1;Staatliche Fachschule für Agrarwirtschaft;DE-BY;fachschule;Landshut\r\n"
        "BY-2;Berufsfachschule für Pflege;Bayern;FACHSCHULE;Passau\r\n"
        "\r\n"
    )
    path = write("bayern.csv", text)

    report = import_institutions(path)

    assert (report.format, report.created) == ("pauschale", 2)
    school = Institution.objects.get(external_id="BY-2")
    assert (school.land_id, school.kind, school.city) == (
        "DE-BY",
        "fachschule",
        "Passau",
    )
    assert school.source == "pauschale:DE-BY"


def test_generic_format_keys_ids_per_land(write):
    text = "external_id,name,land,kind\n1,Fachschule A,DE-HE,fachschule\n"
    import_institutions(write("he.csv", text))
    text = "external_id,name,land,kind\n1,Fachschule B,Thüringen,fachschule\n"
    import_institutions(write("th.csv", text))

    assert Institution.objects.filter(external_id="1").count() == 2


def test_generic_format_refuses_unknown_kind(write):
    path = write("x.csv", "external_id,name,land,kind\n1,Schule,DE-HE,gymnasium\n")

    [error] = _errors(path)

    assert (error.line, error.field) == (2, "kind")


def test_changed_row_is_updated_and_counted(write):
    import_institutions(write("a.csv", HSK_HEADER + "1,Berlin,H Spree,Public,\n"))

    report = import_institutions(
        write("b.csv", HSK_HEADER + "1,Berlin,H  Havel ,Public,\n")
    )

    assert (report.created, report.updated, report.unchanged) == (0, 1, 0)
    assert Institution.objects.get().name == "H Havel"


def test_row_with_more_fields_than_the_header_is_refused(write):
    path = write(
        "x.csv", HSK_HEADER + "1,Berlin,H Spree,Public,www.example.org,extra\n"
    )

    [error] = _errors(path)

    assert error.line == 2 and "fields" in error.message


def test_row_with_fewer_fields_than_the_header_is_refused(write):
    path = write(
        "x.csv",
        HSK_HEADER
        + "1,Berlin,H Spree,Public,www.example.org\n2,Berlin,H Havel,Public\n",
    )

    [error] = _errors(path)

    assert (error.line, error.message) == (3, "has 4 fields, the header 5")
    assert not Institution.objects.exists()


def test_an_unclosed_quote_is_refused_naming_where_it_opened(write):
    path = write(
        "quote.csv",
        HSK_HEADER
        + '9010,Bayern,"Unclosed quote,Public,www.x.de\n'
        + "9011,Bayern,H Isar,Public,www.y.de\n",
    )

    with pytest.raises(CommandError) as caught:
        call_command("import_institutions", path)

    assert f'{path}, line 2, field "Name": a quoted value runs over several lines' in (
        str(caught.value)
    )
    assert "nothing imported" in str(caught.value)
    assert not Institution.objects.exists()


def test_an_unclosed_quote_closed_by_a_later_row_is_refused(write):
    path = write(
        "quote.csv",
        HSK_HEADER
        + "9009,Bayern,H Main,Public,\n"
        + '9010,Bayern,"Unclosed quote,Public,www.x.de\n'
        + '9011,Bayern,"H Isar",Public,www.y.de\n',
    )

    with pytest.raises(CommandError, match='line 3, field "Name": a quoted value'):
        call_command("import_institutions", path)

    assert not Institution.objects.exists()


def test_an_unclosed_quote_on_the_last_line_is_refused(write):
    path = write(
        "quote.csv", HSK_HEADER + '9010,Bayern,"Unclosed quote,Public,www.x.de'
    )

    with pytest.raises(CommandError) as caught:
        call_command("import_institutions", path)

    assert f'{path}, line 2, field "Name": a quote (") opened in this field is ' in (
        str(caught.value)
    )


def test_text_after_a_closing_quote_is_refused(write):
    path = write("quote.csv", HSK_HEADER + '9010,Bayern,"H" Isar,Public,\n')

    with pytest.raises(CommandError, match=r"line 2: text follows a closing quote"):
        call_command("import_institutions", path)


def test_a_utf_16_file_is_refused_as_utf_16(write):
    path = write("unicode.csv", HSK_HEADER + "1,Bayern,H Süd,Public,\n", "utf-16")

    with pytest.raises(CommandError) as caught:
        call_command("import_institutions", path)

    assert f"{path}: the file is UTF-16 text, which is not accepted; save it as " in (
        str(caught.value)
    )
    assert "Windows-1252" not in str(caught.value)


def test_a_binary_file_is_refused_as_not_text(tmp_path):
    path = tmp_path / "picture.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")

    with pytest.raises(CommandError, match="not a text file but binary data"):
        call_command("import_institutions", str(path))


def test_unrecognised_header_asks_for_the_format(write):
    [error] = _errors(write("x.csv", "a,b,c\n1,2,3\n"))

    assert error.line == 1 and "--format" in error.message


def test_command_reports_counts_and_problems(write, capsys):
    path = write("x.csv", HSK_HEADER + "1,Berlin,H Spree,Public,\n")
    call_command("import_institutions", path)
    assert "1 rows, 1 created" in capsys.readouterr().out

    bad = write("bad.csv", HSK_HEADER + "2,Bayren,H Isar,Public,\n")
    with pytest.raises(CommandError, match='line 2, field "Region": unknown Land'):
        call_command("import_institutions", bad)


def test_command_imports_nothing_if_one_of_several_files_is_bad(write):
    good = write("good.csv", HSK_HEADER + "1,Berlin,H Spree,Public,\n")
    bad = write("badrows.csv", HSK_HEADER + "2,Bayren,H Isar,Public,\n")

    with pytest.raises(CommandError) as caught:
        call_command("import_institutions", good, bad)

    assert f'{bad}, line 2, field "Region": unknown Land "Bayren"' in str(caught.value)
    assert "1 problem(s) in 1 of 2 file(s), nothing imported" in str(caught.value)
    assert good not in str(caught.value)
    assert not Institution.objects.exists()


def test_command_reports_the_problems_of_every_file(write):
    first = write("first.csv", HSK_HEADER + "1,Bayren,H Isar,Public,\n")
    second = write("second.csv", HSK_HEADER + "2,Berlin,,Public,\n")

    with pytest.raises(CommandError) as caught:
        call_command("import_institutions", first, second)

    message = str(caught.value)
    assert f'{first}, line 2, field "Region": unknown Land "Bayren"' in message
    assert f'{second}, line 2, field "Name"' in message
    assert "2 problem(s) in 2 of 2 file(s)" in message
    assert not Institution.objects.exists()


def test_command_imports_all_good_files_together(write, capsys):
    first = write("first.csv", HSK_HEADER + "1,Berlin,H Spree,Public,\n")
    second = write(
        "second.csv", "external_id,name,land,kind\n1,FS A,DE-HE,fachschule\n"
    )

    call_command("import_institutions", first, second)

    printed = capsys.readouterr().out
    assert f"{first} (hsk-destatis): 1 rows, 1 created" in printed
    assert f"{second} (pauschale): 1 rows, 1 created" in printed
    assert Institution.objects.count() == 2


@pytest.mark.parametrize(
    ("lines", "name"),
    [
        (
            ["Max-Weber-Berufskolleg", "Städt. Schule für Wirtschaft und", "x"],
            "Max-Weber-Berufskolleg",
        ),
        (
            ["Stadt Köln", "Berufskolleg Südstadt", "- Sekundarstufe II -"],
            "Stadt Köln Berufskolleg Südstadt",
        ),
        (
            ["Berufskolleg der Landwirtschafts-", "kammer NRW", ""],
            "Berufskolleg der Landwirtschaftskammer NRW",
        ),
        (
            ["Evangelisches Berufskolleg der", "Diakonie Beispiel", "-Sek. II-"],
            "Evangelisches Berufskolleg der Diakonie Beispiel",
        ),
        (
            ["Privates Berufskolleg", "- Sekundarstufe II -", "des Beispielwerks"],
            "Privates Berufskolleg des Beispielwerks",
        ),
    ],
)
def test_nrw_school_name_takes_further_lines_only_when_needed(lines, name):
    assert nrw_school_name(lines) == name
