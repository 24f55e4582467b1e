import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from pauschale.programs.models import Program
from pauschale.registry.models import Institution
from pauschale.registry.services import issue_codes, write_codes_csv


class Command(BaseCommand):
    help = (
        "Issue access codes (and PINs) for an institution and write them in clear to "
        "a new CSV file for it. The clear codes exist only in that file."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--program", required=True, help="program slug, e.g. eppsg-2023"
        )
        parser.add_argument(
            "--institution", required=True, type=int, help="institution id"
        )
        parser.add_argument("--count", required=True, type=int)
        parser.add_argument(
            "--pins", action="store_true", help="give every code a 6-digit PIN"
        )
        parser.add_argument(
            "--out", required=True, metavar="FILE.csv", help="must not exist yet"
        )
        parser.add_argument(
            "--actor", default="command:issue_codes", help="recorded in the audit trail"
        )

    def handle(self, *args, program, institution, count, pins, out, actor, **options):
        program_obj = Program.objects.filter(slug=program).first()
        if program_obj is None:
            raise CommandError(f"no program {program}")
        institution_obj = Institution.objects.filter(pk=institution).first()
        if institution_obj is None:
            raise CommandError(f"no institution {institution}")
        path = Path(out)
        file = _create_private_file(path)
        try:
            with file, transaction.atomic():
                batch, issued = issue_codes(
                    program_obj,
                    institution_obj,
                    count,
                    with_pins=pins,
                    created_by=actor,
                )
                write_codes_csv(batch, issued, file)
                file.flush()
                os.fsync(file.fileno())
        except BaseException as exc:
            path.unlink(missing_ok=True)
            if isinstance(exc, ValueError):
                raise CommandError(str(exc)) from None
            raise
        pin_note = " with PINs" if pins else ""
        self.stdout.write(
            f"Issued {count} codes{pin_note} in batch {batch.pk} for institution "
            f"{institution_obj.pk} ({institution_obj.land_id}), written to {path} "
            "(mode 0600). Hand the file to the institution, then delete it."
        )


def _create_private_file(path: Path):
    """Open a new file readable only by its owner; refuse to overwrite."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise CommandError(f"{path} exists already; choose another file name") from None
    except OSError as exc:
        raise CommandError(f"cannot create {path}: {exc.strerror}") from None
    os.fchmod(fd, 0o600)
    return os.fdopen(fd, "w", encoding="utf-8", newline="")
