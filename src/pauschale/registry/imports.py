"""Importing lists of institutions (Ausbildungsstätten) from CSV files.

All or nothing: every row is checked first and every problem is reported; only a
file without problems is written, in one transaction, as an upsert on
(source, external_id). Importing the same file again changes nothing. Several
files are checked with ``check_institutions`` each and written together with
``import_checked``, so that one bad file stops them all.

The formats are described in ``import_formats`` and in data/institutions/README.md.
"""

import codecs
import csv
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

from django.db import transaction
from django.utils.translation import gettext as _

from pauschale.common.log import get_logger

from .import_formats import (
    FORMATS,
    Candidate,
    ImportFormat,
    Row,
    detect_format,
    name_key,
)
from .models import Institution

log = get_logger(__name__)

_UPDATED_FIELDS = ["name", "land", "kind", "city", "is_active"]


@dataclass(frozen=True)
class RowError:
    """One problem of an import file. ``line`` is 1-based; the header is line 1."""

    path: str
    line: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        parts = [self.path]
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.field:
            parts.append(f'field "{self.field}"')
        return f"{', '.join(parts)}: {self.message}"


class InstitutionImportError(Exception):
    """The file was not imported; ``errors`` lists every problem found."""

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        super().__init__("\n".join(str(error) for error in errors))


@dataclass(frozen=True)
class SkippedRow:
    line: int
    reason: str


@dataclass(frozen=True)
class PossibleDuplicate:
    """A row whose name another list has too, but under another Land."""

    line: int
    institution_id: int
    land: str


@dataclass
class ImportReport:
    path: str
    format: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    inactive: int = 0
    """Rows stored with ``is_active=False`` (schools not in operation)."""
    skipped: list[SkippedRow] = field(default_factory=list)
    possible_duplicates: list[PossibleDuplicate] = field(default_factory=list)
    not_in_file: int = 0
    """Records of the same source that the file no longer lists; left as they are."""


def import_institutions(path: Path | str, format: str | None = None) -> ImportReport:
    """Check a whole CSV file and, if it has no problem, upsert its institutions.

    Raises ``InstitutionImportError`` with every problem found; then nothing is
    written.
    """
    [report] = import_checked([check_institutions(path, format)])
    return report


@dataclass(frozen=True)
class CheckedFile:
    """An import file without problems, ready to be written."""

    path: str
    format: ImportFormat
    candidates: list[Candidate]


def check_institutions(path: Path | str, format: str | None = None) -> CheckedFile:
    """Read and check a whole CSV file; write nothing.

    Raises ``InstitutionImportError`` with every problem found.
    """
    name = str(path)
    header, rows = read_csv(name)
    chosen = _choose_format(name, header, format)
    return CheckedFile(name, chosen, _parse_rows(name, chosen, header, rows))


def import_checked(files: list[CheckedFile]) -> list[ImportReport]:
    """Upsert the institutions of checked files, all in one transaction."""
    with transaction.atomic():
        reports = [_upsert(file.path, file.format, file.candidates) for file in files]

    for report in reports:
        log.info(
            "institutions_imported",
            file=Path(report.path).name,
            format=report.format,
            rows=report.rows,
            created=report.created,
            updated=report.updated,
            unchanged=report.unchanged,
            skipped=len(report.skipped),
            inactive=report.inactive,
            possible_duplicates=len(report.possible_duplicates),
            not_in_file=report.not_in_file,
        )
    return reports


# --- reading -------------------------------------------------------------------


def _fail(path: str, line: int | None, field: str | None, message: str) -> NoReturn:
    raise InstitutionImportError([RowError(path, line, field, message)])


def read_csv(path: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and the non-blank rows, each with the line it starts on.

    UTF-8 with or without byte order mark; the delimiter (``,``, ``;`` or tab) is
    the one the header line uses most.
    """
    return parse_csv_text(path, _read_text(path))


def read_csv_bytes(
    name: str, data: bytes, *, windows_1252: bool = False
) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Like ``read_csv`` for an uploaded file's bytes; ``name`` is used in errors.

    With ``windows_1252`` a file that is not UTF-8 is read as Windows-1252, the
    "CSV" that Excel writes on German Windows.
    """
    return parse_csv_text(name, decode_text(name, data, windows_1252=windows_1252))


def parse_csv_text(
    path: str, text: str
) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and the non-blank rows of CSV text, each with its first line.

    A quote that is not closed would swallow the rows after it into one field;
    such a file is refused, naming the line where the quote opened.
    """
    delimiter = _sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records: list[tuple[int, list[str]]] = []
    line = 1
    try:
        for fields in reader:
            header = records[0][1] if records else None
            _refuse_line_breaks(path, line, fields, header)
            if any(value.strip() for value in fields):
                records.append((line, fields))
            line = reader.line_num + 1
    except csv.Error as exc:
        header = records[0][1] if records else None
        _refuse_bad_quotes(path, text, line, delimiter, header, exc)
    if not records:
        _fail(path, None, None, _("the file is empty"))
    header = records[0][1]
    return [column.strip() for column in header], records[1:]


def _refuse_line_breaks(
    path: str, line: int, fields: list[str], header: list[str] | None
) -> None:
    """Names and ids never span lines: a line break in a field is a quote left open."""
    for index, value in enumerate(fields):
        if "\n" in value or "\r" in value:
            message = _(
                'a quoted value runs over several lines; is a closing quote (") '
                "missing?"
            )
            _fail(path, line, _column_name(header, index), message)


def _refuse_bad_quotes(
    path: str,
    text: str,
    line: int,
    delimiter: str,
    header: list[str] | None,
    exc: csv.Error,
) -> NoReturn:
    """Say which field of the record starting at ``line`` the strict reader refused."""
    rest = "".join(io.StringIO(text, newline="").readlines()[line - 1 :])
    fields = next(csv.reader(io.StringIO(rest, newline=""), delimiter=delimiter), [])
    _refuse_line_breaks(path, line, fields, header)
    if "end of data" in str(exc) and fields:
        message = _('a quote (") opened in this field is never closed')
        _fail(path, line, _column_name(header, len(fields) - 1), message)
    if "expected after" in str(exc):
        message = _(
            'text follows a closing quote ("); a quote inside a value is written '
            'twice ("")'
        )
        _fail(path, line, None, message)
    _fail(path, line, None, _("not valid CSV: %(detail)s") % {"detail": exc})


def _column_name(header: list[str] | None, index: int) -> str | None:
    if header is None or index >= len(header):
        return None
    return header[index].strip() or None


def _read_text(path: str) -> str:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        _fail(path, None, None, exc.strerror or "cannot be read")
    return decode_text(path, data)


def decode_text(path: str, data: bytes, *, windows_1252: bool = False) -> str:
    """The text of a file: UTF-8 (with or without BOM), else Windows-1252 if allowed.

    UTF-16 and UTF-32 (Excel's "Unicode text") and binary files are refused,
    saying what they are.
    """
    _refuse_wide_text(path, data)
    if _CONTROL_BYTES.search(data):
        _fail(path, None, None, _("not a text file but binary data, so not a CSV file"))
    data = data.removeprefix(codecs.BOM_UTF8)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if windows_1252:
            return _decode_windows_1252(path, data)
        line = data.count(b"\n", 0, exc.start) + 1
        message = (
            f"not UTF-8 (byte 0x{data[exc.start]:02x}); was the file exported as "
            "Windows-1252 (ANSI)? Save it as UTF-8 (in Excel: CSV UTF-8)"
        )
        _fail(path, line, None, message)


_WIDE_BOMS = [
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
]

# Text has line breaks and tabs, never other C0 controls; binary files have them.
# UTF-8 and Windows-1252 write these bytes only for these characters.
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0e-\x1f\x7f]")


def _refuse_wide_text(path: str, data: bytes) -> None:
    encoding = next((name for bom, name in _WIDE_BOMS if data.startswith(bom)), None)
    sample = data[:4096]
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if encoding is None and min(even, odd) == 0 and max(even, odd) > len(sample) // 4:
        # Latin text in UTF-16 without BOM: a NUL byte in every other place.
        encoding = "UTF-16"
    if encoding:
        message = _(
            "the file is %(encoding)s text, which is not accepted; save it as "
            "UTF-8 (in Excel: CSV UTF-8)"
        ) % {"encoding": encoding}
        _fail(path, None, None, message)


def _decode_windows_1252(path: str, data: bytes) -> str:
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        message = _(
            "neither UTF-8 nor Windows-1252 (byte 0x%(byte)02x); save the file as "
            "CSV UTF-8"
        ) % {"byte": data[exc.start]}
        _fail(path, line, None, message)


def _sniff_delimiter(text: str) -> str:
    header = text.split("\n", 1)[0]
    return max([",", ";", "\t"], key=header.count)


def _choose_format(path: str, header: list[str], name: str | None) -> ImportFormat:
    known = ", ".join(FORMATS)
    chosen = FORMATS.get(name) if name else detect_format(header)
    if chosen is None and name:
        _fail(path, None, None, f'unknown format "{name}"; use one of {known}')
    if chosen is None:
        _fail(path, 1, None, f"header fits none of the formats {known}; use --format")

    present = {column.casefold() for column in header}
    missing = [c for c in chosen.required if c.casefold() not in present]
    if missing:
        message = f"required column is missing (format {chosen.name})"
        raise InstitutionImportError([RowError(path, 1, c, message) for c in missing])
    return chosen


# --- checking ------------------------------------------------------------------


def _parse_rows(path: str, chosen: ImportFormat, header: list[str], rows) -> list:
    index = {column.casefold(): i for i, column in reversed(list(enumerate(header)))}
    positions = {column: index.get(column.casefold()) for column in chosen.columns}
    errors: list[RowError] = []
    candidates: list[Candidate] = []
    first_line_of: dict[tuple[str, str], int] = {}

    for line, fields in rows:
        # A short row has lost a separator or been cut; values would move to
        # the wrong columns. Empty fields beyond the header are harmless.
        extra = any(value.strip() for value in fields[len(header) :])
        if extra or len(fields) < len(header):
            message = f"has {len(fields)} fields, the header {len(header)}"
            errors.append(RowError(path, line, None, message))
            continue
        values = {
            column: fields[i] if i is not None and i < len(fields) else ""
            for column, i in positions.items()
        }
        row = Row(values, line)
        candidate = chosen.parse(row)
        _check_unique(row, candidate, chosen, first_line_of)
        errors.extend(RowError(path, line, c, message) for c, message in row.problems)
        candidates.append(candidate)

    if errors:
        file = Path(path).name
        log.warning("institution_import_rejected", file=file, errors=len(errors))
        raise InstitutionImportError(errors)
    return candidates


def _check_unique(
    row: Row, candidate: Candidate, chosen: ImportFormat, first_line_of: dict
) -> None:
    if not candidate.external_id:
        return
    key = (candidate.source, candidate.external_id)
    first = first_line_of.setdefault(key, row.line)
    if first != row.line:
        row.problem(
            chosen.id_column,
            f'duplicate "{candidate.external_id[:60]}" (first on line {first})',
        )


# --- writing -------------------------------------------------------------------


class _Partners:
    """The institutions of the list that overlaps with the one being imported."""

    def __init__(self, source: str):
        self.source = source
        self.by_land_and_name: dict[tuple[str, str], Institution] = {}
        self.by_name: dict[str, list[Institution]] = defaultdict(list)
        for institution in Institution.objects.filter(source=source) if source else []:
            key = name_key(institution.name)
            self.by_land_and_name[(institution.land_id, key)] = institution
            self.by_name[key].append(institution)

    def same(self, candidate: Candidate) -> Institution | None:
        return self.by_land_and_name.get((candidate.land, name_key(candidate.name)))

    def elsewhere(self, candidate: Candidate) -> list[Institution]:
        key = name_key(candidate.name)
        return [i for i in self.by_name.get(key, []) if i.land_id != candidate.land]


def _upsert(
    path: str, chosen: ImportFormat, candidates: list[Candidate]
) -> ImportReport:
    report = ImportReport(path=path, format=chosen.name, rows=len(candidates))
    sources = {c.source for c in candidates}
    existing = {
        (i.source, i.external_id): i
        for i in Institution.objects.filter(source__in=sources)
    }
    partners = _Partners(chosen.overlaps_with)
    to_create: list[Institution] = []
    to_update: list[Institution] = []

    for candidate in candidates:
        report.inactive += not candidate.is_active
        institution = existing.get((candidate.source, candidate.external_id))
        if institution is not None:
            _update_own(institution, candidate, report, to_update)
            continue
        partner = partners.same(candidate)
        if partner is not None:
            _merge_into_partner(partner, candidate, report, to_update)
            continue
        to_create.append(_new_institution(candidate))
        report.created += 1
        for other in partners.elsewhere(candidate):
            report.possible_duplicates.append(
                PossibleDuplicate(candidate.line, other.pk, other.land_id)
            )

    seen = {(c.source, c.external_id) for c in candidates}
    report.not_in_file = sum(key not in seen for key in existing)
    Institution.objects.bulk_create(to_create, batch_size=500)
    Institution.objects.bulk_update(to_update, _UPDATED_FIELDS, batch_size=500)
    return report


def _update_own(
    institution: Institution,
    candidate: Candidate,
    report: ImportReport,
    to_update: list,
) -> None:
    wanted = {
        "name": candidate.name,
        "land_id": candidate.land,
        "city": candidate.city,
        "is_active": candidate.is_active,
    }
    if not candidate.kind_is_default:
        wanted["kind"] = candidate.kind
    changed = {f: v for f, v in wanted.items() if getattr(institution, f) != v}
    if not changed:
        report.unchanged += 1
        return
    for attribute, value in changed.items():
        setattr(institution, attribute, value)
    to_update.append(institution)
    report.updated += 1


def _merge_into_partner(
    partner: Institution, candidate: Candidate, report: ImportReport, to_update: list
) -> None:
    """The other list has this institution already: keep its record, refine its kind."""
    if (
        candidate.kind == Institution.Kind.BERUFSAKADEMIE
        and partner.kind != candidate.kind
    ):
        partner.kind = candidate.kind
        to_update.append(partner)
        report.updated += 1
        return
    reason = f"already imported from {partner.source} as institution {partner.pk}"
    report.skipped.append(SkippedRow(candidate.line, reason))


def _new_institution(candidate: Candidate) -> Institution:
    return Institution(
        source=candidate.source,
        external_id=candidate.external_id,
        name=candidate.name,
        land_id=candidate.land,
        kind=candidate.kind,
        city=candidate.city,
        is_active=candidate.is_active,
    )
