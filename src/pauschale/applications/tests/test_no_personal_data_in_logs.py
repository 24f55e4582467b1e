"""A whole application, PIN login included, leaves no personal data in the logs."""

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from pauschale.common import clock

from .applicant import Applicant, InventedPerson
from .factories import code_for

IBAN = "DE02120300000000202051"


@pytest.fixture(autouse=True)
def _setup(saml_settings, program):
    clock.set_now(datetime(2023, 3, 20, 10, 0, tzinfo=ZoneInfo("Europe/Berlin")))


def test_codes_pins_ibans_names_and_birth_dates_never_reach_a_log_line(
    client, program, caplog
):
    caplog.set_level(logging.DEBUG, logger="pauschale")
    caplog.set_level(logging.INFO)
    person = InventedPerson(
        username="kunigunde-x", given_names="Kunigunde", family_name="Zwiebelhuber"
    )
    issued = code_for(program, "DE-BY", with_pin=True)
    applicant = Applicant(client, person)

    applicant.enter_code(issued.code[:-1] + "0", "DE-NW")  # refused: a near miss
    applicant.start(issued.code, "DE-BY", trust_level=1)
    applicant.give_pin("999999" if issued.pin != "999999" else "888888")
    applicant.give_pin(issued.pin)
    applicant.submit(iban="DE02120300000000202052")  # typo, refused by the form
    applicant.submit(iban=IBAN, holder="Kunigunde Zwiebelhuber")

    assert any(r.name.startswith("pauschale") for r in caplog.records), (
        "nothing was logged"
    )
    logged = "\n".join(
        f"{record.getMessage()} {record.args!r} {getattr(record, '__dict__', '')!r}"
        for record in caplog.records
    )
    secrets = [
        issued.code,
        issued.code.replace("-", ""),
        issued.pin,
        IBAN,
        "DE02120300000000202052",
        "Kunigunde",
        "Zwiebelhuber",
        person.birth_date.isoformat(),
        "kunigunde-x",
    ]
    for secret in secrets:
        assert secret not in logged, f"{secret!r} reached the log"
