"""Who does what in the demo: the mix of regular applicants and mistakes.

Every behaviour names what the live system must answer, so that the demo checks
the system instead of only driving it.
"""

import random
from dataclasses import dataclass

from .people import Person

# Share of applicants per behaviour; the rest apply without a mistake.
BEHAVIOUR_SHARES = {
    "wrong_code": 0.03,
    "wrong_land": 0.03,
    "basis_without_pin": 0.03,
    "second_code": 0.03,
    "invalid_iban": 0.03,
    "non_sepa_iban": 0.01,
    "checks_status_later": 0.04,
}


@dataclass(frozen=True)
class Expectation:
    outcome: str
    """``approved`` or ``rejected`` for the person's first application."""
    refusals: tuple[str, ...] = ()
    """Refusal reasons the person meets on the way."""
    second_outcome: str | None = None
    second_reasons: tuple[str, ...] = ()


EXPECTATIONS = {
    "regular": Expectation("approved"),
    "checks_status_later": Expectation("approved"),
    "wrong_code": Expectation("approved", refusals=("unknown_code",)),
    "wrong_land": Expectation("approved", refusals=("wrong_land",)),
    "basis_without_pin": Expectation("approved", refusals=("pin_missing", "pin_wrong")),
    "invalid_iban": Expectation("approved"),
    "non_sepa_iban": Expectation("rejected"),
    "second_code": Expectation(
        "approved", second_outcome="rejected", second_reasons=("duplicate_person",)
    ),
}


def assign_behaviours(people: list[Person], rng: random.Random) -> None:
    """Give each person a behaviour; every behaviour occurs at least once when
    there are enough people."""
    order = list(range(len(people)))
    rng.shuffle(order)
    position = 0
    for behaviour, share in BEHAVIOUR_SHARES.items():
        count = max(1, round(share * len(people))) if len(people) >= 20 else 0
        for index in order[position : position + count]:
            people[index].behaviour = behaviour
        position += count


def codes_needed(person: Person) -> int:
    return 2 if person.behaviour == "second_code" else 1


def needs_pin_code(person: Person) -> bool:
    return person.behaviour == "basis_without_pin" or person.trust_level == 1
