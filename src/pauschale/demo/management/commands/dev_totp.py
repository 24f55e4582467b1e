"""Print the current TOTP code of a development staff account.

Only in development (the development identity provider on): in production the
second factor lives in the staff member's authenticator app, nowhere else.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = "Development only: the current TOTP code of a staff account."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        if not settings.PAUSCHALE_DEV_IDP:
            raise CommandError("dev_totp works only with the development settings")
        device = TOTPDevice.objects.filter(
            user__username=username, confirmed=True
        ).first()
        if device is None:
            raise CommandError(f"no TOTP device for {username}")
        code = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
        self.stdout.write(f"{code:0{device.digits}d}")
