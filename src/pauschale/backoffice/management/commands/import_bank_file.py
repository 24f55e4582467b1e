"""Import camt.054 and pain.002 files from the bank: returns and rejects.

    import_bank_file FILE... --by USER [--land DE-BY]

Each file is checked against its ISO XSD and imported once; a file imported
before changes nothing. A file of an account that is no payer account, or with
the MsgId of another file imported before, is refused. Returns that need a
person (e.g. a returned amount that is not the payment's) are flagged, not
applied. Output names ids, counts and reason codes, never people.

The same rules as the bank-file page (``access``): staff of a Land authority
import the files about their own Land's account only; ``--land``, if given,
must be that Land. It lives in the back office, not in payouts, because the
staff roles do.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from pauschale.payouts.bank_files import BankFileError
from pauschale.payouts.returns import import_bank_file

from ...access import IMPORTS_BANK_FILES
from ..staff import require_land, staff_member


class Command(BaseCommand):
    help = "Import camt.054.001.08 (returns) and pain.002.001.10 (rejects) files."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path, metavar="FILE")
        parser.add_argument("--by", required=True, metavar="USER")
        parser.add_argument(
            "--land",
            help="the Land of --by (ISO 3166-2); files about another Land's "
            "account are refused with or without it",
        )

    def handle(self, *args, files, by, land, **options):
        staff = staff_member(by, IMPORTS_BANK_FILES, "import a bank file")
        if land:
            require_land(staff, land.upper(), f"--land {land}")
        failed = []
        for path in files:
            try:
                self._import(path, staff.user.username, staff.land_id)
            except BankFileError as exc:
                failed.append(str(exc))
                self.stderr.write(str(exc))
            except OSError as exc:
                failed.append(f"{path}: {exc.strerror}")
                self.stderr.write(f"{path}: {exc.strerror}")
        if failed:
            raise CommandError(
                f"{len(failed)} of {len(files)} file(s) not imported: "
                + "; ".join(failed)
            )

    def _import(self, path: Path, actor: str, land: str) -> None:
        result = import_bank_file(
            path.read_bytes(), name=path.name, actor=actor, land=land
        )
        bank_file = result.bank_file
        if not result.created:
            self.stdout.write(
                f"{path.name}: imported before; nothing changed "
                f"(bank file {bank_file.pk}, {bank_file.kind} {bank_file.message_id})"
            )
            return
        self.stdout.write(
            f"{path.name}: bank file {bank_file.pk}, {bank_file.kind} "
            f"{bank_file.message_id} ({bank_file.land_id}): "
            f"{bank_file.entry_count} entries, {bank_file.applied_count} applied, "
            f"{bank_file.flagged_count} flagged, {bank_file.unmatched_count} unmatched, "
            f"{bank_file.other_count} other"
        )
        if result.by_reason:
            self.stdout.write(f"  applied by reason: {_counts(result.by_reason)}")
        if result.by_flag:
            self.stdout.write(
                f"  flagged, not applied, for a person to check: "
                f"{_counts(result.by_flag)}"
            )


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{key} {n}" for key, n in sorted(counts.items()))
