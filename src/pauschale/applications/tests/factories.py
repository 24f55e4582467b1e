"""Test data for the applicant's path: institutions and codes, all invented."""

from pauschale.registry.models import Institution
from pauschale.registry.services import issue_codes


def institution(
    land: str = "DE-BY", name: str = "Hochschule für Testwesen"
) -> Institution:
    number = Institution.objects.count() + 1
    return Institution.objects.create(
        land_id=land,
        name=f"{name} {number}",
        kind=Institution.Kind.HOCHSCHULE,
        source="test",
        external_id=f"T{number}",
    )


def code_for(program, land: str = "DE-BY", with_pin: bool = False):
    """One issued code (clear code and PIN) at a new institution in ``land``."""
    _, issued = issue_codes(
        program, institution(land), 1, with_pins=with_pin, created_by="test"
    )
    return issued[0]
