"""Invented applicants for the demo. Nobody here exists; names come from Faker."""

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from faker import Faker
from schwifty import IBAN

# A Brazilian IBAN with valid check digits: a real-looking account outside SEPA.
NON_SEPA_IBAN = "BR1800360305000010009795493C1"


@dataclass
class Person:
    user_name: str
    """The person's BundID user name at the development identity provider."""
    given_names: str
    family_name: str
    birth_date: date
    street: str
    postal_code: str
    city: str
    iban: str
    trust_level: int
    """1 (user name and password), 3 (ELSTER) or 4 (eID)."""
    behaviour: str = "regular"
    codes: list = field(default_factory=list)
    """Issued codes of this person: (code, pin, land) tuples."""


def invent_people(count: int, seed: int) -> list[Person]:
    fake = Faker("de_DE")
    fake.seed_instance(seed)
    rng = random.Random(seed)
    people = []
    for number in range(count):
        people.append(
            Person(
                user_name=f"demo-{seed}-{number:06d}",
                given_names=fake.first_name(),
                family_name=fake.last_name(),
                birth_date=date(1996, 1, 1) + timedelta(days=rng.randrange(9 * 365)),
                street=fake.street_address(),
                postal_code=fake.postcode(),
                city=fake.city(),
                iban=str(IBAN.random(country_code="DE", random=rng).compact),
                trust_level=rng.choice([1, 3, 4, 4]),
            )
        )
    return people


def typo_in(iban: str) -> str:
    """The IBAN with two neighbouring digits swapped, as people type them."""
    digits = list(iban)
    for i in range(len(digits) - 2, 4, -1):
        if digits[i] != digits[i + 1]:
            digits[i], digits[i + 1] = digits[i + 1], digits[i]
            return "".join(digits)
    return iban[:-1] + ("1" if iban[-1] != "1" else "2")
