"""The rule engine: a handful of checks over one submission.

Each rule looks at a ``Case`` and returns a ``ReasonCode`` when the application
cannot be granted, or None. The engine runs them all, so that the applicant learns
every reason at once. Rules read nothing but the case; the one rule that needs
other applications gets their answer through the case too.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from pauschale.programs.spec import ProgramSpec, TrustLevel

from .reasons import ReasonCode


@dataclass(frozen=True)
class Case:
    """Everything the rules need to know about one submission."""

    spec: ProgramSpec
    chosen_land: str
    code_land: str
    code_revoked: bool
    submitted_on: date
    trust_level: TrustLevel
    pin_verified: bool
    iban: str
    declarations: frozenset[str]
    person_already_approved: bool
    identity_matches_institution: bool | None
    """None when the institution gave no name for the code."""


Rule = Callable[[Case], ReasonCode | None]


def code_not_revoked(case: Case) -> ReasonCode | None:
    return ReasonCode.CODE_REVOKED if case.code_revoked else None


def code_issued_in_chosen_land(case: Case) -> ReasonCode | None:
    return None if case.code_land == case.chosen_land else ReasonCode.CODE_WRONG_LAND


def window_open(case: Case) -> ReasonCode | None:
    if case.spec.is_open(case.chosen_land, case.submitted_on):
        return None
    return ReasonCode.WINDOW_CLOSED


def pin_where_trust_level_requires(case: Case) -> ReasonCode | None:
    if case.spec.trust.needs_pin(case.trust_level) and not case.pin_verified:
        return ReasonCode.PIN_REQUIRED
    return None


def one_payment_per_person(case: Case) -> ReasonCode | None:
    return ReasonCode.DUPLICATE_PERSON if case.person_already_approved else None


def identity_as_institution_named(case: Case) -> ReasonCode | None:
    if case.identity_matches_institution is False:
        return ReasonCode.IDENTITY_MISMATCH
    return None


def iban_valid_in_sepa(case: Case) -> ReasonCode | None:
    try:
        iban = IBAN(case.iban)
    except SchwiftyException:
        return ReasonCode.IBAN_INVALID
    return None if iban.in_sepa_zone else ReasonCode.IBAN_NOT_SEPA


def declarations_confirmed(case: Case) -> ReasonCode | None:
    required = {d.id for d in case.spec.declarations}
    return None if required <= case.declarations else ReasonCode.DECLARATION_MISSING


RULES: tuple[Rule, ...] = (
    code_not_revoked,
    code_issued_in_chosen_land,
    window_open,
    pin_where_trust_level_requires,
    one_payment_per_person,
    identity_as_institution_named,
    iban_valid_in_sepa,
    declarations_confirmed,
)


def evaluate(case: Case) -> list[ReasonCode]:
    """The reasons against granting, in rule order; empty means approve."""
    return [reason for rule in RULES if (reason := rule(case)) is not None]
