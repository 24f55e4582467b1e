"""Prepare the development database for ``make serve``: codes and staff to try."""

from io import StringIO
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand

from pauschale.demo.runner import INSTITUTION_FILES, PROGRAM_FILE
from pauschale.programs.services import install_program
from pauschale.registry.imports import import_institutions
from pauschale.registry.models import Institution
from pauschale.registry.services import issue_codes


class Command(BaseCommand):
    help = (
        "Migrate, load the EPPSG program and the institution lists, issue codes to try."
    )

    def handle(self, *args, **options):
        call_command("migrate", verbosity=0, interactive=False)
        program = install_program(Path(settings.PAUSCHALE_PROGRAM_DIR) / PROGRAM_FILE)
        if not Institution.objects.exists():
            for name in INSTITUTION_FILES:
                import_institutions(
                    Path(settings.PAUSCHALE_DATA_DIR) / "institutions" / name
                )

        institution = (
            Institution.objects.filter(land="DE-BY", is_active=True)
            .order_by("pk")
            .first()
        )
        _, plain = issue_codes(
            program, institution, 2, with_pins=False, created_by="dev_setup"
        )
        _, with_pin = issue_codes(
            program, institution, 2, with_pins=True, created_by="dev_setup"
        )

        self.stdout.write(
            f"Ready: {Institution.objects.count()} institutions, program {program.slug}.\n"
            f"Open {settings.SAML_BASE_URL}/{program.slug}/ and choose Land 'Bayern' "
            f"({institution.name}).\nCodes for eID or ELSTER logins:\n"
        )
        for code in plain:
            self.stdout.write(f"  {code.code}\n")
        self.stdout.write(
            "Codes with PIN (also for a user-name login, trust level 1):\n"
        )
        for code in with_pin:
            self.stdout.write(f"  {code.code}  PIN {code.pin}\n")
        self.stdout.write(
            "These are development codes in a development database only.\n"
        )
        self._staff(institution)

    def _staff(self, institution) -> None:
        """One back-office account per role, for /backoffice/ (development only)."""
        accounts = [
            ("dev-institution", "institution", {"institution": institution.pk}),
            ("dev-clerk-by", "clerk", {"land": "DE-BY"}),
            ("dev-approver-by", "approver", {"land": "DE-BY"}),
            ("dev-operator", "operator", {}),
        ]
        self.stdout.write(
            f"Back-office accounts ({settings.SAML_BASE_URL}/backoffice/):\n"
        )
        for username, role, scope in accounts:
            if get_user_model().objects.filter(username=username).exists():
                self.stdout.write(
                    f"  {username}: exists (password as printed before)\n"
                )
                continue
            out = StringIO()
            call_command(
                "create_staff", username=username, role=role, stdout=out, **scope
            )
            password = next(
                line for line in out.getvalue().splitlines() if "password" in line
            )
            self.stdout.write(f"  {username} ({role}), {password}\n")
        self.stdout.write("  Their TOTP codes: .venv/bin/pauschale dev_totp USERNAME\n")
