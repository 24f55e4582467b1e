"""An institution uploads a list of eligible people and gets one code per row."""

import csv
import io
from datetime import date

import pytest
from openpyxl import Workbook

from pauschale.common.hashing import person_key
from pauschale.programs.models import Program
from pauschale.registry.models import AccessCode, AccessCodeBatch

pytestmark = pytest.mark.django_db

GOOD = (
    "Familienname;Vornamen;Geburtsdatum;Matrikelnummer\n"
    "Zwiebelhuber;Kunigunde;17.05.2001;4711\n"
    "Öztürk-Weiß;Ayla Marie;2000-02-29;4712\n"
)


def _upload(client, name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        "/backoffice/codes/list/",
        {
            "program": Program.objects.get().pk,
            "with_pins": "on",
            "file": SimpleUploadedFile(name, content),
        },
    )


def _downloaded_rows(client, batch) -> list[dict]:
    content = client.post(f"/backoffice/codes/{batch.pk}/download/csv/").content
    text = content.decode("utf-8").lstrip("\ufeff")
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


def test_a_good_list_gives_one_code_per_person_with_the_person_key(
    as_user, staff_by, spring_day
):
    client = as_user(staff_by)

    response = _upload(client, "liste.csv", GOOD.encode("utf-8-sig"))

    assert response.status_code == 302
    batch = AccessCodeBatch.objects.get()
    keys = set(
        AccessCode.objects.filter(batch=batch).values_list(
            "expected_person_key", flat=True
        )
    )
    assert keys == {
        person_key("Zwiebelhuber", "Kunigunde", date(2001, 5, 17)),
        person_key("Öztürk-Weiß", "Ayla Marie", date(2000, 2, 29)),
    }
    rows = _downloaded_rows(client, batch)
    assert [(r["familienname"], r["referenz"]) for r in rows] == [
        ("Zwiebelhuber", "4711"),
        ("Öztürk-Weiß", "4712"),
    ]


def test_a_windows_1252_list_with_commas_is_read(as_user, staff_by, spring_day):
    content = GOOD.replace(";", ",").encode("cp1252")
    client = as_user(staff_by)

    response = _upload(client, "liste.csv", content)

    assert response.status_code == 302
    rows = _downloaded_rows(client, AccessCodeBatch.objects.get())
    assert rows[1]["familienname"] == "Öztürk-Weiß"


def test_an_xlsx_list_with_real_dates_is_read(as_user, staff_by, spring_day):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Nachname", "Vorname", "Geburtsdatum"])
    sheet.append(["Zwiebelhuber", "Kunigunde", date(2001, 5, 17)])
    sheet.append(["Pröbstl", "Ilse", "29.02.2000"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    client = as_user(staff_by)

    response = _upload(client, "liste.xlsx", buffer.getvalue())

    assert response.status_code == 302
    batch = AccessCodeBatch.objects.get()
    assert batch.size == 2
    assert AccessCode.objects.filter(
        batch=batch,
        expected_person_key=person_key("Zwiebelhuber", "Kunigunde", date(2001, 5, 17)),
    ).exists()


def test_a_bad_list_reports_every_bad_row_and_issues_nothing(
    as_user, staff_by, spring_day, caplog
):
    content = (
        "Familienname;Vornamen;Geburtsdatum\n"
        "Zwiebelhuber;Kunigunde;31.02.2001\n"
        ";Ilse;01.01.2000\n"
        "Pröbstl;Ilse;2000-02-29\n"
        "Pröbstl;Ilse;29.02.2000\n"
        "Weiß;Otto;01.01.2099\n"
    ).encode()
    client = as_user(staff_by)

    response = _upload(client, "kaputt.csv", content)

    page = response.content.decode()
    assert response.status_code == 200
    assert not AccessCodeBatch.objects.exists()
    table = page.split("data-errors", 1)[1].split("</table>", 1)[0]
    for line, column in [
        (2, "Geburtsdatum"),
        (3, "Familienname"),
        (5, None),
        (6, "Geburtsdatum"),
    ]:
        assert (
            f'<td class="kern-table__cell kern-table__cell--numeric">{line}</td>'
            in table
        )
        if column:
            assert column in table
    assert table.count("<tr") == 5  # header row + four problems
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert "Zwiebelhuber" not in logged and "31.02.2001" not in logged


def test_a_list_without_the_name_columns_is_refused(as_user, staff_by, spring_day):
    client = as_user(staff_by)

    response = _upload(client, "falsch.csv", b"Name;Stadt\nZwiebelhuber;Halle\n")

    assert "Vornamen" in response.content.decode()
    assert not AccessCodeBatch.objects.exists()


def test_the_rule_checks_the_bundid_identity_against_the_list(
    client, program, staff_by, spring_day, saml_settings
):
    """End to end: a code from the list, used by another person, is referred."""
    from pauschale.applications.tests.applicant import Applicant, InventedPerson

    staff = as_staff(client, staff_by)
    _upload(staff, "liste.csv", GOOD.encode())
    rows = _downloaded_rows(staff, AccessCodeBatch.objects.get())
    staff.post("/backoffice/logout/")

    right = InventedPerson(
        username="k-z",
        given_names="Kunigunde",
        family_name="Zwiebelhuber",
        birth_date=date(2001, 5, 17),
    )
    wrong = InventedPerson(
        username="o-w",
        given_names="Otto",
        family_name="Weiß",
        birth_date=date(1999, 1, 1),
    )
    for person, row in [(right, rows[0]), (wrong, rows[1])]:
        client.cookies.clear()
        applicant = Applicant(client, person)
        applicant.start(row["zugangscode"], "DE-BY")
        applicant.submit()

    statuses = dict(
        AccessCode.objects.filter(
            batch__institution=staff_by.staff.institution
        ).values_list("pk", "application__status")
    )
    assert statuses[int(rows[0]["code_id"])] == "approved"
    assert statuses[int(rows[1]["code_id"])] == "referred"


def as_staff(client, user):
    from .staff import sign_in

    sign_in(client, user)
    return client


def test_a_too_large_file_is_refused_before_it_is_read(
    as_user, staff_by, spring_day, monkeypatch
):
    from pauschale.backoffice import forms

    monkeypatch.setattr(forms, "MAX_LIST_BYTES", 100)
    client = as_user(staff_by)

    response = _upload(client, "gross.csv", GOOD.encode() * 10)

    assert "größer als" in response.content.decode()
    assert not AccessCodeBatch.objects.exists()


def _problems(response) -> list[tuple[str, str, str]]:
    """(line, column, problem) of every row of the page's problem table."""
    from bs4 import BeautifulSoup

    table = BeautifulSoup(response.content, "html.parser").select_one("[data-errors]")
    return [
        tuple(cell.get_text(strip=True) for cell in row.select("td")[1:])
        for row in table.select("tbody tr")
    ]


def test_names_in_cyrillic_and_chinese_script_are_accepted(
    as_user, staff_by, spring_day
):
    content = (
        "Familienname;Vornamen;Geburtsdatum\n"
        "Смирнова;Ольга;17.05.2001\n"
        "王;伟;17.05.2001\n"
    ).encode()
    client = as_user(staff_by)

    response = _upload(client, "liste.csv", content)

    assert response.status_code == 302
    rows = _downloaded_rows(client, AccessCodeBatch.objects.get())
    assert [r["familienname"] for r in rows] == ["Смирнова", "王"]


def test_a_name_without_any_letter_is_refused(as_user, staff_by, spring_day):
    content = b"Familienname;Vornamen;Geburtsdatum\n123;...;17.05.2001\n"
    client = as_user(staff_by)

    response = _upload(client, "liste.csv", content)

    assert _problems(response) == [
        ("2", "Familienname", "enthält keine Buchstaben"),
        ("2", "Vornamen", "enthält keine Buchstaben"),
    ]
    assert not AccessCodeBatch.objects.exists()


def test_an_unclosed_quote_is_refused_naming_line_and_column(
    as_user, staff_by, spring_day
):
    content = (
        "Familienname;Vornamen;Geburtsdatum\n"
        'Zwiebelhuber;"Kunigunde;17.05.2001\n'
        "Pröbstl;Ilse;29.02.2000\n"
    ).encode()
    client = as_user(staff_by)

    response = _upload(client, "liste.csv", content)

    [(line, column, problem)] = _problems(response)
    assert (line, column) == ("2", "Vornamen")
    assert "fehlt ein schließendes Anführungszeichen" in problem
    assert not AccessCodeBatch.objects.exists()


def test_a_row_with_more_fields_than_the_header_is_refused(
    as_user, staff_by, spring_day
):
    content = GOOD.replace("4711\n", "4711;Halle\n").encode()
    client = as_user(staff_by)

    response = _upload(client, "liste.csv", content)

    assert _problems(response) == [("2", "–", "hat 5 Felder, die Kopfzeile 4")]
    assert not AccessCodeBatch.objects.exists()


def test_an_xlsx_row_with_a_value_right_of_the_header_is_refused(
    as_user, staff_by, spring_day
):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Nachname", "Vorname", "Geburtsdatum"])
    sheet.append(["Zwiebelhuber", "Kunigunde", date(2001, 5, 17)])
    sheet.append(["Pröbstl", "Ilse", "29.02.2000", None, "Halle"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    client = as_user(staff_by)

    response = _upload(client, "liste.xlsx", buffer.getvalue())

    assert _problems(response) == [("3", "–", "hat 5 Felder, die Kopfzeile 3")]
    assert not AccessCodeBatch.objects.exists()


def test_a_utf_16_list_is_refused_as_utf_16(as_user, staff_by, spring_day):
    client = as_user(staff_by)

    response = _upload(client, "liste.csv", GOOD.encode("utf-16"))

    [(_, _, problem)] = _problems(response)
    assert problem.startswith("die Datei ist UTF-16-Text, der nicht angenommen wird")
    assert "Pflichtspalte" not in response.content.decode()
    assert not AccessCodeBatch.objects.exists()


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "keine Textdatei, sondern Binärdaten"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), "alte Excel-Arbeitsmappe"),
    ],
)
def test_a_file_that_is_neither_csv_nor_xlsx_says_so(
    as_user, staff_by, spring_day, content, problem
):
    client = as_user(staff_by)

    response = _upload(client, "liste.csv", content)

    [(_, _, text)] = _problems(response)
    assert problem in text
    assert not AccessCodeBatch.objects.exists()
