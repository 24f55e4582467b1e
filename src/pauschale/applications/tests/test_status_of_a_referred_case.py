"""The status page of an application the rules referred to a clerk: open until
the clerk decides, then the clerk's decision, never an automatic one."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from pauschale.applications.models import Application
from pauschale.common import clock
from pauschale.common.hashing import person_key
from pauschale.decisions.services import decide_referral
from pauschale.registry.services import find_code

from .applicant import Applicant, outcome, soup
from .factories import code_for

BERLIN = ZoneInfo("Europe/Berlin")
SUBMITTED = datetime(2023, 3, 20, 9, 11, tzinfo=BERLIN)
DECIDED = datetime(2023, 3, 27, 14, 30, tzinfo=BERLIN)
AUTOMATIC = "§ 35a"
LEGAL_REMEDY = "Klage beim Verwaltungsgericht"


@pytest.fixture(autouse=True)
def _setup(saml_settings, program):
    clock.set_now(SUBMITTED)


@pytest.fixture
def referred(client, program):
    """An applicant whose code the institution listed for someone else."""
    issued = code_for(program, "DE-BY")
    code = find_code(program, issued.code)
    code.expected_person_key = person_key(
        "Zwiebelhuber", "Kunigunde", date(2001, 5, 17)
    )
    code.save(update_fields=["expected_person_key"])
    applicant = Applicant(client)
    applicant.start(issued.code, "DE-BY")
    page = applicant.submit()
    assert Application.objects.get().status == Application.Status.REFERRED
    return applicant, page


def text(page) -> str:
    return soup(page).get_text(" ", strip=True)


def test_an_open_case_shows_no_decision_date_notice_or_legal_remedy(referred):
    _, page = referred

    assert outcome(page) == "pending"
    shown = text(page)
    assert "Ihr Antrag ist eingegangen und wird bearbeitet." in shown
    assert "zuständigen Behörde Ihres Landes prüft ihn" in shown
    assert "Entschieden" not in shown
    assert "Bescheid" not in shown
    assert AUTOMATIC not in shown
    assert LEGAL_REMEDY not in shown


@pytest.mark.parametrize("approve", [True, False])
def test_a_case_a_clerk_decided_shows_that_decision_not_an_automatic_one(
    client, referred, approve
):
    clock.set_now(DECIDED)
    decide_referral(
        Application.objects.get(),
        approve=approve,
        note="Namensänderung geprüft.",
        decided_by="clerk-by",
    )

    page = client.get("/eppsg-2023/status/")

    assert outcome(page) == ("approved" if approve else "rejected")
    shown = text(page)
    assert "wird bearbeitet" not in shown
    assert "Entschieden 27.03.2023 14:30" in shown
    assert AUTOMATIC not in shown
    assert "Dieser Bescheid wurde von einer Mitarbeiterin" in shown
    assert LEGAL_REMEDY in shown


def test_a_decision_of_the_rules_still_says_it_was_automatic(client, program):
    issued = code_for(program, "DE-BY")
    applicant = Applicant(client)
    applicant.start(issued.code, "DE-BY")

    shown = text(applicant.submit())

    assert "Entschieden 20.03.2023 09:11" in shown
    assert "Dieser Bescheid wurde automatisch erlassen (§ 35a VwVfG)." in shown
    assert LEGAL_REMEDY in shown
