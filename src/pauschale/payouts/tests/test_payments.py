from django.db import IntegrityError, transaction

import pytest

from pauschale.payouts.models import Payment
from pauschale.payouts.services import PaymentError, create_payment, end_to_end_id

from .factories import ApplicationFactory, decide

pytestmark = pytest.mark.django_db


def test_approval_creates_one_open_payment(program):
    application = ApplicationFactory(program=program, land_id="DE-BY")

    decision = decide(application, amount_cents=20_000)

    payment = Payment.objects.get(application=application)
    assert payment.status == Payment.Status.OPEN
    assert payment.amount_cents == decision.amount_cents == 20_000
    assert payment.land_id == "DE-BY"
    assert payment.program == program
    assert payment.creditor_name == "Jörg Müller-Lüdenscheidt"
    assert payment.iban == application.iban
    assert payment.end_to_end_id == f"EPP-BY-{application.pk}-1"


def test_rejection_creates_no_payment(program):
    application = ApplicationFactory(program=program)

    decide(application, approve=False)

    assert not Payment.objects.filter(application=application).exists()


def test_approval_recorded_twice_keeps_one_payment(program):
    application = ApplicationFactory(program=program)
    decision = decide(application)

    again = create_payment(decision)

    assert Payment.objects.filter(application=application).count() == 1
    assert again == Payment.objects.get(application=application)


def test_iban_is_stored_compact(program):
    application = ApplicationFactory(program=program)
    application.iban = " ".join(application.iban[i : i + 4] for i in range(0, 22, 4))
    application.save()

    decide(application)

    assert " " not in Payment.objects.get(application=application).iban


def test_invalid_iban_stops_the_approval_without_quoting_it(program):
    application = ApplicationFactory(program=program, iban="DE00123456781234567890")

    with pytest.raises(PaymentError) as error:
        decide(application)

    assert "DE00123456781234567890" not in str(error.value)
    assert not Payment.objects.exists()


def test_database_refuses_a_second_live_payment(program):
    application = ApplicationFactory(program=program)
    decide(application)
    first = Payment.objects.get(application=application)

    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(
            program=program,
            application=application,
            land_id=first.land_id,
            amount_cents=20_000,
            creditor_name="x",
            iban=first.iban,
            end_to_end_id=f"EPP-BY-{application.pk}-2",
            created_at=first.created_at,
        )


def test_returned_payment_allows_a_new_attempt(program):
    application = ApplicationFactory(program=program)
    decision = decide(application)
    Payment.objects.filter(application=application).update(
        status=Payment.Status.RETURNED
    )

    second = create_payment(decision)

    assert second.end_to_end_id == f"EPP-BY-{application.pk}-2"
    assert Payment.objects.filter(application=application).count() == 2


@pytest.mark.parametrize("land", ["DE-BW", "DE-MV", "DE-ST"])
def test_end_to_end_id_names_land_and_application(program, land):
    application = ApplicationFactory(program=program, land_id=land)

    value = end_to_end_id(application, 1)

    assert value == f"EPP-{land[3:]}-{application.pk}-1"
    assert len(value) <= 35


def test_end_to_end_id_longer_than_35_characters_is_refused(program):
    application = ApplicationFactory(program=program)
    application.pk = 10**25

    with pytest.raises(PaymentError):
        end_to_end_id(application, 123456)
