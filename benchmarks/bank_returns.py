"""How long releasing a run and importing its bank returns take.

    .venv/bin/python benchmarks/bank_returns.py                    # 100,000 payments, 5,000 returns
    .venv/bin/python benchmarks/bank_returns.py --payments 20000 --returns 2000

A fresh SQLite database in a temporary directory (or --database-url, a scratch
database: the script writes invented applications and payments into it) gets N
open payments of one Land (as in payment_run.py), one run prepared, then timed:
``release_run`` (checks the files' SHA-256 and marks the payments sent), writing
a camt.054.001.08 file that returns R of them, and ``import_bank_file`` of it
(XSD validation, matching, applying), and a second import of the same file.
"""

import argparse
import json
import random
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from payment_run import _setup_django, create_open_payments  # noqa: E402

LAND = "DE-NW"


def _timed(function, *args, **kwargs):
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return result, round(time.perf_counter() - started, 2)


def measure(out_dir: Path, returns: int) -> dict:
    from pauschale.common import clock
    from pauschale.payouts.bank_simulator import SimulatedReturn, camt054_returns
    from pauschale.payouts.models import Payment
    from pauschale.payouts.returns import import_bank_file
    from pauschale.payouts.services import create_payment_runs, release_run
    from pauschale.programs.models import Program

    program = Program.objects.get(slug="eppsg-2023")
    (run,), prepare_seconds = _timed(
        create_payment_runs, program, out_dir=out_dir, actor="benchmark-clerk"
    )
    _, release_seconds = _timed(release_run, run, approver="benchmark-approver")

    sent = list(Payment.objects.values_list("end_to_end_id", "amount_cents"))
    chosen = random.Random(2023).sample(sent, min(returns, len(sent)))
    reasons = ("AC01", "AC04", "MD07", "MS03")
    now = clock.now() + timedelta(days=3)
    data, write_seconds = _timed(
        camt054_returns,
        account_iban=program.spec.lands[LAND].payer.iban,
        returns=[
            SimulatedReturn(reference, cents, reasons[n % len(reasons)])
            for n, (reference, cents) in enumerate(chosen)
        ],
        message_id="BENCHMARK-CAMT054-1",
        created_at=now,
        booking_date=now.date(),
    )
    result, import_seconds = _timed(
        import_bank_file, data, name="benchmark.xml", actor="benchmark-clerk"
    )
    again, reimport_seconds = _timed(
        import_bank_file, data, name="benchmark.xml", actor="benchmark-clerk"
    )
    return {
        "payments": run.payment_count,
        "prepare_seconds": prepare_seconds,
        "release_seconds": release_seconds,
        "returns": len(chosen),
        "camt054_megabytes": round(len(data) / 1e6, 1),
        "write_camt054_seconds": write_seconds,
        "import_seconds": import_seconds,
        "applied": result.bank_file.applied_count,
        "reimport_seconds": reimport_seconds,
        "reimport_changed_nothing": not again.created,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--payments", type=int, default=100_000)
    parser.add_argument("--returns", type=int, default=5_000)
    parser.add_argument(
        "--database-url", help="a scratch database (default: new SQLite)"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bank-returns-benchmark-") as tmp:
        _setup_django(args.database_url or f"sqlite:///{tmp}/benchmark.sqlite3")
        from django.conf import settings

        settings.PAUSCHALE_BANK_FILE_DIR = Path(tmp) / "bank"
        create_open_payments(args.payments, [LAND])
        report = measure(Path(tmp) / "files", args.returns)
        print(json.dumps(report, indent=2))  # noqa: T201


if __name__ == "__main__":
    main()
