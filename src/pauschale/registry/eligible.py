"""Lists of eligible people uploaded by an institution: one access code per row.

The institution names each person (family name, given names, birth date); the
platform keeps only the person key (``common.hashing.person_key``) on the code,
so that the rule ``identity_as_institution_named`` can compare it with the
identity BundID delivers. The names themselves go only into the encrypted
delivery of the clear codes (``registry.delivery``), so that the institution's
CSV and letters say which code is whose.

All or nothing: every row is checked first; a file with any problem is refused
with every problem listed (file, line, column, what is wrong, never the value),
and nothing is issued.
"""

import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils.translation import gettext as _

from pauschale.common import clock
from pauschale.common.hashing import person_key
from pauschale.common.log import get_logger

from .imports import InstitutionImportError, RowError, read_csv_bytes

log = get_logger(__name__)

MAX_ROWS = 5_000
"""Rows per upload; larger lists are split (the PIN letters are made in one go)."""
MAX_BYTES = 5 * 1024 * 1024

# Header spellings of campus systems and spreadsheets, compared case-folded and
# without blanks, dots, hyphens and underscores.
COLUMNS = {
    "family_name": {
        "familienname",
        "nachname",
        "name",
        "familyname",
        "lastname",
        "surname",
    },
    "given_names": {
        "vorname",
        "vornamen",
        "givenname",
        "givennames",
        "firstname",
        "firstnames",
    },
    "birth_date": {
        "geburtsdatum",
        "gebdatum",
        "geburtstag",
        "birthdate",
        "dateofbirth",
        "dob",
    },
    "reference": {
        "matrikelnummer",
        "matrikelnr",
        "schuelernummer",
        "schülernummer",
        "personennummer",
        "referenz",
        "reference",
        "id",
        "nr",
    },
}
REQUIRED = ("family_name", "given_names", "birth_date")
# How a missing column is named in the report: the first spelling above.
DEFAULT_HEADERS = {
    "family_name": "Familienname",
    "given_names": "Vornamen",
    "birth_date": "Geburtsdatum",
    "reference": "Matrikelnummer",
}
_MAX_NAME = 200
_MAX_REFERENCE = 40
_GERMAN_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


@dataclass(frozen=True)
class EligiblePerson:
    """One row of the list. Its repr hides the personal data."""

    line: int
    family_name: str = field(repr=False)
    given_names: str = field(repr=False)
    birth_date: date = field(repr=False)
    reference: str = field(default="", repr=False)

    @property
    def person_key(self) -> str:
        return person_key(self.family_name, self.given_names, self.birth_date)


class EligibleListError(Exception):
    """The list was not accepted; ``errors`` lists every problem found."""

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        super().__init__(f"{len(errors)} problem(s) in the list")


def read_eligible_people(name: str, data: bytes) -> list[EligiblePerson]:
    """Every person of an uploaded CSV or XLSX list, or EligibleListError."""
    if len(data) > MAX_BYTES:
        message = _("larger than %(mb)s MB") % {"mb": MAX_BYTES // 1024**2}
        raise EligibleListError([RowError(name, None, None, message)])
    header, rows = _read_table(name, data)
    positions = _column_positions(name, header)
    labels = {column: header[index] for column, index in positions.items()}
    # Up to the last named column: an XLSX row is as wide as the whole sheet.
    columns = max(index + 1 for index, column in enumerate(header) if column)
    people, errors = _parse_rows(name, columns, positions, labels, rows)
    if not errors and not people:
        errors.append(RowError(name, None, None, _("the list has no rows")))
    if len(people) > MAX_ROWS:
        message = _("more than %(max)s rows; please split the list") % {"max": MAX_ROWS}
        errors.append(RowError(name, None, None, message))
    if errors:
        log.warning("eligible_list_refused", errors=len(errors), rows=len(rows))
        raise EligibleListError(errors)
    return people


# --- reading -------------------------------------------------------------------


_XLSX_MAGIC = b"PK\x03\x04"
_XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
"""Excel 97-2003 (.xls), a compound document that openpyxl cannot read."""


def _read_table(name: str, data: bytes) -> tuple[list[str], list]:
    if data.startswith(_XLSX_MAGIC):
        return _read_xlsx(name, data)
    if data.startswith(_XLS_MAGIC):
        message = _("an old Excel workbook (.xls); save it as XLSX or CSV UTF-8")
        raise EligibleListError([RowError(name, None, None, message)])
    try:
        return read_csv_bytes(name, data, windows_1252=True)
    except InstitutionImportError as exc:
        raise EligibleListError(exc.errors) from None


def _read_xlsx(name: str, data: bytes) -> tuple[list[str], list]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - any unreadable workbook is the same problem
        raise EligibleListError(
            [RowError(name, None, None, _("not a readable XLSX workbook"))]
        ) from None
    sheet = workbook.worksheets[0]
    records = []
    for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
        values = [_cell_text(value) for value in cells]
        if any(value.strip() for value in values):
            records.append((number, values))
    workbook.close()
    if not records:
        raise EligibleListError([RowError(name, None, None, _("the file is empty"))])
    header = records[0][1]
    return [column.strip() for column in header], records[1:]


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _header_key(column: str) -> str:
    return re.sub(r"[\s._\-]+", "", column.casefold())


def _column_positions(name: str, header: list[str]) -> dict[str, int]:
    positions: dict[str, int] = {}
    for index, column in enumerate(header):
        key = _header_key(column)
        for wanted, spellings in COLUMNS.items():
            if key in spellings and wanted not in positions:
                positions[wanted] = index
    missing = [column for column in REQUIRED if column not in positions]
    if missing:
        raise EligibleListError(
            [
                RowError(
                    name, 1, DEFAULT_HEADERS[column], _("required column is missing")
                )
                for column in missing
            ]
        )
    return positions


# --- checking ------------------------------------------------------------------


def _parse_rows(
    name: str, columns: int, positions: dict[str, int], labels: dict[str, str], rows
) -> tuple[list, list]:
    people: list[EligiblePerson] = []
    errors: list[RowError] = []
    first_line_of: dict[str, int] = {}
    for line, fields in rows:
        used = max(
            (i + 1 for i, value in enumerate(fields) if value.strip()), default=0
        )
        if used > columns:
            message = _("has %(fields)s fields, the header %(columns)s") % {
                "fields": used,
                "columns": columns,
            }
            errors.append(RowError(name, line, None, message))
            continue
        values = {
            column: fields[i].strip() if i < len(fields) else ""
            for column, i in positions.items()
        }
        problems = _problems(values)
        errors.extend(
            RowError(name, line, labels[column], text) for column, text in problems
        )
        if problems:
            continue
        person = EligiblePerson(
            line=line,
            family_name=" ".join(values["family_name"].split()),
            given_names=" ".join(values["given_names"].split()),
            birth_date=parse_birth_date(values["birth_date"]),
            reference=values.get("reference", ""),
        )
        first = first_line_of.setdefault(person.person_key, line)
        if first != line:
            message = _("the same person as on line %(line)s") % {"line": first}
            errors.append(RowError(name, line, None, message))
            continue
        people.append(person)
    return people, errors


def _problems(values: dict[str, str]) -> list[tuple[str, str]]:
    """(column, problem) of one row; the problems never repeat the values."""
    problems = []
    for column in ("family_name", "given_names"):
        value = values[column]
        if not value:
            problems.append((column, _("is empty")))
        elif len(value) > _MAX_NAME:
            problems.append(
                (column, _("is longer than %(max)s characters") % {"max": _MAX_NAME})
            )
        elif not any(character.isalpha() for character in value):
            problems.append((column, _("has no letters")))
    if len(values.get("reference", "")) > _MAX_REFERENCE:
        problems.append(
            (
                "reference",
                _("is longer than %(max)s characters") % {"max": _MAX_REFERENCE},
            )
        )
    birth = values["birth_date"]
    if not birth:
        problems.append(("birth_date", _("is empty")))
    elif parse_birth_date(birth) is None:
        problems.append(("birth_date", _("is not a date as DD.MM.YYYY or YYYY-MM-DD")))
    elif not date(1900, 1, 1) <= parse_birth_date(birth) <= clock.today():
        problems.append(("birth_date", _("lies before 1900 or in the future")))
    return problems


def parse_birth_date(text: str) -> date | None:
    """A date written as DD.MM.YYYY (also D.M.YYYY) or YYYY-MM-DD, else None."""
    text = text.strip()
    if match := _GERMAN_DATE.fullmatch(text):
        day, month, year = (int(part) for part in match.groups())
    elif match := _ISO_DATE.fullmatch(text):
        year, month, day = (int(part) for part in match.groups())
    else:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None
