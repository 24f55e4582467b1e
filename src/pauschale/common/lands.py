"""The 16 Länder by ISO 3166-2 code, with their German and English names."""

LANDS: dict[str, tuple[str, str]] = {
    "DE-BW": ("Baden-Württemberg", "Baden-Württemberg"),
    "DE-BY": ("Bayern", "Bavaria"),
    "DE-BE": ("Berlin", "Berlin"),
    "DE-BB": ("Brandenburg", "Brandenburg"),
    "DE-HB": ("Bremen", "Bremen"),
    "DE-HH": ("Hamburg", "Hamburg"),
    "DE-HE": ("Hessen", "Hesse"),
    "DE-MV": ("Mecklenburg-Vorpommern", "Mecklenburg-Western Pomerania"),
    "DE-NI": ("Niedersachsen", "Lower Saxony"),
    "DE-NW": ("Nordrhein-Westfalen", "North Rhine-Westphalia"),
    "DE-RP": ("Rheinland-Pfalz", "Rhineland-Palatinate"),
    "DE-SL": ("Saarland", "Saarland"),
    "DE-SN": ("Sachsen", "Saxony"),
    "DE-ST": ("Sachsen-Anhalt", "Saxony-Anhalt"),
    "DE-SH": ("Schleswig-Holstein", "Schleswig-Holstein"),
    "DE-TH": ("Thüringen", "Thuringia"),
}

_BY_GERMAN_NAME = {names[0].casefold(): code for code, names in LANDS.items()}


def land_code_from_name(name: str) -> str | None:
    """The ISO code of a Land given by its German name or its code, else None."""
    value = name.strip()
    if value.upper() in LANDS:
        return value.upper()
    return _BY_GERMAN_NAME.get(value.casefold())
