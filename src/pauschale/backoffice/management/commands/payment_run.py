"""Payment runs from the command line: prepare, release (four eyes), cancel.

    payment_run --program eppsg-2023                      # dry run: what would go out
    payment_run --program eppsg-2023 --commit --by anna   # prepare the run of her Land
    payment_run --release 12 --by ben                     # a second person releases
    payment_run --cancel 12 --by anna                     # discard a prepared run

The same rules as the pages (``access``): a clerk prepares the runs of their
Land, an approver of the run's Land who did not prepare it releases it, staff
of the run's Land cancel it. It lives in the back office, not in payouts,
because the staff roles do. Output names run ids, counts, sums, paths and
checksums, never people.
"""

import math
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from pauschale.payouts.models import PaymentRun
from pauschale.payouts.sepa import SepaFileError, format_amount
from pauschale.payouts.services import (
    RunRefused,
    cancel_run,
    create_payment_runs,
    release_run,
)
from pauschale.programs.models import Program

from ...access import CANCELS_RUNS, PREPARES_RUNS, RELEASES_RUNS
from ...models import StaffProfile
from ..staff import require_land, staff_member


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
            staff = staff_member(by, RELEASES_RUNS, "release a payment run")
            return self._release(self._run(release, staff), staff)
        if cancel is not None:
            staff = staff_member(by, CANCELS_RUNS, "cancel a payment run")
            return self._cancel(self._run(cancel, staff), staff)
        if not options["program"]:
            raise CommandError("give --program, or --release/--cancel RUN_ID")
        if options["commit"]:
            staff = staff_member(by, PREPARES_RUNS, "prepare a payment run")
            lands = self._lands_of(staff, options.pop("lands"))
            return self._prepare(user=staff.user.username, lands=lands, **options)
        self._prepare(user=by or "dry-run", **options)

    def _run(self, run_id: int, staff: StaffProfile) -> PaymentRun:
        run = PaymentRun.objects.filter(pk=run_id).first()
        if run is None:
            raise CommandError(f"no payment run {run_id}")
        require_land(staff, run.land_id, f"payment run {run_id}")
        return run

    def _lands_of(self, staff: StaffProfile, lands: list[str] | None) -> list[str]:
        """A clerk prepares the runs of their own Land only."""
        for land in lands or []:
            require_land(staff, land.upper(), f"--land {land}")
        return [staff.land_id]

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

    def _release(self, run: PaymentRun, staff: StaffProfile) -> None:
        try:
            run = release_run(run, approver=staff.user.username)
        except RunRefused as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Run {run.pk} released by {run.released_by} (prepared by "
            f"{run.created_by}): {run.payment_count} payments, "
            f"{format_amount(run.total_cents)} EUR. Files, checked:"
        )
        self._write_files(run)

    def _cancel(self, run: PaymentRun, staff: StaffProfile) -> None:
        try:
            run = cancel_run(run, actor=staff.user.username)
        except RunRefused as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Run {run.pk} cancelled by {staff.user.username}: its "
            f"{run.payment_count} payments "
            "wait for the next run."
        )
