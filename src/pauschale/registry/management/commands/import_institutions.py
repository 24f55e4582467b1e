from collections import Counter

from django.core.management.base import BaseCommand, CommandError, no_translations

from pauschale.registry.import_formats import FORMATS
from pauschale.registry.imports import (
    ImportReport,
    InstitutionImportError,
    check_institutions,
    import_checked,
)


class Command(BaseCommand):
    help = (
        "Import institutions from CSV files. All files are checked first; they are "
        "imported together, and only if none has a problem. "
        "See data/institutions/README.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="FILE.csv")
        parser.add_argument(
            "--format",
            choices=sorted(FORMATS),
            help="the files' format; detected from the header row if not given",
        )

    @no_translations  # an operator's tool: English, like its help
    def handle(self, *args, paths, format, **options):
        checked = []
        errors = []
        for path in paths:
            try:
                checked.append(check_institutions(path, format=format))
            except InstitutionImportError as exc:
                errors.extend(exc.errors)
        if errors:
            problems = "".join(f"\n  {error}" for error in errors)
            bad_files = len(paths) - len(checked)
            raise CommandError(
                f"{len(errors)} problem(s) in {bad_files} of {len(paths)} file(s), "
                f"nothing imported:{problems}"
            )
        for report in import_checked(checked):
            self._print(report)

    def _print(self, report: ImportReport) -> None:
        self.stdout.write(
            f"{report.path} ({report.format}): {report.rows} rows, "
            f"{report.created} created, {report.updated} updated, "
            f"{report.unchanged} unchanged, {len(report.skipped)} skipped."
        )
        reasons = Counter(_reason_kind(skipped.reason) for skipped in report.skipped)
        for reason, count in reasons.items():
            self.stdout.write(f"  skipped {count}: {reason}")
        if report.inactive:
            self.stdout.write(f"  {report.inactive} stored as not in operation")
        for duplicate in report.possible_duplicates:
            self.stdout.write(
                f"  line {duplicate.line}: name also used by institution "
                f"{duplicate.institution_id} in {duplicate.land}; possible duplicate"
            )
        if report.not_in_file:
            self.stdout.write(
                f"  {report.not_in_file} record(s) of earlier imports are not in "
                "this file; left as they are"
            )


def _reason_kind(reason: str) -> str:
    return reason.split(" as institution ")[0]
