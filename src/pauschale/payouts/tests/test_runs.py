import hashlib
import logging

from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

import pytest
from lxml import etree

from pauschale.audit.models import AuditEvent
from pauschale.payouts.models import Payment, PaymentFile, PaymentRun, PaymentRunItem
from pauschale.payouts.sepa import (
    PAIN_001_NAMESPACE,
    SepaValidationError,
    pain001_schema,
    validate_pain001,
)
from pauschale.payouts.services import create_payment_runs
from pauschale.programs.models import Program

from .factories import approved_applications

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("monday_morning")]

NS = {"p": PAIN_001_NAMESPACE}


def _run(program, out_dir, **kwargs):
    return create_payment_runs(program, out_dir=out_dir, actor="tests", **kwargs)


def _parse(payment_file: PaymentFile):
    return etree.parse(payment_file.path).getroot()


def _text(root, path: str) -> str:
    return root.findtext(path, namespaces=NS)


def _with_file_limit(program: Program, limit: int) -> Program:
    program.spec_json["payment"]["max_transactions_per_file"] = limit
    program.save()
    return Program.objects.get(pk=program.pk)


def test_one_run_per_land_paid_from_the_lands_account(program, out_dir):
    approved_applications(program, "DE-BY", 3)
    approved_applications(program, "DE-BE", 2)

    runs = _run(program, out_dir)

    assert [(r.land_id, r.payment_count, r.total_cents) for r in runs] == [
        ("DE-BE", 2, 40_000),
        ("DE-BY", 3, 60_000),
    ]
    for run in runs:
        payer = program.spec.lands[run.land_id].payer
        payments = Payment.objects.filter(land_id=run.land_id)
        (payment_file,) = run.files.all()
        root = _parse(payment_file)
        header = "p:CstmrCdtTrfInitn/p:GrpHdr"
        block = "p:CstmrCdtTrfInitn/p:PmtInf"

        # The run's creation time keeps MsgIds unique even where run ids start
        # again (a new database of the same payer).
        stamp = timezone.localtime(run.created_at).strftime("%y%m%d%H%M%S")
        assert (
            _text(root, f"{header}/p:MsgId")
            == f"EPP-{run.land_id[3:]}-{stamp}-{run.pk}-1"
        )
        assert _text(root, f"{header}/p:NbOfTxs") == str(run.payment_count)
        assert _text(root, f"{header}/p:CtrlSum") == f"{run.total_cents // 100}.00"
        assert _text(root, f"{block}/p:NbOfTxs") == str(run.payment_count)
        assert _text(root, f"{block}/p:CtrlSum") == f"{run.total_cents // 100}.00"
        assert _text(root, f"{block}/p:BtchBookg") == "true"
        assert _text(root, f"{block}/p:PmtTpInf/p:SvcLvl/p:Cd") == "SEPA"
        assert _text(root, f"{block}/p:ChrgBr") == "SLEV"
        assert _text(root, f"{block}/p:ReqdExctnDt/p:Dt") == "2023-03-21"
        assert _text(root, f"{block}/p:Dbtr/p:Nm") == payer.name.replace("ü", "ue")
        assert _text(root, f"{block}/p:DbtrAcct/p:Id/p:IBAN") == payer.iban
        assert _text(root, f"{block}/p:DbtrAgt/p:FinInstnId/p:BICFI") == payer.bic

        transfers = root.findall(f"{block}/p:CdtTrfTxInf", NS)
        references = [_text(t, "p:PmtId/p:EndToEndId") for t in transfers]
        assert sorted(references) == sorted(p.end_to_end_id for p in payments)
        for transfer, reference in zip(transfers, references, strict=True):
            payment = payments.get(end_to_end_id=reference)
            assert _text(transfer, "p:Amt/p:InstdAmt") == "200.00"
            assert transfer.find("p:Amt/p:InstdAmt", NS).get("Ccy") == "EUR"
            assert _text(transfer, "p:Cdtr/p:Nm") == "Joerg Mueller-Luedenscheidt"
            assert _text(transfer, "p:CdtrAcct/p:Id/p:IBAN") == payment.iban
            assert _text(transfer, "p:RmtInf/p:Ustrd") == (
                f"Energiepreispauschale EPPSG {reference}"
            )


def test_run_records_files_items_and_totals(program, out_dir):
    approved_applications(program, "DE-BY", 3)

    (run,) = _run(program, out_dir)

    run.refresh_from_db()
    (payment_file,) = run.files.all()
    assert run.status == PaymentRun.Status.PREPARED
    assert run.created_by == "tests"
    assert str(run.execution_date) == "2023-03-21"
    assert (payment_file.transaction_count, payment_file.total_cents) == (3, 60_000)
    data = open(payment_file.path, "rb").read()
    assert payment_file.sha256 == hashlib.sha256(data).hexdigest()
    assert set(Payment.objects.values_list("status", flat=True)) == {"in_run"}
    assert PaymentRunItem.objects.filter(run=run, file=payment_file).count() == 3

    event = AuditEvent.objects.get(action="payment_run_created")
    assert event.object_id == str(run.pk)
    assert event.land == "DE-BY"
    assert event.details["payment_count"] == 3
    assert event.details["total_cents"] == 60_000
    assert event.details["files"][0]["sha256"] == payment_file.sha256


def test_every_file_is_valid_against_the_iso_schema(program, out_dir):
    program = _with_file_limit(program, 2)
    approved_applications(program, "DE-BY", 5)
    approved_applications(program, "DE-HH", 1)

    runs = _run(program, out_dir)

    files = PaymentFile.objects.filter(run__in=runs)
    assert files.count() == 4
    for payment_file in files:
        pain001_schema().assertValid(etree.parse(payment_file.path))
        assert validate_pain001(payment_file.path).sha256 == payment_file.sha256


def test_run_is_split_into_files_at_the_programs_limit(program, out_dir):
    program = _with_file_limit(program, 2)
    approved_applications(program, "DE-BY", 5)

    (run,) = _run(program, out_dir)

    files = list(run.files.order_by("sequence"))
    assert [f.transaction_count for f in files] == [2, 2, 1]
    stamp = timezone.localtime(run.created_at).strftime("%y%m%d%H%M%S")
    assert [f.message_id for f in files] == [
        f"EPP-BY-{stamp}-{run.pk}-{n}" for n in (1, 2, 3)
    ]
    assert len({f.message_id for f in files}) == 3
    assert sum(f.total_cents for f in files) == run.total_cents == 100_000
    references = []
    for payment_file in files:
        root = _parse(payment_file)
        in_file = root.xpath("//p:EndToEndId/text()", namespaces=NS)
        assert _text(root, "p:CstmrCdtTrfInitn/p:GrpHdr/p:NbOfTxs") == str(len(in_file))
        assert set(
            payment_file.items.values_list("payment__end_to_end_id", flat=True)
        ) == set(in_file)
        references += in_file
    assert sorted(references) == sorted(
        Payment.objects.values_list("end_to_end_id", flat=True)
    )


def test_second_run_pays_nobody_twice(program, out_dir):
    approved_applications(program, "DE-BY", 3)
    _run(program, out_dir)

    again = _run(program, out_dir)

    assert again == []
    assert PaymentRun.objects.count() == 1
    assert PaymentRunItem.objects.count() == 3


def test_database_refuses_a_payment_in_two_runs(program, out_dir):
    approved_applications(program, "DE-BY", 1)
    (run,) = _run(program, out_dir)
    payment = Payment.objects.get()
    other = PaymentRun.objects.create(
        program=program,
        land_id="DE-BY",
        created_at=run.created_at,
        created_by="tests",
        execution_date=run.execution_date,
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentRunItem.objects.create(run=other, payment=payment)


def test_payment_claimed_by_another_run_is_left_out(program, out_dir, caplog):
    # A payment still marked open that already has a run item (as if another
    # run claimed it without this run seeing the lock): the unique column
    # keeps it out, and the run holds only the others.
    approved_applications(program, "DE-BY", 3)
    taken = Payment.objects.order_by("id").first()
    other = PaymentRun.objects.create(
        program=program,
        land_id="DE-BY",
        created_at=taken.created_at,
        created_by="other",
        execution_date=taken.created_at.date(),
    )
    PaymentRunItem.objects.create(run=other, payment=taken)

    (run,) = _run(program, out_dir)

    assert run.payment_count == 2
    assert not run.items.filter(payment=taken).exists()
    assert "payment_claimed_elsewhere" in caplog.text


def test_land_whose_payments_are_all_claimed_gets_no_empty_run(program, out_dir):
    approved_applications(program, "DE-BY", 1)
    taken = Payment.objects.get()
    other = PaymentRun.objects.create(
        program=program,
        land_id="DE-BY",
        created_at=taken.created_at,
        created_by="other",
        execution_date=taken.created_at.date(),
    )
    PaymentRunItem.objects.create(run=other, payment=taken)

    assert _run(program, out_dir) == []
    assert PaymentRun.objects.count() == 1
    assert not out_dir.exists() or not any(out_dir.iterdir())


def test_invalid_file_rolls_the_run_back(program, out_dir):
    approved_applications(program, "DE-BY", 3)
    Payment.objects.filter(pk=Payment.objects.order_by("id").last().pk).update(
        iban="XX00NOTANIBAN!"
    )

    with pytest.raises(SepaValidationError) as error:
        _run(program, out_dir)

    assert "IBAN" in str(error.value)
    assert "NOTANIBAN" not in str(error.value)
    assert not PaymentRun.objects.exists()
    assert not PaymentFile.objects.exists()
    assert not PaymentRunItem.objects.exists()
    assert set(Payment.objects.values_list("status", flat=True)) == {"open"}
    assert list(out_dir.iterdir()) == []
    assert not AuditEvent.objects.filter(action="payment_run_created").exists()


def test_dry_run_counts_and_writes_nothing(program, out_dir):
    approved_applications(program, "DE-BY", 2)
    approved_applications(program, "DE-SN", 1)

    runs = _run(program, out_dir, dry_run=True)

    assert [(r.pk, r.land_id, r.payment_count, r.total_cents) for r in runs] == [
        (None, "DE-BY", 2, 40_000),
        (None, "DE-SN", 1, 20_000),
    ]
    assert not PaymentRun.objects.exists()
    assert set(Payment.objects.values_list("status", flat=True)) == {"open"}
    assert not out_dir.exists()


def test_only_the_lands_asked_for_are_paid(program, out_dir):
    approved_applications(program, "DE-BY", 2)
    approved_applications(program, "DE-SN", 1)

    runs = _run(program, out_dir, lands=["de-sn"])

    assert [r.land_id for r in runs] == ["DE-SN"]
    assert Payment.objects.filter(land_id="DE-BY", status="open").count() == 2


def test_unknown_land_is_refused(program, out_dir):
    with pytest.raises(ValueError, match="DE-XX"):
        _run(program, out_dir, lands=["DE-XX"])


def test_queries_do_not_grow_with_the_number_of_payments(program, out_dir):
    def queries_for_a_run_of(count: int) -> int:
        approved_applications(program, "DE-BY", count)
        with CaptureQueriesContext(connection) as queries:
            _run(program, out_dir)
        return len(queries)

    assert queries_for_a_run_of(2) == queries_for_a_run_of(12)


def test_no_names_or_ibans_in_logs_or_audit(program, out_dir, caplog):
    caplog.set_level(logging.DEBUG)
    applications = approved_applications(program, "DE-BY", 3)
    approved_applications(program, "DE-NW", 2, account_holder="Zoë Ørsted-Ångström")

    _run(program, out_dir, dry_run=True)
    _run(program, out_dir)
    _run(program, out_dir)

    assert "payment_run_created" in caplog.text
    personal = ["Jörg", "Müller", "Joerg", "Mueller", "Zoë", "Zoe", "Orsted", "Ørsted"]
    personal += [a.iban for a in applications]
    personal += list(Payment.objects.values_list("iban", flat=True))
    for value in personal:
        assert value not in caplog.text
    for event in AuditEvent.objects.all():
        for value in personal:
            assert value not in str(event.details)
