from django.core.management.base import BaseCommand, CommandError

from pauschale.programs.loader import ProgramConfigError
from pauschale.programs.services import install_program


class Command(BaseCommand):
    help = "Validate a program definition (TOML) and install or update it."

    def add_arguments(self, parser):
        parser.add_argument("path", help="e.g. programs/eppsg-2023.toml")

    def handle(self, *args, path, **options):
        try:
            program = install_program(path)
        except ProgramConfigError as exc:
            problems = "\n  ".join(exc.problems)
            raise CommandError(f"{exc.path}:\n  {problems}") from None
        spec = program.spec
        self.stdout.write(
            f"Program {spec.slug}: {spec.amount_eur} EUR, "
            f"{spec.window.start} to {spec.window.end}, {len(spec.lands)} Länder."
        )
