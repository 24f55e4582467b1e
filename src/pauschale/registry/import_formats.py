"""The CSV formats that ``import_institutions`` understands, one parser per format.

Each parser turns one CSV row into a ``Candidate`` and notes its problems on the
row; ``imports`` decides what to do with the candidates.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass

from pauschale.common.lands import land_code_from_name

from .models import Institution

Kind = Institution.Kind

# The Destatis list abbreviates one Land; accept that spelling and nothing looser.
_LAND_ALIASES = {"mecklenburg-vorp.": "DE-MV"}

_MAX_NAME = Institution._meta.get_field("name").max_length
_MAX_CITY = Institution._meta.get_field("city").max_length
_MAX_ID = Institution._meta.get_field("external_id").max_length


def normalise_space(text: str) -> str:
    return " ".join(text.split())


def name_key(name: str) -> str:
    """How two lists' names are compared: case-folded, white space collapsed."""
    return normalise_space(name).casefold()


@dataclass
class Candidate:
    """One row of an import file, read into the fields of an ``Institution``."""

    line: int
    source: str
    external_id: str
    name: str
    land: str | None
    kind: str
    city: str = ""
    is_active: bool = True
    kind_is_default: bool = False
    """The file says nothing about the kind; do not overwrite a more precise one."""


class Row:
    """The values of one CSV row by column name, and the problems found in it."""

    def __init__(self, values: dict[str, str], line: int):
        self.values = values
        self.line = line
        self.problems: list[tuple[str | None, str]] = []

    def problem(self, column: str | None, message: str) -> None:
        self.problems.append((column, message))

    def text(self, column: str, *, required: bool = False, max_length: int = 0) -> str:
        value = normalise_space(self.values.get(column, ""))
        if required and not value:
            self.problem(column, "is empty")
        elif max_length and len(value) > max_length:
            self.problem(column, f"is longer than {max_length} characters")
        return value

    def land(self, column: str) -> str | None:
        value = self.text(column, required=True)
        if not value:
            return None
        code = land_code_from_name(value) or _LAND_ALIASES.get(value.casefold())
        if code is None:
            self.problem(column, f'unknown Land "{value[:60]}"')
        return code


@dataclass(frozen=True)
class ImportFormat:
    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    id_column: str
    """The column whose value must be unique within a file."""
    parse: Callable[[Row], Candidate]
    overlaps_with: str = ""
    """Source of another list that names the same institutions."""

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


def _parse_hsk_destatis(row: Row) -> Candidate:
    return Candidate(
        line=row.line,
        source="hsk-destatis",
        external_id=row.text("ID", required=True, max_length=_MAX_ID),
        name=row.text("Name", required=True, max_length=_MAX_NAME),
        land=row.land("Region"),
        kind=Kind.HOCHSCHULE,
        kind_is_default=True,
    )


def _parse_destatis_hochschularten(row: Row) -> Candidate:
    name = row.text("HEI name", required=True, max_length=min(_MAX_NAME, _MAX_ID))
    is_academy = "berufsakademie" in row.text("Type").casefold()
    return Candidate(
        line=row.line,
        source="destatis-hochschularten",
        external_id=name,
        name=name,
        land=row.land("Region"),
        kind=Kind.BERUFSAKADEMIE if is_academy else Kind.HOCHSCHULE,
    )


# A line of the NRW school name that ends like this goes on in the next line.
_CONNECTIVES = {"der", "des", "die", "dem", "den", "für", "f.", "und", "u.", "mit"}
# A first line that names only the sponsor or the school form, not the school.
_GENERIC_FIRST_LINE = re.compile(
    r"Stadt \S+|(Städt\. |Privates |Priv\. Förder-)?Berufskolleg", re.IGNORECASE
)


def _continues(text: str) -> bool:
    words = text.split()
    if not words:
        return False
    return text.endswith((",", "-")) or words[-1].casefold() in _CONNECTIVES


def _join_line(name: str, line: str) -> str:
    if not re.search(r"\w-$", name):
        return f"{name} {line}"
    if line[:1].islower():  # a word split over two lines: "Agrarwirt-" "schaft"
        return name[:-1] + line
    return name + line  # a compound split at its hyphen: "Berufs-" "Kolleg"


def nrw_school_name(lines: list[str]) -> str:
    """The name of an NRW school from its up to three name lines.

    The list splits the name after 40 characters and often spends the second and
    third lines on the sponsor and the school level ("der Stadt Essen",
    "- Sekundarstufe II -"). The next line is taken only when the name so far
    cannot stand alone: it is a bare "Stadt Köln" or "Berufskolleg", or it stops
    at a hyphen, comma or connective word. A bare name skips a line that only
    names the level ("- Sekundarstufe II -").
    """
    lines = [normalise_space(line) for line in lines]
    name = lines[0]
    needs_more = bool(_GENERIC_FIRST_LINE.fullmatch(name)) or _continues(name)
    for line in lines[1:]:
        if not (needs_more and line):
            break
        if line.startswith("-") and not _continues(name):
            continue  # "- Sekundarstufe II -" names the level, not the school
        name = _join_line(name, line)
        needs_more = _continues(name)
    return name.rstrip(",")


def _parse_nrw_schulen(row: Row) -> Candidate:
    lines = [row.values.get(f"Schulbezeichnung_{i}", "") for i in (1, 2, 3)]
    first_line = row.text("Schulbezeichnung_1", required=True)
    name = nrw_school_name(lines) if first_line else ""
    if len(name) > _MAX_NAME:
        row.problem("Schulbezeichnung_1", f"is longer than {_MAX_NAME} characters")
    status = row.text("Schulbetriebsschluessel", required=True)
    if status and not status.isdigit():
        row.problem("Schulbetriebsschluessel", f'is not a number: "{status[:20]}"')
    return Candidate(
        line=row.line,
        source="nrw-schulen",
        external_id=row.text("Schulnummer", required=True, max_length=_MAX_ID),
        name=name,
        land="DE-NW",
        kind=Kind.BERUFSKOLLEG,
        city=row.text("Ort", max_length=_MAX_CITY),
        # 1 = in operation; 0, 4, 6, 9 are closed, planned or other states.
        is_active=status == "1",
    )


def _parse_pauschale(row: Row) -> Candidate:
    land = row.land("land")
    kind = row.text("kind", required=True).casefold()
    if kind and kind not in Kind.values:
        row.problem(
            "kind", f'unknown kind "{kind[:30]}"; use one of {", ".join(Kind.values)}'
        )
    return Candidate(
        line=row.line,
        # Keyed per Land, so that two Länder may number their schools alike.
        source=f"pauschale:{land}",
        external_id=row.text("external_id", required=True, max_length=_MAX_ID),
        name=row.text("name", required=True, max_length=_MAX_NAME),
        land=land,
        kind=kind,
        city=row.text("city", max_length=_MAX_CITY),
    )


FORMATS = {
    f.name: f
    for f in [
        ImportFormat(
            name="hsk-destatis",
            required=("ID", "Region", "Name"),
            optional=("Category", "Url"),
            id_column="ID",
            parse=_parse_hsk_destatis,
            overlaps_with="destatis-hochschularten",
        ),
        ImportFormat(
            name="destatis-hochschularten",
            required=("HEI name", "Type", "Region"),
            optional=("Funding", "URL", "Comment"),
            id_column="HEI name",
            parse=_parse_destatis_hochschularten,
            overlaps_with="hsk-destatis",
        ),
        ImportFormat(
            name="nrw-schulen",
            required=(
                "Schulnummer",
                "Schulbezeichnung_1",
                "Ort",
                "Schulbetriebsschluessel",
            ),
            optional=(
                "Schulform",
                "Schulbezeichnung_2",
                "Schulbezeichnung_3",
                "Kurzbezeichnung",
            ),
            id_column="Schulnummer",
            parse=_parse_nrw_schulen,
        ),
        ImportFormat(
            name="pauschale",
            required=("external_id", "name", "land", "kind"),
            optional=("city",),
            id_column="external_id",
            parse=_parse_pauschale,
        ),
    ]
}


def detect_format(header: list[str]) -> ImportFormat | None:
    """The format whose columns the header shares most, if one clearly does."""
    present = {column.casefold() for column in header}
    scores = sorted(
        (
            (sum(c.casefold() in present for c in f.columns), f.name)
            for f in FORMATS.values()
        ),
        reverse=True,
    )
    (best, name), (second, _) = scores[0], scores[1]
    if best < 2 or best == second:
        return None
    return FORMATS[name]
