"""Bank returns: camt.054 and pain.002 files matched to payments, and bad files."""

import logging
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from django.db import IntegrityError
from django.utils import translation

import pytest

from pauschale.audit.models import AuditEvent
from pauschale.payouts import returns
from pauschale.payouts.bank_files import BankFileError, Problem, read_bank_file
from pauschale.payouts.bank_simulator import (
    SimulatedReturn,
    camt054_returns,
    pain002_rejects,
)
from pauschale.payouts.models import BankFile, BankReturn, Payment, PaymentFile
from pauschale.payouts.returns import (
    import_bank_file,
    payments_awaiting_new_account,
    payments_for_case_handling,
    resolve_return,
    returns_to_check,
)
from pauschale.payouts.services import (
    ReissueRefused,
    create_payment_runs,
    reissue_payment,
    release_run,
)

from .factories import approved_applications

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("monday_morning")]

BERLIN = ZoneInfo("Europe/Berlin")
BY_PAYER = "DE12700000000020230001"
HE_PAYER = "DE86500000000020230006"
AT = datetime(2023, 3, 24, 7, 30, tzinfo=BERLIN)
NEW_IBAN = "DE89370400440532013000"


@pytest.fixture
def sent(program, out_dir):
    """Four payments of Bavaria in a released run, sorted by id."""
    approved_applications(program, "DE-BY", 4)
    (run,) = create_payment_runs(program, out_dir=out_dir, actor="clerk-anna")
    release_run(run, approver="approver-ben")
    return list(Payment.objects.order_by("id"))


def _camt(returns, iban=BY_PAYER, message_id="CAMT-2023-03-24-1") -> bytes:
    return camt054_returns(
        account_iban=iban,
        returns=returns,
        message_id=message_id,
        created_at=AT,
        booking_date=date(2023, 3, 24),
    )


def _message_id() -> str:
    return PaymentFile.objects.get().message_id


def _returned(payment: Payment, reason: str) -> SimulatedReturn:
    return SimulatedReturn(payment.end_to_end_id, payment.amount_cents, reason)


def _import(data: bytes, name="camt054.xml", **kwargs):
    return import_bank_file(data, name=name, actor="clerk-anna", **kwargs)


def test_camt054_returns_are_matched_and_marked_with_their_reason(sent):
    data = _camt([_returned(sent[0], "AC01"), _returned(sent[1], "MD07")])

    result = _import(data)

    assert result.created
    first, second = (Payment.objects.get(pk=p.pk) for p in sent[:2])
    assert (first.status, first.return_reason) == ("returned", "AC01")
    assert (second.status, second.return_reason) == ("returned", "MD07")
    assert first.returned_at is not None
    assert set(
        Payment.objects.filter(pk__in=[sent[2].pk, sent[3].pk]).values_list(
            "status", flat=True
        )
    ) == {"sent"}
    bank_file = result.bank_file
    assert (bank_file.kind, bank_file.land_id) == ("camt.054", "DE-BY")
    assert (bank_file.entry_count, bank_file.applied_count) == (2, 2)
    assert result.by_reason == {"AC01": 1, "MD07": 1}
    returns = list(bank_file.returns.order_by("position"))
    assert [(r.payment_id, r.outcome, r.reason_code) for r in returns] == [
        (sent[0].pk, "applied", "AC01"),
        (sent[1].pk, "applied", "MD07"),
    ]
    assert returns[0].amount_cents == 20_000
    kept = Path(bank_file.path)
    assert kept.read_bytes() == data
    assert kept.stat().st_mode & 0o777 == 0o600
    assert returns[0].booking_date == date(2023, 3, 24)
    assert returns[0].line > 0


def test_returns_go_to_the_applicant_or_to_case_handling_by_reason(sent):
    _import(_camt([_returned(sent[0], "AC04"), _returned(sent[1], "MD07")]))

    first, second = (Payment.objects.get(pk=p.pk) for p in sent[:2])
    assert first.accepts_new_account
    assert not second.accepts_new_account
    assert list(payments_awaiting_new_account(["DE-BY"])) == [first]
    assert list(payments_for_case_handling(["DE-BY"])) == [second]
    assert list(payments_for_case_handling(["DE-BE"])) == []
    assert str(first.reason.text) == "Das Konto wurde aufgelöst."


def test_unmatched_entries_are_kept_and_listed(sent):
    data = _camt(
        [_returned(sent[0], "AC04"), SimulatedReturn("EPP-BY-999999-1", 20_000, "AC01")]
    )

    result = _import(data)

    bank_file = result.bank_file
    assert (bank_file.applied_count, bank_file.unmatched_count) == (1, 1)
    unmatched = bank_file.returns.get(outcome="unmatched")
    assert unmatched.end_to_end_id == "EPP-BY-999999-1"
    assert unmatched.payment is None
    assert list(returns_to_check(["DE-BY"])) == [unmatched]
    assert list(returns_to_check(["DE-BE"])) == []


def test_importing_the_same_file_twice_changes_nothing(sent):
    data = _camt([_returned(sent[0], "AC01")])
    _import(data)
    before = list(
        Payment.objects.order_by("id").values_list(
            "status", "return_reason", "returned_at"
        )
    )

    again = _import(data, name="the-same-file-renamed.xml")

    assert not again.created
    assert BankFile.objects.count() == 1
    assert BankReturn.objects.count() == 1
    assert (
        list(
            Payment.objects.order_by("id").values_list(
                "status", "return_reason", "returned_at"
            )
        )
        == before
    )
    assert AuditEvent.objects.filter(action="bank_file_imported").count() == 1
    assert AuditEvent.objects.filter(action="bank_file_import_repeated").count() == 1


def test_a_second_file_with_the_same_return_is_flagged_not_applied(sent):
    _import(_camt([_returned(sent[0], "AC01")]))

    result = _import(_camt([_returned(sent[0], "AC04")], message_id="CAMT-2"))

    entry = result.bank_file.returns.get()
    assert (entry.outcome, entry.flag) == ("flagged", "already_returned")
    assert Payment.objects.get(pk=sent[0].pk).return_reason == "AC01"


def test_a_return_for_a_payment_not_sent_is_flagged(program, out_dir):
    approved_applications(program, "DE-BY", 2)
    create_payment_runs(program, out_dir=out_dir, actor="clerk-anna")  # not released
    payment = Payment.objects.order_by("id").first()

    result = _import(_camt([_returned(payment, "AC01")]))

    entry = result.bank_file.returns.get()
    assert (entry.outcome, entry.flag) == ("flagged", "not_sent")
    assert Payment.objects.get(pk=payment.pk).status == "in_run"
    assert list(returns_to_check()) == [entry]


def test_a_flagged_return_can_be_resolved_once(sent):
    result = _import(_camt([SimulatedReturn("EPP-BY-424242-1", 20_000, "AC01")]))
    entry = result.bank_file.returns.get()

    resolve_return(entry, actor="clerk-anna", note="booked_elsewhere")

    assert list(returns_to_check()) == []
    assert AuditEvent.objects.filter(action="bank_return_resolved").count() == 1
    with pytest.raises(ValueError, match="resolved already"):
        resolve_return(entry, actor="clerk-anna", note="again")


def test_pain002_rejects_single_transfers(sent):
    data = pain002_rejects(
        original_message_id=_message_id(),
        rejects=[(sent[2].end_to_end_id, "AC04"), ("EPP-BY-77777-1", "AC01")],
        message_id="PAIN002-1",
        created_at=AT,
    )

    result = _import(data, name="pain002.xml")

    bank_file = result.bank_file
    assert (bank_file.kind, bank_file.land_id) == ("pain.002", "DE-BY")
    payment = Payment.objects.get(pk=sent[2].pk)
    assert (payment.status, payment.return_reason) == ("rejected", "AC04")
    assert payment.accepts_new_account
    assert (bank_file.applied_count, bank_file.unmatched_count) == (1, 1)


def test_pain002_rejecting_a_whole_message_rejects_every_transfer_in_it(sent):
    data = pain002_rejects(
        original_message_id=_message_id(),
        rejects=[],
        message_id="PAIN002-2",
        created_at=AT,
        whole_message_reason="FF01",
    )

    result = _import(data, name="pain002.xml")

    assert result.bank_file.applied_count == 4
    assert set(Payment.objects.values_list("status", "return_reason")) == {
        ("rejected", "FF01")
    }
    assert len(payments_for_case_handling()) == 4


def test_pain002_acceptance_changes_nothing(sent):
    data = (
        pain002_rejects(
            original_message_id=_message_id(),
            rejects=[],
            message_id="PAIN002-3",
            created_at=AT,
        )
        .replace(b"<GrpSts>PART</GrpSts>", b"<GrpSts>ACCP</GrpSts>")
        .replace(b"<PmtInfSts>PART</PmtInfSts>", b"<PmtInfSts>ACCP</PmtInfSts>")
    )

    result = _import(data, name="pain002.xml")

    assert result.bank_file.entry_count == 0
    assert set(Payment.objects.values_list("status", flat=True)) == {"sent"}


def test_a_clerk_cannot_import_another_lands_file(sent):
    data = _camt([_returned(sent[0], "AC01")])

    with pytest.raises(
        BankFileError, match="not about an account or payment run of DE-BE"
    ):
        _import(data, land="DE-BE")
    assert not BankFile.objects.exists()

    assert _import(data, land="DE-BY").bank_file.applied_count == 1


def test_a_file_of_an_unknown_account_is_refused_for_a_clerk(sent):
    data = _camt([_returned(sent[0], "AC01")], iban="DE02120300000000202051")

    with pytest.raises(BankFileError):
        _import(data, land="DE-BY")
    assert Payment.objects.get(pk=sent[0].pk).status == "sent"


# --- a file must belong to one payer account ------------------------------------


def test_a_file_of_an_account_that_is_no_payer_account_is_refused_whole(sent, caplog):
    caplog.set_level(logging.DEBUG)
    data = _camt([_returned(sent[0], "AC01")], iban=NEW_IBAN)

    with pytest.raises(BankFileError) as refused:
        _import(data)  # without a Land, as the demo imports

    (problem,) = refused.value.problems
    assert problem.line == data[: data.index(b"<Acct>")].count(b"\n") + 1
    assert str(refused.value) == (
        f"camt054.xml: line {problem.line}, BkToCstmrDbtCdtNtfctn/Ntfctn/Acct: "
        "the account is no payer account of a Land; only files of a payer "
        "account are imported"
    )
    assert NEW_IBAN not in str(refused.value) + caplog.text
    assert Payment.objects.get(pk=sent[0].pk).status == "sent"
    assert not BankFile.objects.exists()


def test_a_file_naming_a_payer_account_and_another_account_is_refused(sent):
    data = _camt([_returned(sent[0], "AC01")])
    account = data[data.index(b"<Ntfctn>") : data.index(b"</Ntfctn>") + 9]
    other = account.replace(BY_PAYER.encode(), NEW_IBAN.encode())
    data = data.replace(account, account + b"\n" + other)

    with pytest.raises(BankFileError, match="no payer account of a Land"):
        _import(data)

    assert Payment.objects.get(pk=sent[0].pk).status == "sent"
    assert not BankFile.objects.exists()


def test_a_file_about_the_payer_accounts_of_two_lands_is_refused(sent):
    data = _camt([_returned(sent[0], "AC01")])
    account = data[data.index(b"<Ntfctn>") : data.index(b"</Ntfctn>") + 9]
    hessen = account.replace(BY_PAYER.encode(), HE_PAYER.encode())
    data = data.replace(account, account + b"\n" + hessen)

    with pytest.raises(BankFileError) as refused:
        _import(data)

    assert str(refused.value) == (
        "camt054.xml: the file is about more than one Land (DE-BY, DE-HE); "
        "the bank sends one file per payer account"
    )
    assert Payment.objects.get(pk=sent[0].pk).status == "sent"


def test_a_return_on_another_lands_payer_account_is_flagged_not_applied(sent):
    result = _import(_camt([_returned(sent[0], "AC01")], iban=HE_PAYER))

    assert result.bank_file.land_id == "DE-HE"
    entry = result.bank_file.returns.get()
    assert (entry.outcome, entry.flag) == ("flagged", "other_land")
    assert Payment.objects.get(pk=sent[0].pk).status == "sent"


def test_a_pain002_about_a_message_we_did_not_send_is_refused(sent):
    data = pain002_rejects(
        original_message_id="EPP-XX-UNKNOWN-1",
        rejects=[(sent[0].end_to_end_id, "AC04")],
        message_id="PAIN002-X",
        created_at=AT,
    )

    with pytest.raises(BankFileError) as refused:
        _import(data, name="pain002.xml")

    assert "OrgnlMsgId: the report is about the message EPP-XX-UNKNOWN-1" in str(
        refused.value
    )
    assert Payment.objects.get(pk=sent[0].pk).status == "sent"
    assert not BankFile.objects.exists()


# --- a returned amount that is not the payment's ---------------------------------


def test_a_return_of_another_amount_is_flagged_for_a_person_not_applied(sent):
    data = _camt(
        [
            SimulatedReturn(sent[0].end_to_end_id, 25_000, "AC01"),
            _returned(sent[1], "AC04"),
        ]
    )

    result = _import(data)

    differing, matching = result.bank_file.returns.order_by("position")
    assert (differing.outcome, differing.flag) == ("flagged", "amount_differs")
    assert differing.amount_cents == 25_000
    assert differing.get_flag_display() == "Betrag fehlt oder weicht von der Zahlung ab"
    assert Payment.objects.get(pk=sent[0].pk).status == "sent"
    assert matching.outcome == "applied"
    assert (result.bank_file.applied_count, result.bank_file.flagged_count) == (1, 1)
    assert result.by_flag == {"amount_differs": 1}
    assert list(returns_to_check(["DE-BY"])) == [differing]
    event = AuditEvent.objects.get(action="bank_file_imported")
    assert event.details["flagged_by_flag"] == {"amount_differs": 1}


def test_a_camt054_return_whose_amount_cannot_be_told_is_flagged(sent):
    # One entry of 400.00 resolving two returns, neither with its own amount.
    data = _camt([_returned(sent[0], "AC01")]).replace(
        b'<Amt Ccy="EUR">200.00</Amt>', b'<Amt Ccy="EUR">400.00</Amt>', 1
    )
    tx_start, tx_end = data.index(b"<TxDtls>"), data.index(b"</TxDtls>") + 9
    transfer = data[tx_start:tx_end].replace(b'<Amt Ccy="EUR">200.00</Amt>', b"")
    second = transfer.replace(
        sent[0].end_to_end_id.encode(), sent[1].end_to_end_id.encode()
    )
    data = data[:tx_start] + transfer + second + data[tx_end:]

    result = _import(data)

    assert [r.amount_cents for r in result.bank_file.returns.all()] == [None, None]
    assert set(result.bank_file.returns.values_list("outcome", "flag")) == {
        ("flagged", "amount_differs")
    }
    assert set(
        Payment.objects.filter(pk__in=[sent[0].pk, sent[1].pk]).values_list(
            "status", flat=True
        )
    ) == {"sent"}


# --- one MsgId, one message -----------------------------------------------------


def test_a_second_file_with_an_imported_message_id_is_refused_whole(sent):
    first = _import(_camt([_returned(sent[0], "AC01")])).bank_file
    other_content = _camt([_returned(sent[1], "AC04")])  # the same MsgId

    with pytest.raises(BankFileError) as refused:
        _import(other_content, name="camt054-second.xml")

    assert str(refused.value) == (
        "camt054-second.xml: GrpHdr/MsgId: the message id CAMT-2023-03-24-1 came "
        f"before in another file (bank file {first.pk}, imported 2023-03-20 09:00); "
        "a bank never sends two messages with one id, so nothing of this file was "
        "imported"
    )
    assert Payment.objects.get(pk=sent[1].pk).status == "sent"
    assert list(BankFile.objects.all()) == [first]
    assert BankReturn.objects.count() == 1
    assert AuditEvent.objects.filter(action="bank_file_imported").count() == 1


def test_one_message_id_per_land_and_kind_is_kept_by_the_database(sent):
    first = _import(_camt([_returned(sent[0], "AC01")])).bank_file

    with pytest.raises(IntegrityError):
        BankFile.objects.create(
            kind=first.kind,
            sha256="0" * 64,
            name="x.xml",
            path="x",
            message_id=first.message_id,
            land_id=first.land_id,
            imported_at=first.imported_at,
            imported_by="x",
        )


def test_a_message_id_imported_meanwhile_by_someone_else_is_refused(
    sent, monkeypatch, bank_file_dir
):
    _import(_camt([_returned(sent[0], "AC01")]))
    check = returns._refuse_reused_message_id
    calls = []

    def too_late_the_first_time(*args):
        calls.append(args)
        if len(calls) > 1:
            check(*args)

    monkeypatch.setattr(returns, "_refuse_reused_message_id", too_late_the_first_time)

    with pytest.raises(BankFileError, match="came before in another file"):
        _import(_camt([_returned(sent[1], "AC04")]))

    assert Payment.objects.get(pk=sent[1].pk).status == "sent"
    assert BankFile.objects.count() == 1
    assert len(list(Path(bank_file_dir).iterdir())) == 1


# --- bad files: file, line and field, and nothing stored -----------------------------


def _problems(data: bytes) -> BankFileError:
    with pytest.raises(BankFileError) as error:
        _import(data, name="bank.xml")
    assert not BankFile.objects.exists()
    return error.value


def test_bad_xml_is_reported_with_its_line(sent):
    data = _camt([_returned(sent[0], "AC01")]).replace(b"</Ntry>", b"</Ntri>", 1)

    error = _problems(data)

    assert str(error).startswith("bank.xml: line ")
    assert "not well-formed XML" in str(error)
    assert error.problems[0].line > 1


def test_a_wrong_namespace_is_refused(sent):
    data = _camt([_returned(sent[0], "AC01")]).replace(
        b"camt.054.001.08", b"camt.054.001.02"
    )

    error = _problems(data)

    assert "namespace must be" in str(error)
    assert Payment.objects.get(pk=sent[0].pk).status == "sent"


def test_an_xsd_violation_names_line_and_field_but_no_value(sent):
    long_reference = "EPP-BY-12345678901234567890123456789"
    data = _camt([SimulatedReturn("EPP-BY-1-1", 20_000, "AC01")]).replace(
        b"<EndToEndId>EPP-BY-1-1</EndToEndId>",
        f"<EndToEndId>{long_reference}</EndToEndId>".encode(),
    )

    error = _problems(data)

    (problem,) = error.problems
    assert (
        problem.field
        == "BkToCstmrDbtCdtNtfctn/Ntfctn/Ntry/NtryDtls/TxDtls/Refs/EndToEndId"
    )
    assert problem.line == data[: data.index(long_reference.encode())].count(b"\n") + 1
    assert "maxLength" in problem.detail
    assert long_reference not in str(error)


def test_a_value_in_a_pattern_error_is_not_repeated(sent):
    data = _camt([_returned(sent[0], "AC01")]).replace(
        BY_PAYER.encode(), b"Max O'Mustermann"
    )

    error = _problems(data)

    (problem,) = error.problems
    line = data[: data.index(b"Mustermann")].count(b"\n") + 1
    assert str(problem) == (
        f"line {line}, BkToCstmrDbtCdtNtfctn/Ntfctn/Acct/Id/IBAN: does not match "
        "the ISO schema (type IBAN2007Identifier): [facet 'pattern'] The value "
        "[value] is not accepted by the pattern '[A-Z]{2,2}[0-9]{2,2}[a-zA-Z0-9]{1,30}'."
    )
    assert "Mustermann" not in str(error)
    with translation.override("de"):
        assert (
            "entspricht nicht dem ISO-Schema (Typ IBAN2007Identifier)" in problem.text
        )


def test_an_enumeration_error_keeps_the_allowed_codes_but_not_the_value(sent):
    data = _camt([_returned(sent[0], "AC01")]).replace(
        b"<CdtDbtInd>CRDT</CdtDbtInd>", b"<CdtDbtInd>Mustermann</CdtDbtInd>", 1
    )

    error = _problems(data)

    (problem,) = error.problems
    assert problem.field == "BkToCstmrDbtCdtNtfctn/Ntfctn/Ntry/CdtDbtInd"
    assert problem.detail == (
        "[facet 'enumeration'] The value [value] is not an element of the set "
        "{'CRDT', 'DBIT'}."
    )
    assert problem.values == {"type": "CreditDebitCode"}
    assert "Mustermann" not in str(error)


def test_an_error_of_an_atomic_type_names_the_type_not_the_value(sent):
    data = _camt([_returned(sent[0], "AC01")]).replace(
        b'<Amt Ccy="EUR">200.00</Amt>', b'<Amt Ccy="EUR">Mustermann</Amt>', 1
    )

    error = _problems(data)

    (problem,) = error.problems
    assert problem.detail == (
        "[value] is not a valid value of the atomic type "
        "'ActiveOrHistoricCurrencyAndAmount_SimpleType'."
    )
    assert "Mustermann" not in str(error)


def test_an_amount_in_another_currency_is_refused(sent):
    data = _camt([_returned(sent[0], "AC01")]).replace(b'Ccy="EUR"', b'Ccy="USD"')

    error = _problems(data)

    assert "not in EUR" in str(error)
    assert {p.field for p in error.problems} >= {
        "BkToCstmrDbtCdtNtfctn/Ntfctn/Ntry/Amt"
    }


DOCTYPES = {
    "internal entity": (b'<!DOCTYPE Document [<!ENTITY x "abc">]>', b"&x;"),
    "external entity": (
        b'<!DOCTYPE Document [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
        b"&x;",
    ),
    "no entity": (b"<!DOCTYPE Document>", b""),
}


def _with_doctype(data: bytes, doctype: bytes, reference: bytes) -> bytes:
    """``data`` with ``doctype`` on line 2 and ``reference`` in its MsgId."""
    declaration, rest = data.split(b"\n", 1)
    rest = rest.replace(b"<MsgId>", b"<MsgId>" + reference, 1)
    return b"\n".join([declaration, doctype, rest])


@pytest.mark.parametrize("kind", ["camt.054", "pain.002"])
@pytest.mark.parametrize("doctype", DOCTYPES, ids=str)
def test_a_file_with_a_doctype_is_refused_before_validation(sent, kind, doctype):
    if kind == "camt.054":
        data = _camt([_returned(sent[0], "AC01")])
    else:
        data = pain002_rejects(
            original_message_id=_message_id(),
            rejects=[(sent[0].end_to_end_id, "AC01")],
            message_id="PAIN002-1",
            created_at=AT,
        )

    error = _problems(_with_doctype(data, *DOCTYPES[doctype]))

    assert str(error) == (
        "bank.xml: line 2: the file has a document type declaration (DOCTYPE); "
        "bank files never have one"
    )
    with translation.override("de"):
        assert error.problems[0].text.startswith("Zeile 2: die Datei enthält eine")
    assert Payment.objects.get(pk=sent[0].pk).status == "sent"
    assert not BankReturn.objects.exists()


def test_a_problem_without_line_or_field_reads_cleanly():
    with pytest.raises(BankFileError) as error:
        read_bank_file(b"<Document", "x.xml")

    (problem,) = error.value.problems
    assert str(problem).startswith("line 1: not well-formed XML: ")
    with translation.override("de"):
        assert problem.text.startswith("Zeile 1: kein wohlgeformtes XML: ")
    assert str(Problem(0, "", "the amount is not in EUR")) == "the amount is not in EUR"


def test_reading_separates_returns_from_other_entries():
    other = camt054_returns(
        account_iban=BY_PAYER,
        returns=[SimulatedReturn("EPP-BY-1-1", 20_000, "AC01")],
        message_id="M",
        created_at=AT,
        booking_date=date(2023, 3, 24),
    ).replace(b"<SubFmlyCd>RRTN</SubFmlyCd>", b"<SubFmlyCd>ESCT</SubFmlyCd>")
    without_return_info = other.replace(b"<RtrInf>", b"<!--").replace(
        b"</RtrInf>", b"-->"
    )

    content = read_bank_file(without_return_info, "x.xml")

    assert content.returns == []
    assert content.other_entries == 1
    assert content.account_ibans == {BY_PAYER}
    assert content.accounts[0].line > 0


# --- a new payment after case handling ----------------------------------------------


def test_case_handling_may_reissue_what_the_applicant_cannot(sent):
    _import(_camt([_returned(sent[1], "MD07")]))
    returned = Payment.objects.get(pk=sent[1].pk)

    with pytest.raises(ReissueRefused) as refused:
        reissue_payment(
            returned, account_holder="Erbengemeinschaft", iban=NEW_IBAN, actor="x"
        )
    assert refused.value.reason == "needs_case_handling"

    new = reissue_payment(
        returned,
        account_holder="Erbengemeinschaft Muster",
        iban=NEW_IBAN,
        actor="clerk-anna",
        any_reason=True,
    )

    assert (new.status, new.attempt, new.replaces_id) == ("open", 2, returned.pk)
    assert list(payments_for_case_handling()) == []
    event = AuditEvent.objects.get(action="payment_reissued")
    assert (event.actor, event.details["return_reason"]) == ("clerk-anna", "MD07")


@pytest.mark.parametrize("iban", ["DE89370400440532013001", "not an iban"])
def test_reissue_refuses_an_invalid_iban_without_quoting_it(sent, iban):
    _import(_camt([_returned(sent[0], "AC01")]))

    with pytest.raises(ReissueRefused) as refused:
        reissue_payment(
            Payment.objects.get(pk=sent[0].pk),
            account_holder="Erika Musterfrau",
            iban=iban,
            actor="applicant",
        )

    assert refused.value.reason == "iban_invalid"
    assert iban not in str(refused.value)
    assert Payment.objects.count() == 4


def test_a_payment_that_did_not_come_back_is_not_reissued(sent):
    with pytest.raises(ReissueRefused) as refused:
        reissue_payment(sent[0], account_holder="E", iban=NEW_IBAN, actor="x")

    assert refused.value.reason == "not_returned"


def test_a_pain002_violating_its_xsd_names_line_and_field(sent):
    data = pain002_rejects(
        original_message_id=_message_id(),
        rejects=[(sent[0].end_to_end_id, "AC01")],
        message_id="PAIN002-BAD",
        created_at=AT,
    ).replace(b"<TxSts>RJCT</TxSts>", b"<TxSts>REJECTED</TxSts>")

    error = _problems(data)

    (problem,) = error.problems
    assert problem.field == "CstmrPmtStsRpt/OrgnlPmtInfAndSts/TxInfAndSts/TxSts"
    assert problem.line == data[: data.index(b"REJECTED")].count(b"\n") + 1
    assert Payment.objects.get(pk=sent[0].pk).status == "sent"


def test_a_creation_time_without_offset_is_the_banks_local_time(sent, recwarn):
    data = _camt([_returned(sent[0], "AC01")])
    stamp = AT.isoformat().encode()
    assert stamp in data
    data = data.replace(stamp, stamp[:19])

    bank_file = _import(data).bank_file

    bank_file.refresh_from_db()
    assert bank_file.created_at_bank == AT
    assert not [w for w in recwarn if "naive datetime" in str(w.message)]
