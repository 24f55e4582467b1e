"""Two payment-run commands at the same time on PostgreSQL pay nobody twice."""

import os
import re
import subprocess
import sys
import time
from urllib.parse import quote

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Sum

import pytest

from pauschale.payouts.models import Payment, PaymentFile, PaymentRun, PaymentRunItem
from pauschale.payouts.sepa import validate_pain001
from pauschale.payouts.tests.factories import approved_applications, ensure_lands
from pauschale.programs.models import Program

from .staff import make_staff

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

CLERK = "clerk-tests"
PAYMENTS = 120


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite lets only one writer in at a time")
    # A transactional test before this one may have flushed the seeded Länder.
    ensure_lands()


def _database_url() -> str:
    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    host = db["HOST"] or "127.0.0.1"
    port = db["PORT"] or 5432
    return (
        f"postgres://{quote(db['USER'], safe='')}{password}@{host}:{port}/{db['NAME']}"
    )


def _start_command(out_dir) -> subprocess.Popen:
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "pauschale.config.settings.test",
        "DATABASE_URL": _database_url(),
    }
    args = ["payment_run", "--program", "eppsg-2023", "--out", str(out_dir), "--commit"]
    args += ["--by", CLERK]
    return subprocess.Popen(
        [sys.executable, "-m", "pauschale.cli", *args],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_until_blocked(count: int, processes, timeout: float = 60) -> None:
    """Wait until ``count`` sessions wait for a lock (ours on the run table)."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            # Inside a transaction PostgreSQL keeps showing its first snapshot
            # of the activity statistics unless told to take a new one.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0] >= count:
                return
            if any(p.poll() is not None for p in processes):
                break
            time.sleep(0.05)
    for process in processes:
        process.kill()
    outputs = [p.communicate(timeout=30) for p in processes]
    pytest.fail(f"the commands did not both reach the payment run table: {outputs}")


def test_two_concurrent_commands_pay_every_payment_exactly_once(program, tmp_path):
    make_staff(CLERK, "clerk", land="DE-BY")
    program.spec_json["payment"]["max_transactions_per_file"] = 25
    program.save()
    applications = approved_applications(Program.objects.get(), "DE-BY", PAYMENTS)
    expected_total = Payment.objects.aggregate(total=Sum("amount_cents"))["total"]

    # Hold both commands at their first write to the run table, then let them
    # go at the same moment, so that they claim payments concurrently.
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("LOCK TABLE payouts_paymentrun IN EXCLUSIVE MODE")
        processes = [_start_command(tmp_path), _start_command(tmp_path)]
        _wait_until_blocked(2, processes)
    results = [p.communicate(timeout=120) for p in processes]

    for process, (_out, err) in zip(processes, results, strict=True):
        assert process.returncode == 0, err
    payments = Payment.objects.all()
    assert payments.count() == PAYMENTS
    assert not payments.filter(run_item__isnull=True).exists()
    assert set(payments.values_list("status", flat=True)) == {"in_run"}
    assert PaymentRunItem.objects.count() == payments.count()

    runs = PaymentRun.objects.all()
    assert sum(run.payment_count for run in runs) == payments.count()
    assert sum(run.total_cents for run in runs) == expected_total
    for run in runs:
        assert run.payment_count == run.items.count() > 0
        in_run = Payment.objects.filter(run_item__run=run)
        assert run.total_cents == in_run.aggregate(total=Sum("amount_cents"))["total"]
        assert set(in_run.values_list("land_id", flat=True)) == {run.land_id}

    files = PaymentFile.objects.all()
    assert sum(f.transaction_count for f in files) == payments.count()
    assert sum(f.total_cents for f in files) == expected_total
    for payment_file in files:
        summary = validate_pain001(payment_file.path)
        assert summary.sha256 == payment_file.sha256
        assert summary.transaction_count == payment_file.items.count()

    reported = [set(re.findall(r"^Run (\d+) ", out, re.M)) for out, _ in results]
    assert reported[0].isdisjoint(reported[1])
    assert reported[0] | reported[1] == {str(run.pk) for run in runs}

    everything = "".join(out + err for out, err in results)
    for application in applications:
        assert application.iban not in everything
    for name in ("Jörg", "Müller", "Joerg", "Mueller"):
        assert name not in everything
