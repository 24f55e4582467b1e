"""How long a payment run takes, and how much memory, for N open payments.

    .venv/bin/python benchmarks/payment_run.py                  # 200,000 payments
    .venv/bin/python benchmarks/payment_run.py --payments 100000 --lands 2

Creates a fresh SQLite database in a temporary directory (or migrates the
database given with --database-url: use a scratch database, the script writes
N invented applications and payments into it), fills it with N open payments,
then times ``create_payment_runs`` (claiming, writing the pain.001 files and
validating each against the XSD) in a child process of its own, so that the
peak memory it reports is the run's and not the set-up's. Afterwards it
validates every file a second time on its own to show what validation costs.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LANDS = ["DE-NW", "DE-BY", "DE-BW", "DE-NI", "DE-HE", "DE-SN", "DE-BE", "DE-RP"]


def _setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pauschale.config.settings.dev")
    # DEBUG keeps every query in memory, which would distort the measurement.
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def create_open_payments(count: int, lands: list[str]) -> None:
    """``count`` approved applications with open payments, spread over ``lands``."""
    from django.conf import settings
    from django.core.management import call_command
    from django.db import transaction

    from schwifty import IBAN

    from pauschale.applications.models import Application
    from pauschale.common import clock
    from pauschale.payouts.models import Payment
    from pauschale.programs.services import install_program
    from pauschale.registry.models import AccessCode, AccessCodeBatch, Institution

    call_command("migrate", verbosity=0)
    program = install_program(Path(settings.BASE_DIR) / "programs" / "eppsg-2023.toml")
    prefix = program.spec.payment.end_to_end_prefix
    now = clock.now()
    batch_size = 5_000

    for land_number, land in enumerate(lands):
        institution = Institution.objects.create(
            land_id=land,
            name=f"Benchmark-Hochschule {land}",
            kind=Institution.Kind.HOCHSCHULE,
            source="benchmark",
            external_id=f"{land}-{time.time_ns()}",
        )
        code_batch = AccessCodeBatch.objects.create(
            program=program,
            institution=institution,
            size=count,
            with_pins=False,
            created_at=now,
            created_by="benchmark",
        )
        numbers = range(land_number, count, len(lands))
        for start in range(0, len(numbers), batch_size):
            chunk = numbers[start : start + batch_size]
            with transaction.atomic():
                codes = AccessCode.objects.bulk_create(
                    AccessCode(
                        program=program,
                        institution=institution,
                        batch=code_batch,
                        code_hash=f"benchmark-{time.time_ns()}-{n}",
                    )
                    for n in chunk
                )
                applications = Application.objects.bulk_create(
                    Application(
                        program=program,
                        access_code=code,
                        land_id=land,
                        status=Application.Status.APPROVED,
                        submitted_at=now,
                        person_key=f"benchmark-{time.time_ns()}-{n}",
                        trust_level=4,
                        given_names="Jörg",
                        family_name=f"Müller-Lüdenscheidt {n}",
                        birth_date=now.date(),
                        account_holder=f"Jörg Müller-Lüdenscheidt {n}",
                        iban=IBAN.generate(
                            "DE", bank_code="12030000", account_code=str(10_000 + n)
                        ).compact,
                    )
                    for code, n in zip(codes, chunk, strict=True)
                )
                Payment.objects.bulk_create(
                    Payment(
                        program=program,
                        application=application,
                        land_id=land,
                        amount_cents=20_000,
                        creditor_name=application.account_holder,
                        iban=application.iban,
                        end_to_end_id=f"{prefix}-{land[3:]}-{application.pk}-1",
                        created_at=now,
                    )
                    for application in applications
                )


def measure(out_dir: Path, trace: bool) -> dict:
    """Run ``create_payment_runs`` once; time, peak memory and what it wrote."""
    import tracemalloc

    from pauschale.payouts.models import PaymentFile
    from pauschale.payouts.sepa import validate_pain001
    from pauschale.payouts.services import create_payment_runs
    from pauschale.programs.models import Program

    program = Program.objects.get(slug="eppsg-2023")
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    runs = create_payment_runs(program, out_dir=out_dir, actor="benchmark")
    seconds = time.perf_counter() - started
    traced_peak = tracemalloc.get_traced_memory()[1] if trace else None
    if trace:
        tracemalloc.stop()
    rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    files = PaymentFile.objects.filter(run__in=runs).order_by("run", "sequence")
    started = time.perf_counter()
    for payment_file in files:
        validate_pain001(payment_file.path)
    validation_seconds = time.perf_counter() - started
    return {
        "runs": len(runs),
        "payments": sum(run.payment_count for run in runs),
        "files": [
            {
                "message_id": f.message_id,
                "transactions": f.transaction_count,
                "megabytes": round(Path(f.path).stat().st_size / 1e6, 1),
            }
            for f in files
        ],
        "run_seconds": round(seconds, 1),
        "validation_alone_seconds": round(validation_seconds, 1),
        "peak_rss_mb_before_run": round(rss_before / 1024, 1),
        "peak_rss_mb": round(rss_peak / 1024, 1),
        "tracemalloc_peak_mb": round(traced_peak / 1e6, 1) if trace else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--payments", type=int, default=200_000)
    parser.add_argument("--lands", type=int, default=1, choices=range(1, 9))
    parser.add_argument(
        "--database-url", help="a scratch database (default: new SQLite)"
    )
    parser.add_argument(
        "--tracemalloc",
        action="store_true",
        help="also trace Python allocations (slower)",
    )
    parser.add_argument("--measure", metavar="OUT_DIR", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.measure:
        _setup_django(args.database_url)
        print(json.dumps(measure(Path(args.measure), args.tracemalloc)))  # noqa: T201
        return

    with tempfile.TemporaryDirectory(prefix="payment-run-benchmark-") as tmp:
        database_url = args.database_url or f"sqlite:///{tmp}/benchmark.sqlite3"
        _setup_django(database_url)
        started = time.perf_counter()
        create_open_payments(args.payments, LANDS[: args.lands])
        setup_seconds = time.perf_counter() - started

        child = [sys.executable, __file__, "--measure", f"{tmp}/files"]
        child += ["--database-url", database_url]
        child += ["--tracemalloc"] if args.tracemalloc else []
        result = subprocess.run(child, capture_output=True, text=True, check=False)  # noqa: S603
        if result.returncode:
            sys.exit(result.stderr)
        report = json.loads(result.stdout.strip().splitlines()[-1])
        report = {"setup_seconds": round(setup_seconds, 1), **report}
        print(json.dumps(report, indent=2))  # noqa: T201


if __name__ == "__main__":
    main()
