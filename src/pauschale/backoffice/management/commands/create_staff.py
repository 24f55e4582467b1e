"""Create a staff account with its role, scope and TOTP second factor.

Prints the password (if generated) and the TOTP provisioning URI once; neither
is stored in clear nor logged. ``--qr`` also draws the URI as a QR code in the
terminal for the authenticator app.
"""

import secrets
import sys

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import translation

from django_otp.plugins.otp_totp.models import TOTPDevice

from pauschale.audit.services import record
from pauschale.backoffice.models import LAND_ROLES, Role, StaffProfile
from pauschale.common.lands import LANDS
from pauschale.common.log import get_logger
from pauschale.registry.models import Institution

log = get_logger(__name__)


class Command(BaseCommand):
    help = "Create a staff user with role, Land or institution, and a TOTP device."

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True)
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--land", help="ISO code such as DE-BY (clerk, approver)")
        parser.add_argument("--institution", type=int, help="institution id")
        parser.add_argument(
            "--password-stdin",
            action="store_true",
            help="read the password from standard input instead of generating one",
        )
        parser.add_argument(
            "--qr", action="store_true", help="also print the TOTP URI as a QR code"
        )

    def handle(self, *args, **options):
        role = options["role"]
        land, institution = self._scope(role, options["land"], options["institution"])
        User = get_user_model()
        username = self._username(User, options["username"])
        # Audit trail and four eyes tell staff apart by their names: a name
        # that differs from another only in case is refused as the same.
        if User.objects.filter(username__iexact=username).exists():
            raise CommandError(f"user {username} exists already (case ignored)")
        password = self._password(options["password_stdin"], username)

        with transaction.atomic():
            user = User.objects.create_user(username=username, password=password)
            StaffProfile.objects.create(
                user=user, role=role, land_id=land, institution=institution
            )
            device = TOTPDevice.objects.create(user=user, name="staff", confirmed=True)
            record(
                "create_staff",
                "staff_created",
                user,
                land=land or (institution.land_id if institution else ""),
                institution=institution.pk if institution else None,
                role=role,
            )
        log.info("staff_created", user_id=user.pk, role=role, land=land)

        self.stdout.write(f"user {username} ({role}) created, id {user.pk}")
        if not options["password_stdin"]:
            self.stdout.write(f"password (shown once): {password}")
        self.stdout.write(f"TOTP provisioning URI (shown once): {device.config_url}")
        if options["qr"]:
            import segno

            segno.make(device.config_url).terminal(out=self.stdout, compact=True)

    def _scope(self, role, land, institution_id):
        if role in LAND_ROLES:
            if not land or institution_id is not None:
                raise CommandError(
                    f"role {role} needs --land (e.g. DE-BY) and nothing else"
                )
            if land.upper() not in LANDS:
                known = ", ".join(LANDS)
                raise CommandError(f"unknown Land {land}; use one of {known}")
            return land.upper(), None
        if role == Role.INSTITUTION:
            if institution_id is None or land:
                raise CommandError("role institution needs --institution ID only")
            institution = Institution.objects.filter(pk=institution_id).first()
            if institution is None:
                raise CommandError(f"no institution {institution_id}")
            return None, institution
        if land or institution_id is not None:
            raise CommandError("role operator takes neither --land nor --institution")
        return None, None

    def _username(self, User, username: str) -> str:
        """The user name as the login form will compare it, checked with the
        user model's own rules (at most 150 characters, letters, digits and
        @.+-_), so that no account is created that can never log in, and in
        ASCII only."""
        if not username.isascii():
            # Look-alikes (a Cyrillic е for a Latin e) would pass for another.
            raise CommandError(
                "--username: use only ASCII letters, digits and @.+-_ (a letter "
                "of another script can look like a Latin one)"
            )
        field = User._meta.get_field(User.USERNAME_FIELD)
        with translation.override("en"):
            try:
                return field.clean(User.normalize_username(username), None)
            except ValidationError as exc:
                problems = " ".join(exc.messages)
        raise CommandError(f"--username: {problems}")

    def _password(self, from_stdin: bool, username: str) -> str:
        if not from_stdin:
            return secrets.token_urlsafe(15)
        password = sys.stdin.readline().rstrip("\n")
        try:
            validate_password(password, get_user_model()(username=username))
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        return password
