"""Invented applications, decisions and payments for the payouts tests.

Rows of the modules to the left are created directly with the ORM, so these
tests do not depend on how those modules build them. Every name and IBAN here is
invented; the IBANs have valid check digits.
"""

import hashlib
from datetime import date

import factory
from factory.django import DjangoModelFactory
from schwifty import IBAN

from pauschale.applications.models import Application
from pauschale.common import clock
from pauschale.common.lands import LANDS
from pauschale.decisions.models import Decision
from pauschale.decisions.signals import decision_recorded
from pauschale.registry.models import AccessCode, AccessCodeBatch, Institution, Land


def ensure_lands() -> None:
    """The Länder rows that a migration seeds (a flushed test database lacks them)."""
    for code, (name, name_en) in LANDS.items():
        Land.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en}
        )


def invented_iban(number: int) -> str:
    """A valid German IBAN of an invented account at an invented bank code."""
    return IBAN.generate(
        "DE", bank_code="12030000", account_code=str(10_000 + number)
    ).compact


def _hash(prefix: str, number: int) -> str:
    return hashlib.sha256(f"{prefix}-{number}".encode()).hexdigest()


class InstitutionFactory(DjangoModelFactory):
    class Meta:
        model = Institution

    land_id = "DE-BY"
    name = factory.Sequence(lambda n: f"Hochschule Musterstadt {n}")
    kind = Institution.Kind.HOCHSCHULE
    source = "payouts-tests"
    external_id = factory.Sequence(str)


class AccessCodeBatchFactory(DjangoModelFactory):
    class Meta:
        model = AccessCodeBatch

    program = None
    institution = factory.SubFactory(InstitutionFactory)
    size = 1
    with_pins = False
    created_at = factory.LazyFunction(clock.now)
    created_by = "payouts-tests"


class AccessCodeFactory(DjangoModelFactory):
    class Meta:
        model = AccessCode

    program = None
    batch = factory.SubFactory(
        AccessCodeBatchFactory, program=factory.SelfAttribute("..program")
    )
    institution = factory.SelfAttribute("batch.institution")
    code_hash = factory.Sequence(lambda n: _hash("code", n))


class ApplicationFactory(DjangoModelFactory):
    """A submitted application; pass ``program`` and, if not DE-BY, ``land_id``."""

    class Meta:
        model = Application

    program = None
    land_id = "DE-BY"
    access_code = factory.LazyAttribute(
        lambda o: AccessCodeFactory(
            program=o.program, batch__institution__land_id=o.land_id
        )
    )
    submitted_at = factory.LazyFunction(clock.now)
    subject_key = factory.Sequence(lambda n: _hash("subject", n))
    person_key = factory.Sequence(lambda n: _hash("person", n))
    trust_level = 4
    given_names = "Jörg"
    family_name = "Müller-Lüdenscheidt"
    birth_date = date(2001, 5, 17)
    account_holder = "Jörg Müller-Lüdenscheidt"
    iban = factory.Sequence(invented_iban)
    declarations = factory.LazyFunction(
        lambda: ["residence", "enrolment", "single_claim", "truthful"]
    )


def decide(
    application: Application, *, approve: bool = True, amount_cents: int = 20_000
):
    """Record a decision the way the decisions module does: store it and send
    ``decision_recorded`` inside the same transaction."""
    from django.db import transaction

    with transaction.atomic():
        application.status = (
            Application.Status.APPROVED if approve else Application.Status.REJECTED
        )
        application.save(update_fields=["status"])
        decision = Decision.objects.create(
            application=application,
            outcome=Decision.Outcome.APPROVED if approve else Decision.Outcome.REJECTED,
            reasons=[] if approve else ["not_enrolled"],
            decided_at=clock.now(),
            amount_cents=amount_cents if approve else 0,
            program_sha256=application.program.source_sha256,
        )
        decision_recorded.send(sender=Decision, decision=decision)
    return decision


def approved_applications(
    program, land_id: str, count: int, **fields
) -> list[Application]:
    """``count`` approved applications of one Land, each with its open payment."""
    applications = []
    for _ in range(count):
        application = ApplicationFactory(program=program, land_id=land_id, **fields)
        decide(application)
        applications.append(application)
    return applications
