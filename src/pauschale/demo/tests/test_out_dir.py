"""Where ``pauschale demo --out DIR`` writes: under DIR, never into ``var/``."""

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from django.core.management import CommandError, call_command

import pytest

from pauschale.demo.runner import keep_files_under
from pauschale.payouts.bank_simulator import SimulatedReturn, camt054_returns
from pauschale.payouts.returns import import_bank_file


@pytest.fixture
def instance_var(settings, tmp_path):
    """The development instance's directories; restored after the test."""
    var = tmp_path / "var"
    settings.PAUSCHALE_PAYMENT_DIR = var / "payments"
    settings.PAUSCHALE_BANK_FILE_DIR = var / "bank"
    return var


def test_payment_and_kept_bank_files_go_under_the_demo_directory(
    settings, instance_var, tmp_path
):
    out = tmp_path / "demo"
    stale = out / "bank" / "imported" / "from-the-last-demo.xml"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"<old/>")

    keep_files_under(out)

    assert settings.PAUSCHALE_PAYMENT_DIR == out / "payments"
    assert settings.PAUSCHALE_BANK_FILE_DIR == out / "bank" / "imported"
    assert not stale.exists()


@pytest.mark.django_db
def test_a_bank_file_imported_by_the_demo_is_kept_under_its_directory(
    instance_var, tmp_path, program
):
    out = tmp_path / "demo"
    keep_files_under(out)
    data = camt054_returns(
        account_iban=program.spec.lands["DE-BY"].payer.iban,
        returns=[SimulatedReturn("EPP-BY-1-1", 20_000, "AC01")],
        message_id="CAMT-1",
        created_at=datetime(2023, 4, 6, 8, 0, tzinfo=ZoneInfo("Europe/Berlin")),
        booking_date=date(2023, 4, 6),
    )

    result = import_bank_file(data, name="camt054.xml", actor="demo-clerk")

    assert Path(result.bank_file.path).is_relative_to(out.resolve())
    assert not instance_var.exists()


def test_an_unusable_out_directory_is_named_in_a_clear_error(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")

    with pytest.raises(CommandError) as refused:
        call_command("demo", "--out", str(blocker / "demo"))

    assert str(refused.value) == (
        f"cannot write to the output directory {blocker / 'demo'}: Not a directory"
    )
