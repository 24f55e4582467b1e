"""The rule engine on its own: one rule at a time, on the real EPPSG definition."""

from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import EPPSG_TOML
from pauschale.decisions.reasons import REASON_TEXTS, ReasonCode
from pauschale.decisions.rules import Case, evaluate
from pauschale.programs.loader import load_program_file
from pauschale.programs.spec import TrustLevel

SPEC = load_program_file(EPPSG_TOML)
ALL_DECLARATIONS = frozenset(d.id for d in SPEC.declarations)

GOOD = Case(
    spec=SPEC,
    chosen_land="DE-BY",
    code_land="DE-BY",
    code_revoked=False,
    submitted_on=date(2023, 3, 20),
    trust_level=TrustLevel.HOCH,
    pin_verified=False,
    iban="DE89370400440532013000",
    declarations=ALL_DECLARATIONS,
    person_already_approved=False,
    identity_matches_institution=None,
)


def test_a_complete_case_is_approved():
    assert evaluate(GOOD) == []


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"code_revoked": True}, ReasonCode.CODE_REVOKED),
        ({"code_land": "DE-BE"}, ReasonCode.CODE_WRONG_LAND),
        ({"submitted_on": date(2023, 3, 14)}, ReasonCode.WINDOW_CLOSED),
        ({"submitted_on": date(2023, 10, 1)}, ReasonCode.WINDOW_CLOSED),
        ({"trust_level": TrustLevel.BASIS}, ReasonCode.PIN_REQUIRED),
        ({"person_already_approved": True}, ReasonCode.DUPLICATE_PERSON),
        ({"identity_matches_institution": False}, ReasonCode.IDENTITY_MISMATCH),
        ({"iban": "DE89370400440532013001"}, ReasonCode.IBAN_INVALID),
        ({"iban": "BR1800360305000010009795493C1"}, ReasonCode.IBAN_NOT_SEPA),
        (
            {"declarations": ALL_DECLARATIONS - {"residence"}},
            ReasonCode.DECLARATION_MISSING,
        ),
    ],
)
def test_each_rule_rejects_with_its_reason(change, reason):
    assert evaluate(replace(GOOD, **change)) == [reason]


def test_a_basis_login_with_verified_pin_is_enough():
    assert (
        evaluate(replace(GOOD, trust_level=TrustLevel.BASIS, pin_verified=True)) == []
    )


@pytest.mark.parametrize("level", [TrustLevel.SUBSTANTIELL, TrustLevel.HOCH])
def test_elster_and_eid_logins_need_no_pin(level):
    assert evaluate(replace(GOOD, trust_level=level)) == []


def test_the_window_is_open_on_its_first_and_last_day():
    assert evaluate(replace(GOOD, submitted_on=date(2023, 3, 15))) == []
    assert evaluate(replace(GOOD, submitted_on=date(2023, 9, 30))) == []


def test_a_pilot_land_opens_before_the_others():
    pilot_day = date(2023, 3, 1)
    assert (
        evaluate(
            replace(
                GOOD, chosen_land="DE-ST", code_land="DE-ST", submitted_on=pilot_day
            )
        )
        == []
    )
    assert evaluate(replace(GOOD, submitted_on=pilot_day)) == [ReasonCode.WINDOW_CLOSED]


def test_an_iban_from_another_sepa_country_is_accepted():
    assert evaluate(replace(GOOD, iban="AT611904300234573201")) == []


def test_all_reasons_are_reported_at_once():
    case = replace(
        GOOD, code_revoked=True, iban="not an iban", declarations=frozenset()
    )
    assert evaluate(case) == [
        ReasonCode.CODE_REVOKED,
        ReasonCode.IBAN_INVALID,
        ReasonCode.DECLARATION_MISSING,
    ]


def test_every_reason_has_a_sentence_for_the_applicant():
    assert set(REASON_TEXTS) == set(ReasonCode)


@given(st.dates(min_value=date(2022, 1, 1), max_value=date(2024, 12, 31)))
def test_approval_depends_on_the_day_exactly_as_the_window_says(day):
    approved = evaluate(replace(GOOD, submitted_on=day)) == []
    assert approved == (date(2023, 3, 15) <= day <= date(2023, 9, 30))
