"""Importing the institution lists that ship in data/institutions/."""

import csv
from collections import Counter
from pathlib import Path

from django.conf import settings

import pytest

from pauschale.common.lands import LANDS, land_code_from_name
from pauschale.registry.imports import import_institutions
from pauschale.registry.models import Institution

DATA = Path(settings.BASE_DIR) / "data" / "institutions"
HSK = DATA / "hochschulen_cc0_hsk_destatis_2023.csv"
DESTATIS = DATA / "hochschulen_destatis_hochschularten_cc0_2023.csv"
NRW = DATA / "berufskollegs_nrw_schulgrunddaten_2022.csv"

pytestmark = pytest.mark.django_db


def _lands_in(path: Path, column: str) -> Counter:
    with path.open(encoding="utf-8") as file:
        names = [row[column] for row in csv.DictReader(file)]
    return Counter(land_code_from_name(name) or "DE-MV" for name in names)


def _snapshot():
    return list(Institution.objects.order_by("pk").values())


def test_hochschul_list_covers_all_16_lands():
    report = import_institutions(HSK)

    assert (report.format, report.rows, report.created) == ("hsk-destatis", 458, 458)
    per_land = Counter(Institution.objects.values_list("land_id", flat=True))
    assert set(per_land) == set(LANDS)
    assert per_land == _lands_in(HSK, "Region")
    assert per_land["DE-BW"] == 72 and per_land["DE-HB"] == 7
    assert set(Institution.objects.values_list("kind", flat=True)) == {"hochschule"}


def test_destatis_list_alone_reads_the_abbreviated_land_and_berufsakademien():
    report = import_institutions(DESTATIS)

    assert (report.format, report.created) == ("destatis-hochschularten", 449)
    assert Institution.objects.filter(land_id="DE-MV").count() == 8
    academies = Institution.objects.filter(kind=Institution.Kind.BERUFSAKADEMIE)
    assert academies.count() == 27  # 26 "Berufsakademie" + 1 "Interne Berufsakademie"
    assert Institution.objects.filter(external_id="U Freiburg i.Br.").exists()


def test_second_hochschul_list_does_not_duplicate_the_first():
    import_institutions(HSK)
    report = import_institutions(DESTATIS)

    # 433 rows match by Land and name: 27 of them refine the kind, 406 are skipped.
    assert report.updated == 27
    assert len(report.skipped) == 406
    assert report.created == 16
    assert len(report.possible_duplicates) == 12
    assert Institution.objects.count() == 458 + 16
    academies = Institution.objects.filter(kind=Institution.Kind.BERUFSAKADEMIE)
    assert academies.filter(source="hsk-destatis").count() == 27


def test_hochschul_lists_in_reverse_order_give_the_same_count():
    import_institutions(DESTATIS)
    report = import_institutions(HSK)

    assert (report.created, len(report.skipped)) == (25, 433)
    assert Institution.objects.count() == 474


def test_nrw_list_imports_closed_schools_as_inactive():
    report = import_institutions(NRW)

    assert (report.format, report.created, report.inactive) == ("nrw-schulen", 383, 3)
    schools = Institution.objects.filter(source="nrw-schulen")
    assert set(schools.values_list("land_id", "kind")) == {("DE-NW", "berufskolleg")}
    closed = set(schools.filter(is_active=False).values_list("external_id", flat=True))
    assert closed == {"100056", "184251", "195352"}
    school = schools.get(external_id="174970")
    assert (school.name, school.city) == (
        "Stadt Köln Berufskolleg an der Lindenstraße",
        "Köln",
    )


def test_reimporting_every_shipped_list_changes_nothing():
    for path in (HSK, DESTATIS, NRW):
        import_institutions(path)
    before = _snapshot()

    reports = [import_institutions(path) for path in (HSK, DESTATIS, NRW)]

    assert _snapshot() == before
    assert all(r.created == 0 and r.updated == 0 for r in reports)
    assert [r.unchanged for r in reports] == [458, 16, 383]


def test_reimporting_the_first_list_keeps_the_refined_kind():
    import_institutions(HSK)
    import_institutions(DESTATIS)
    before = _snapshot()

    report = import_institutions(HSK)

    assert (report.updated, report.unchanged) == (0, 458)
    assert _snapshot() == before
