"""Reasons the program refers to a person: the rules refer, a clerk decides."""

from datetime import date

import pytest

from conftest import EPPSG_TOML
from pauschale.applications.models import Application
from pauschale.audit.models import AuditEvent
from pauschale.common.hashing import person_key
from pauschale.decisions.models import Decision
from pauschale.decisions.services import (
    ReferralError,
    decide,
    decide_referral,
    referable_reasons,
)
from pauschale.payouts.models import Payment
from pauschale.payouts.tests.factories import ApplicationFactory
from pauschale.programs.loader import parse_program

pytestmark = pytest.mark.django_db

NAMED = ("Zwiebelhuber", "Kunigunde", date(2001, 5, 17))


@pytest.fixture
def mismatched(program, monday):
    """An application whose code the institution gave to someone else."""
    application = ApplicationFactory(program=program, land_id="DE-BY")
    code = application.access_code
    code.expected_person_key = person_key(*NAMED)
    code.save(update_fields=["expected_person_key"])
    return application


@pytest.fixture
def monday():
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from pauschale.common import clock

    clock.set_now(datetime(2023, 4, 3, 10, 0, tzinfo=ZoneInfo("Europe/Berlin")))


def test_identity_mismatch_alone_is_referred_not_rejected(mismatched):
    decision = decide(mismatched)

    mismatched.refresh_from_db()
    assert decision.outcome == Decision.Outcome.REFERRED
    assert decision.reasons == ["identity_mismatch"]
    assert mismatched.status == Application.Status.REFERRED
    assert not Payment.objects.filter(application=mismatched).exists()


def test_a_mismatch_with_a_hard_reason_is_rejected(mismatched):
    Application.objects.filter(pk=mismatched.pk).update(declarations=[])
    mismatched.refresh_from_db()

    decision = decide(mismatched)

    assert decision.outcome == Decision.Outcome.REJECTED
    assert set(decision.reasons) == {"identity_mismatch", "declaration_missing"}


def test_without_review_in_the_program_a_mismatch_is_rejected(mismatched, program):
    spec = dict(program.spec_json)
    spec["review"] = {"refer": []}
    program.spec_json = spec
    program.save()
    mismatched.program = type(program).objects.get(pk=program.pk)

    assert decide(mismatched).outcome == Decision.Outcome.REJECTED


def test_a_clerk_approves_a_referred_case_and_it_gets_its_payment(mismatched):
    decide(mismatched)

    decision = decide_referral(
        mismatched,
        approve=True,
        note="Heiratsurkunde vorgelegt, Namensänderung belegt.",
        decided_by="clerk-by",
    )

    mismatched.refresh_from_db()
    assert (decision.outcome, decision.decided_by) == ("approved", "clerk-by")
    assert decision.referral_reasons == ["identity_mismatch"]
    assert decision.reasons == [] and decision.amount_cents == 20_000
    assert mismatched.status == Application.Status.APPROVED
    assert Payment.objects.get(application=mismatched).status == "open"
    assert AuditEvent.objects.filter(
        action="referral_decided", actor="clerk-by"
    ).exists()


def test_a_clerk_rejects_a_referred_case(mismatched):
    decide(mismatched)

    decision = decide_referral(
        mismatched, approve=False, note="Andere Person.", decided_by="clerk-by"
    )

    assert decision.outcome == "rejected"
    assert decision.reasons == ["identity_mismatch"]
    assert not Payment.objects.filter(application=mismatched).exists()


def test_a_referred_case_cannot_be_approved_when_the_person_was_paid_meanwhile(
    mismatched, program
):
    decide(mismatched)
    other = ApplicationFactory(program=program, person_key=mismatched.person_key)
    decide(other)

    with pytest.raises(ReferralError) as refused:
        decide_referral(mismatched, approve=True, note="ok", decided_by="clerk-by")

    assert refused.value.reasons == ["duplicate_person"]
    mismatched.refresh_from_db()
    assert mismatched.status == Application.Status.REFERRED


def test_a_decided_case_cannot_be_decided_again(mismatched):
    decide(mismatched)
    decide_referral(mismatched, approve=False, note="nein", decided_by="clerk-by")

    with pytest.raises(ReferralError):
        decide_referral(mismatched, approve=True, note="doch", decided_by="clerk-by")


def test_a_decision_needs_a_note(mismatched):
    decide(mismatched)

    with pytest.raises(ReferralError):
        decide_referral(mismatched, approve=True, note="  ", decided_by="clerk-by")


def test_the_program_file_refers_only_known_reasons(program):
    assert referable_reasons(program.spec) == {"identity_mismatch"}


def test_an_unknown_reason_in_the_program_file_is_an_error(program):
    text = EPPSG_TOML.read_text()
    spec = parse_program(
        text.replace('refer = ["identity_mismatch"]', 'refer = ["mismatch"]'),
        EPPSG_TOML,
    )

    with pytest.raises(ValueError, match="mismatch"):
        referable_reasons(spec)
