"""The commands payment_run and import_bank_file: the same roles and Länder
as the pages, output with ids, counts and sums but never people."""

import logging
from datetime import date, datetime
from io import StringIO
from zoneinfo import ZoneInfo

from django.core.management import CommandError, call_command

import pytest

from pauschale.audit.models import AuditEvent
from pauschale.payouts.bank_simulator import SimulatedReturn, camt054_returns
from pauschale.payouts.models import BankFile, Payment, PaymentRun
from pauschale.payouts.services import create_payment_runs, release_run
from pauschale.payouts.tests.factories import approved_applications

from .staff import make_staff

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def out_dir(tmp_path):
    return tmp_path / "payments"


@pytest.fixture
def prepared(program, spring_day, clerk_by, out_dir):
    approved_applications(program, "DE-BY", 3)
    (run,) = create_payment_runs(program, out_dir=out_dir, actor=clerk_by.username)
    return run


def _payment_run(*args) -> str:
    out = StringIO()
    call_command("payment_run", *args, stdout=out)
    return out.getvalue()


def _prepare(out_dir, *args) -> str:
    return _payment_run(
        "--program", "eppsg-2023", "--out", str(out_dir), "--commit", *args
    )


def _statuses() -> set[str]:
    return set(Payment.objects.values_list("status", flat=True))


# --- payment_run: what it does ---------------------------------------------------


def test_without_commit_it_is_a_dry_run_for_every_land(program, spring_day, out_dir):
    approved_applications(program, "DE-BY", 2)
    approved_applications(program, "DE-HB", 1)

    output = _payment_run("--program", "eppsg-2023", "--out", str(out_dir))

    assert "Dry run" in output
    assert "DE-BY: 2 payments, 400.00 EUR in 1 file(s)" in output
    assert "DE-HB: 1 payments, 200.00 EUR in 1 file(s)" in output
    assert "--commit --by USER" in output
    assert not PaymentRun.objects.exists()
    assert not out_dir.exists()


def test_a_clerk_prepares_the_run_of_their_land_only(
    program, spring_day, clerk_by, out_dir
):
    approved_applications(program, "DE-BY", 2)
    approved_applications(program, "DE-HB", 1)

    output = _prepare(out_dir, "--by", clerk_by.username)

    run = PaymentRun.objects.get()
    assert (run.land_id, run.created_by) == ("DE-BY", "clerk-by")
    assert f"Run {run.pk} DE-BY" in output
    for payment_file in run.files.all():
        assert payment_file.path in output
        assert payment_file.sha256 in output
    assert "Total: 1 run(s), 2 payments, 400.00 EUR" in output
    assert Payment.objects.get(land_id="DE-HB").status == "open"
    assert "nobody to pay" in _prepare(out_dir, "--by", clerk_by.username)


def test_a_clerk_prepares_an_approver_releases(
    program, spring_day, clerk_by, approver_by, out_dir
):
    approved_applications(program, "DE-BY", 2)

    prepared = _prepare(out_dir, "--by", "clerk-by")
    run = PaymentRun.objects.get()
    released = _payment_run("--release", str(run.pk), "--by", "approver-by")

    assert f"Run {run.pk} DE-BY" in prepared and "prepared" in prepared
    assert f"Run {run.pk} released by approver-by" in released
    assert run.files.get().sha256 in released
    assert PaymentRun.objects.get().status == "released"
    for payment in Payment.objects.all():
        for value in (payment.iban, payment.creditor_name, "Jörg", "Müller"):
            assert value not in prepared + released


def test_staff_of_the_land_cancel_a_prepared_run(prepared, approver_by):
    output = _payment_run("--cancel", str(prepared.pk), "--by", "approver-by")

    assert f"Run {prepared.pk} cancelled by approver-by" in output
    assert _statuses() == {"open"}


def test_no_names_or_ibans_in_logs_or_output(
    program, spring_day, clerk_by, clerk_nw, out_dir, caplog, capsys
):
    caplog.set_level(logging.DEBUG)
    applications = approved_applications(program, "DE-BY", 3)
    approved_applications(program, "DE-NW", 2, account_holder="Zoë Ørsted-Ångström")

    output = _payment_run("--program", "eppsg-2023", "--out", str(out_dir))
    output += _prepare(out_dir, "--by", "clerk-by")
    output += _prepare(out_dir, "--by", "clerk-nw")

    captured = capsys.readouterr()
    everything = output + caplog.text + captured.out + captured.err
    assert "payment_run_created" in caplog.text
    personal = ["Jörg", "Müller", "Joerg", "Mueller", "Zoë", "Zoe", "Orsted", "Ørsted"]
    personal += [a.iban for a in applications]
    personal += list(Payment.objects.values_list("iban", flat=True))
    for value in personal:
        assert value not in everything
    for event in AuditEvent.objects.all():
        for value in personal:
            assert value not in str(event.details)


# --- payment_run: who may ---------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "problem"),
    [
        (
            "staff-uni-by",
            "--by staff-uni-by: the role institution may not release a payment run; "
            "that needs the role approver of the Land",
        ),
        (
            "operator",
            "--by operator: the role operator may not release a payment run",
        ),
        ("clerk-by", "--by clerk-by: the role clerk may not release a payment run"),
        (
            "approver-nw",
            "--by approver-nw is approver of DE-NW, not of DE-BY (payment run {run})",
        ),
        ("nobody", "--by nobody: no active staff user of that name"),
    ],
)
def test_only_an_approver_of_the_runs_land_releases(
    prepared, staff_by, operator, user, problem
):
    make_staff("approver-nw", "approver", land="DE-NW")

    with pytest.raises(CommandError) as refused:
        _payment_run("--release", str(prepared.pk), "--by", user)

    assert str(refused.value).startswith(problem.format(run=prepared.pk))
    assert PaymentRun.objects.get().status == "prepared"
    assert _statuses() == {"in_run"}


def test_the_preparer_cannot_release_even_as_an_approver(
    program, spring_day, approver_by, out_dir
):
    approved_applications(program, "DE-BY", 1)
    (run,) = create_payment_runs(program, out_dir=out_dir, actor="approver-by")

    with pytest.raises(CommandError, match="prepared it cannot release"):
        _payment_run("--release", str(run.pk), "--by", "approver-by")
    assert PaymentRun.objects.get().status == "prepared"


@pytest.mark.parametrize(
    ("user", "problem"),
    [
        (
            "approver-by",
            "--by approver-by: the role approver may not prepare a payment run; "
            "that needs the role clerk of the Land",
        ),
        (
            "staff-uni-by",
            "--by staff-uni-by: the role institution may not prepare a payment run",
        ),
        ("operator", "--by operator: the role operator may not prepare a payment run"),
    ],
)
def test_only_a_clerk_prepares(
    program, spring_day, approver_by, staff_by, operator, out_dir, user, problem
):
    approved_applications(program, "DE-BY", 1)

    with pytest.raises(CommandError) as refused:
        _prepare(out_dir, "--by", user)

    assert str(refused.value).startswith(problem)
    assert not PaymentRun.objects.exists()


@pytest.mark.parametrize(
    ("land", "problem"),
    [
        (
            "DE-NW",
            "--by clerk-by is clerk of DE-BY, not of DE-NW (--land DE-NW)",
        ),
        ("XX", "unknown Land XX; use one of DE-BW, "),
    ],
)
def test_a_clerk_prepares_no_run_of_another_land(
    program, spring_day, clerk_by, out_dir, land, problem
):
    approved_applications(program, "DE-NW", 1)

    with pytest.raises(CommandError) as refused:
        _prepare(out_dir, "--by", "clerk-by", "--land", land)

    assert str(refused.value).startswith(problem)
    assert not PaymentRun.objects.exists()


def test_staff_of_another_land_cannot_cancel(prepared, clerk_nw):
    with pytest.raises(CommandError, match=r"clerk-nw is clerk of DE-NW, not of DE-BY"):
        _payment_run("--cancel", str(prepared.pk), "--by", "clerk-nw")
    assert PaymentRun.objects.get().status == "prepared"


def test_an_unknown_run_is_named(approver_by):
    with pytest.raises(CommandError, match="^no payment run 999$"):
        _payment_run("--release", "999", "--by", "approver-by")


# --- import_bank_file -------------------------------------------------------------


@pytest.fixture
def sent(program, spring_day, clerk_by, approver_by, out_dir):
    """Four payments of Bavaria in a released run, sorted by id."""
    approved_applications(program, "DE-BY", 4)
    (run,) = create_payment_runs(program, out_dir=out_dir, actor="clerk-by")
    release_run(run, approver="approver-by")
    return list(Payment.objects.order_by("id"))


def _camt(program, returns, iban=None) -> bytes:
    return camt054_returns(
        account_iban=iban or program.spec.lands["DE-BY"].payer.iban,
        returns=returns,
        message_id="CAMT-2023-04-04-1",
        created_at=datetime(2023, 4, 4, 7, 30, tzinfo=BERLIN),
        booking_date=date(2023, 4, 4),
    )


def _returned(payment: Payment, reason: str) -> SimulatedReturn:
    return SimulatedReturn(payment.end_to_end_id, payment.amount_cents, reason)


def _import_bank_file(path, *args) -> str:
    out = StringIO()
    call_command("import_bank_file", str(path), *args, stdout=out)
    return out.getvalue()


def test_a_clerk_imports_and_sees_counts_without_personal_data(
    program, sent, tmp_path, caplog
):
    caplog.set_level(logging.DEBUG)
    path = tmp_path / "camt054.xml"
    path.write_bytes(
        _camt(
            program,
            [
                _returned(sent[0], "AC01"),
                SimulatedReturn("EPP-BY-55555-1", 20_000, "AC04"),
            ],
        )
    )

    output = _import_bank_file(path, "--by", "clerk-by")
    output += _import_bank_file(path, "--by", "clerk-by", "--land", "de-by")

    assert (
        "camt.054 CAMT-2023-04-04-1 (DE-BY): 2 entries, 1 applied, 0 flagged, 1 unmatched"
        in output
    )
    assert "imported before; nothing changed" in output
    assert "AC01 1" in output
    assert BankFile.objects.get().imported_by == "clerk-by"
    everything = output + caplog.text
    for payment in Payment.objects.all():
        assert payment.iban not in everything
    assert "Jörg" not in everything and "Müller" not in everything


def test_an_approver_of_the_land_imports_too(program, sent, tmp_path):
    path = tmp_path / "camt054.xml"
    path.write_bytes(_camt(program, [_returned(sent[0], "AC01")]))

    output = _import_bank_file(path, "--by", "approver-by")

    assert "1 applied" in output
    assert Payment.objects.get(pk=sent[0].pk).status == "returned"


def test_a_differing_amount_is_shown_as_flagged(program, sent, tmp_path):
    path = tmp_path / "camt054.xml"
    path.write_bytes(
        _camt(program, [SimulatedReturn(sent[0].end_to_end_id, 25_000, "AC01")])
    )

    output = _import_bank_file(path, "--by", "clerk-by")

    assert "(DE-BY): 1 entries, 0 applied, 1 flagged" in output
    assert "  flagged, not applied, for a person to check: amount_differs 1" in output


def test_a_file_of_no_payer_account_is_refused_without_its_iban(
    program, sent, tmp_path
):
    foreign = "DE89370400440532013000"
    path = tmp_path / "camt054.xml"
    path.write_bytes(_camt(program, [_returned(sent[0], "AC01")], iban=foreign))

    with pytest.raises(CommandError) as refused:
        _import_bank_file(path, "--by", "clerk-by")

    assert "Acct: the account is no payer account of a Land" in str(refused.value)
    assert foreign not in str(refused.value)
    assert Payment.objects.get(pk=sent[0].pk).status == "sent"


def test_a_bad_file_is_reported_with_line_and_field(program, sent, tmp_path):
    path = tmp_path / "bad.xml"
    path.write_bytes(
        _camt(program, [_returned(sent[0], "AC01")]).replace(
            b"<Cd>BOOK</Cd>", b"<Cd>BOOKED</Cd>"
        )
    )

    with pytest.raises(CommandError, match=r"bad.xml: line \d+, .*Sts/Cd"):
        _import_bank_file(path, "--by", "clerk-by")


def test_a_file_with_a_doctype_is_refused_and_nothing_imported(program, sent, tmp_path):
    declaration, rest = _camt(program, [_returned(sent[0], "AC01")]).split(b"\n", 1)
    doctype = b'<!DOCTYPE Document [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    path = tmp_path / "entity.xml"
    path.write_bytes(b"\n".join([declaration, doctype, rest]))

    with pytest.raises(CommandError) as refused:
        _import_bank_file(path, "--by", "clerk-by")

    assert "entity.xml: line 2: the file has a document type declaration" in str(
        refused.value
    )
    assert not BankFile.objects.exists()


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (
            ["--by", "staff-uni-by"],
            "--by staff-uni-by: the role institution may not import a bank file; "
            "that needs the role clerk or approver of the Land",
        ),
        (
            ["--by", "operator"],
            "--by operator: the role operator may not import a bank file",
        ),
        (
            ["--by", "clerk-nw"],
            "camt054.xml: the file is not about an account or payment run of DE-NW",
        ),
        (
            ["--by", "clerk-by", "--land", "DE-NW"],
            "--by clerk-by is clerk of DE-BY, not of DE-NW (--land DE-NW)",
        ),
        (
            ["--by", "clerk-by", "--land", "XX"],
            "unknown Land XX; use one of DE-BW, ",
        ),
        (["--by", "nobody"], "--by nobody: no active staff user of that name"),
    ],
)
def test_only_staff_of_the_files_land_import_it(
    program, sent, tmp_path, staff_by, operator, clerk_nw, args, problem
):
    path = tmp_path / "camt054.xml"
    path.write_bytes(_camt(program, [_returned(sent[0], "AC01")]))

    with pytest.raises(CommandError) as refused:
        _import_bank_file(path, *args)

    assert problem in str(refused.value)
    assert not BankFile.objects.exists()
    assert Payment.objects.get(pk=sent[0].pk).status == "sent"
