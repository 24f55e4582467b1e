"""Payment runs from the command line: prepare, release (four eyes), cancel.

    payment_run --program eppsg-2023                      # dry run: what would go out
    payment_run --program eppsg-2023 --commit --by anna   # prepare runs and files
    payment_run --release 12 --by ben                     # a second person releases
    payment_run --cancel 12 --by anna                     # discard a prepared run

Output names run ids, counts, sums, paths and checksums, never people.
"""

import math
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from pauschale.programs.models import Program

from ...models import PaymentRun
from ...sepa import SepaFileError, format_amount
from ...services import (
    RunRefused,
    cancel_run,
    create_payment_runs,
    release_run,
)


class Command(BaseCommand):
    help = (
        "Create one payment run per Land from its open payments and write its "
        "pain.001.001.09 files (without --commit it only shows what would go out); "
        "release a prepared run as a second person, or cancel it."
    )

    def add_arguments(self, parser):
        parser.add_argument("--program", help="program slug, e.g. eppsg-2023")
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
        action = parser.add_mutually_exclusive_group()
        action.add_argument(
            "--release", type=int, metavar="RUN_ID", help="release a prepared run"
        )
        action.add_argument(
            "--cancel", type=int, metavar="RUN_ID", help="cancel a prepared run"
        )
        parser.add_argument(
            "--by",
            "--approver",
            dest="by",
            metavar="USER",
            help="user name of the staff member who prepares, releases or cancels",
        )

    def handle(self, *args, release, cancel, by, **options):
        if release is not None:
            return self._release(release, self._user(by))
        if cancel is not None:
            return self._cancel(cancel, self._user(by))
        if not options["program"]:
            raise CommandError("give --program, or --release/--cancel RUN_ID")
        user = self._user(by) if options["commit"] else (by or "dry-run")
        self._prepare(user=user, **options)

    def _user(self, name: str | None) -> str:
        if not name:
            raise CommandError("give --by USER: who prepares, releases or cancels")
        exists = get_user_model().objects.filter(username=name, is_active=True).exists()
        if not exists:
            raise CommandError(f"no active user {name!r}")
        return name

    # --- prepare --------------------------------------------------------------------

    def _prepare(self, *, program, lands, out, commit, user, **options):
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
                actor=user,
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
            self.stdout.write(
                "Prepared. Another person releases each run with --release RUN_ID "
                "--by USER; only then may its files go to the bank."
            )
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
        self.stdout.write(
            "Give --commit --by USER to create these payment runs and their files."
        )

    def _report_runs(self, runs: list[PaymentRun]) -> None:
        for run in runs:
            self.stdout.write(
                f"Run {run.pk} {run.land_id} ({run.status}): {run.payment_count} "
                f"payments, {format_amount(run.total_cents)} EUR, "
                f"execution date {run.execution_date.isoformat()}"
            )
            self._write_files(run)
        self._write_total(runs)

    def _write_files(self, run: PaymentRun) -> None:
        for payment_file in run.files.order_by("sequence"):
            self.stdout.write(
                f"  {payment_file.message_id}: {payment_file.transaction_count} "
                f"payments, {format_amount(payment_file.total_cents)} EUR, "
                f"{payment_file.path} sha256 {payment_file.sha256}"
            )

    def _write_total(self, runs: list[PaymentRun]) -> None:
        count = sum(run.payment_count for run in runs)
        total = sum(run.total_cents for run in runs)
        self.stdout.write(
            f"Total: {len(runs)} run(s), {count} payments, {format_amount(total)} EUR"
        )

    # --- release and cancel ------------------------------------------------------------

    def _release(self, run_id: int, user: str) -> None:
        try:
            run = release_run(run_id, approver=user)
        except PaymentRun.DoesNotExist:
            raise CommandError(f"no payment run {run_id}") from None
        except RunRefused as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Run {run.pk} released by {run.released_by} (prepared by "
            f"{run.created_by}): {run.payment_count} payments, "
            f"{format_amount(run.total_cents)} EUR. Files, checked:"
        )
        self._write_files(run)

    def _cancel(self, run_id: int, user: str) -> None:
        try:
            run = cancel_run(run_id, actor=user)
        except PaymentRun.DoesNotExist:
            raise CommandError(f"no payment run {run_id}") from None
        except RunRefused as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Run {run.pk} cancelled by {user}: its {run.payment_count} payments "
            "wait for the next run."
        )
