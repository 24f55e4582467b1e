"""Turn the open payments of each Land into a payment run with pain.001 files."""

import math
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from pauschale.programs.models import Program

from ...models import PaymentRun
from ...sepa import SepaFileError, format_amount
from ...services import create_payment_runs

ACTOR = "payment_run"


class Command(BaseCommand):
    help = (
        "Create one payment run per Land from its open payments and write its "
        "pain.001.001.09 files. Without --commit it only shows what would go out."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--program", required=True, help="program slug, e.g. eppsg-2023"
        )
        parser.add_argument(
            "--land",
            dest="lands",
            action="extend",
            nargs="+",
            metavar="CODE",
            help="only these Länder (ISO 3166-2, e.g. DE-BY); default: every Land",
        )
        parser.add_argument(
            "--out",
            type=Path,
            default=None,
            help="directory for the files (default: PAUSCHALE_PAYMENT_DIR)",
        )
        parser.add_argument(
            "--commit",
            action="store_true",
            help="create the runs and write the files; without it nothing is written",
        )

    def handle(self, *args, program: str, lands, out, commit: bool, **options):
        try:
            program_obj = Program.objects.get(slug=program)
        except Program.DoesNotExist:
            raise CommandError(
                f"no program {program!r}; load it with load_program"
            ) from None
        out_dir = out or Path(settings.PAUSCHALE_PAYMENT_DIR)

        try:
            runs = create_payment_runs(
                program_obj,
                lands=lands,
                out_dir=out_dir,
                actor=ACTOR,
                dry_run=not commit,
            )
        except (ValueError, SepaFileError) as exc:
            raise CommandError(str(exc)) from exc

        if not runs:
            where = ", ".join(lands) if lands else "any Land"
            self.stdout.write(
                f"No open payments of {program} in {where}: nobody to pay."
            )
            return
        if commit:
            self._report_runs(runs)
        else:
            self._report_dry_run(program_obj, runs)

    def _report_dry_run(self, program: Program, runs: list[PaymentRun]) -> None:
        per_file = program.spec.payment.max_transactions_per_file
        self.stdout.write(f"Dry run for {program.slug}: nothing is written.")
        for run in runs:
            files = math.ceil(run.payment_count / per_file)
            self.stdout.write(
                f"{run.land_id}: {run.payment_count} payments, "
                f"{format_amount(run.total_cents)} EUR in {files} file(s), "
                f"execution date {run.execution_date.isoformat()}"
            )
        self._write_total(runs)
        self.stdout.write("Give --commit to create these payment runs and their files.")

    def _report_runs(self, runs: list[PaymentRun]) -> None:
        for run in runs:
            self.stdout.write(
                f"Run {run.pk} {run.land_id}: {run.payment_count} payments, "
                f"{format_amount(run.total_cents)} EUR, "
                f"execution date {run.execution_date.isoformat()}"
            )
            for payment_file in run.files.order_by("sequence"):
                self.stdout.write(
                    f"  {payment_file.message_id}: {payment_file.transaction_count} "
                    f"payments, {format_amount(payment_file.total_cents)} EUR, "
                    f"{payment_file.path} sha256 {payment_file.sha256}"
                )
        self._write_total(runs)

    def _write_total(self, runs: list[PaymentRun]) -> None:
        count = sum(run.payment_count for run in runs)
        total = sum(run.total_cents for run in runs)
        self.stdout.write(
            f"Total: {len(runs)} run(s), {count} payments, {format_amount(total)} EUR"
        )
